import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { freshDatabase, type TestDatabase } from './db.js';

export interface TestApp {
  app: FastifyInstance;
  /** The node http.Server, for supertest. */
  server: FastifyInstance['server'];
  tdb: TestDatabase;
  close(): Promise<void>;
}

/** A podnet app on a fresh database, ready for supertest. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const tdb = await freshDatabase();
  const config = loadConfig({ LOG_LEVEL: 'silent', PODNET_AUTH: 'off', ...env });
  const app = await buildApp({ config, db: tdb.db }, { logger: false });
  await app.ready();
  return {
    app,
    server: app.server,
    tdb,
    async close() {
      await app.close();
      await tdb.drop();
    },
  };
}
