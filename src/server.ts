// Starts podnet: the database (embedded when DATABASE_URL is unset),
// migrations, then the HTTP app. Shuts everything down cleanly on SIGINT/SIGTERM.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { connectDb, type Db } from './store/db.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './store/embedded.js';
import { migrate } from './store/migrator.js';
import { TokenService } from './service/tokens.js';
import { TokenStore } from './store/tokens.js';

export interface RunningServer {
  app: FastifyInstance;
  db: Db;
  url: string;
  close(): Promise<void>;
}

export async function startServer(config: Config): Promise<RunningServer> {
  let embedded: EmbeddedServer | null = null;
  let databaseUrl = config.databaseUrl;
  if (databaseUrl === null) {
    embedded = await startEmbeddedPostgres({
      dir: path.join(config.dataDir),
      port: config.embeddedPgPort,
      database: 'podnet',
      persistent: true,
      log: (m) => console.error(m),
    });
    databaseUrl = embedded.url;
  }
  const db = connectDb(databaseUrl, { connectTimeoutMs: config.limits.dbTimeoutMs });
  let app: FastifyInstance | null = null;
  try {
    const result = await migrate(db.sql);
    app = await buildApp({ config, db });
    await bootstrapAuth(config, db, app);
    if (embedded) app.log.info({ dataDir: config.dataDir, port: embedded.port }, 'using embedded PostgreSQL');
    if (result.applied.length > 0) app.log.info({ applied: result.applied }, 'migrations applied');
    if (result.checksumMismatches.length > 0) app.log.warn({ migrations: result.checksumMismatches }, 'applied migrations differ from the files on disk');
    const url = await app.listen({ port: config.port, host: config.host });
    let closing: Promise<void> | null = null;
    const close = () =>
      (closing ??= (async () => {
        await app?.close();
        await db.close();
        await embedded?.stop();
      })());
    return { app, db, url, close };
  } catch (err) {
    await app?.close().catch(() => {});
    await db.close();
    await embedded?.stop();
    throw err;
  }
}

/**
 * PODNET_ADMIN_TOKEN becomes a valid admin token; with no token at all, the
 * first start creates one and prints it once (it is stored only as a hash).
 */
async function bootstrapAuth(config: Config, db: Db, app: FastifyInstance): Promise<void> {
  if (!config.auth) {
    app.log.warn('authentication is OFF (PODNET_AUTH=off): every request is treated as admin');
    return;
  }
  const tokens = new TokenService(new TokenStore(db.prisma));
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

/** `podnet serve`: runs until SIGINT/SIGTERM. */
export async function serve(config: Config): Promise<void> {
  const server = await startServer(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
