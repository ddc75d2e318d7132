// What `podnet serve` does before it listens: the database (the embedded
// PostgreSQL when DATABASE_URL is unset), the migrations, the app, and the
// first admin token. The app owns the database from then on and closes it
// (and the embedded server) when it closes.
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { TokenService } from './service/tokens.js';
import { connectDb, type Db } from './store/db.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './store/embedded.js';
import { migrate } from './store/migrator.js';

export interface Database {
  db: Db;
  embedded: EmbeddedServer | null;
  close(): Promise<void>;
}

/** Connects (starting the embedded server first when there is no DATABASE_URL) and migrates. */
export async function openDatabase(config: Config, log: Logger): Promise<Database> {
  let embedded: EmbeddedServer | null = null;
  if (config.databaseUrl === null) {
    embedded = await startEmbeddedPostgres({ dir: config.dataDir, port: config.embeddedPgPort, database: 'podnet', persistent: true, log });
    log.info({ dataDir: config.dataDir, pgdata: embedded.pgdata, port: embedded.port }, 'using embedded PostgreSQL');
  }
  const db = connectDb(embedded?.url ?? config.databaseUrl!, { connectTimeoutMs: config.limits.dbTimeoutMs });
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await db.close();
      await embedded?.stop();
    })());
  try {
    const result = await migrate(db.sql);
    if (result.applied.length > 0) log.info({ applied: result.applied }, 'migrations applied');
    if (result.checksumMismatches.length > 0) log.warn({ migrations: result.checksumMismatches }, 'applied migrations differ from the files on disk');
    // Prisma compiles its query compiler (WebAssembly, ~0.5 s of CPU) on first
    // use: at boot, not in the first request that writes a node or pod.
    await db.prisma.$connect();
  } catch (err) {
    await close();
    throw err;
  }
  return { db, embedded, close };
}

/** The app on a migrated database, with the admin token in place; it does not listen yet. */
export async function bootApp(config: Config, log: Logger): Promise<FastifyInstance> {
  const database = await openDatabase(config, log);
  let app: FastifyInstance | null = null;
  try {
    app = await buildApp({ config, db: database.db, closeDb: database.close }, { loggerInstance: log });
    await app.ready();
    await bootstrapAuth(config, app.tokens, log);
    return app;
  } catch (err) {
    if (app) await app.close().catch(() => {});
    await database.close();
    throw err;
  }
}

/**
 * PODNET_ADMIN_TOKEN becomes a valid admin token; with no token at all, the
 * first start creates one and prints it once (it is stored only as a hash).
 */
async function bootstrapAuth(config: Config, tokens: TokenService, log: Logger): Promise<void> {
  if (!config.auth) {
    log.warn('authentication is OFF (PODNET_AUTH=off): every request is treated as admin');
    return;
  }
  if (config.adminToken) {
    await tokens.ensure('admin-env', config.adminToken, 'admin');
    return;
  }
  if ((await tokens.count()) > 0) return;
  try {
    const t = await tokens.create('admin', 'admin');
    process.stdout.write(`podnet: created admin token "admin" (shown only this once; store it now):\n${t.token}\n`);
  } catch (err) {
    if ((err as { code?: string }).code !== 'TOKEN_EXISTS') throw err; // another instance created it first
  }
}
