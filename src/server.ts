// Starts podnet: the database (embedded when DATABASE_URL is unset),
// migrations, then the HTTP app. Shuts everything down cleanly on SIGINT/SIGTERM.
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { connectDb, type Db } from './store/db.js';
import { startEmbeddedPostgres, type EmbeddedServer } from './store/embedded.js';
import { migrate } from './store/migrator.js';

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
  const db = connectDb(databaseUrl);
  let app: FastifyInstance | null = null;
  try {
    const result = await migrate(db.sql);
    app = await buildApp({ config, db });
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
