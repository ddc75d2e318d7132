import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { connectDb, type Db } from '../../src/store/db.js';
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

export interface TestInstances {
  /** Separate apps, each with its own pool and snapshot cache, on one database. */
  apps: FastifyInstance[];
  tdb: TestDatabase;
  close(): Promise<void>;
}

/** `count` service instances sharing one fresh database, as several deployed replicas would (`env(i)`: instance i's own settings). */
export async function startInstances(count: number, poolSize = 10, env: (i: number) => Record<string, string> = () => ({})): Promise<TestInstances> {
  const tdb = await freshDatabase();
  const apps: FastifyInstance[] = [];
  const dbs: Db[] = [];
  for (let i = 0; i < count; i++) {
    const db = connectDb(tdb.url, { max: poolSize });
    dbs.push(db);
    const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', PODNET_AUTH: 'off', ...env(i) }), db }, { logger: false });
    await app.ready();
    apps.push(app);
  }
  return {
    apps,
    tdb,
    async close() {
      for (const a of apps) await a.close();
      for (const d of dbs) await d.close();
      await tdb.drop();
    },
  };
}
