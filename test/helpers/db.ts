// Each test file gets its own freshly migrated database on the server named
// by DATABASE_URL (scripts/run-tests.ts provides one), dropped at the end.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { connectDb, withDatabase, type Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrator.js';

export interface TestDatabase {
  url: string;
  name: string;
  db: Db;
  drop(): Promise<void>;
}

export function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set; run the suite with `npm test`');
  return url;
}

export async function createEmptyDatabase(): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `podnet_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl(), { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  await admin.end();
  return {
    url: withDatabase(serverUrl(), name),
    name,
    async drop() {
      const a = postgres(serverUrl(), { max: 1, onnotice: () => {} });
      await a.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

export async function freshDatabase(): Promise<TestDatabase> {
  const empty = await createEmptyDatabase();
  const db = connectDb(empty.url, { max: 8, connectTimeoutMs: 30_000 }); // patient on a loaded CI machine
  await migrate(db.sql);
  return {
    url: empty.url,
    name: empty.name,
    db,
    async drop() {
      await db.close();
      await empty.drop();
    },
  };
}
