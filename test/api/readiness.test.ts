import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { connectDb } from '../../src/store/db.js';
import { createEmptyDatabase } from '../helpers/db.js';
import { migrate } from '../../src/store/migrator.js';
import { freePort } from '../../src/store/embedded.js';

describe('readiness follows the database', () => {
  let empty: Awaited<ReturnType<typeof createEmptyDatabase>>;
  before(async () => { empty = await createEmptyDatabase(); });
  after(async () => { await empty.drop(); });

  test('503 NOT_READY before migrations, 200 after', async () => {
    const db = connectDb(empty.url, { max: 2 });
    const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', PODNET_AUTH: 'off' }), db }, { logger: false });
    await app.ready();
    try {
      const res = await request(app.server).get('/readyz').expect(503);
      assert.equal(res.body.code, 'NOT_READY');
      assert.match(res.body.detail, /migrations not applied/);
      await migrate(db.sql);
      await request(app.server).get('/readyz').expect(200);
    } finally {
      await app.close();
      await db.close();
    }
  });

  test('503 DATABASE_UNAVAILABLE when the server is unreachable, without crashing', async () => {
    const port = await freePort();
    const db = connectDb(`postgresql://nobody@127.0.0.1:${port}/none`, { max: 1 });
    const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', PODNET_AUTH: 'off' }), db }, { logger: false });
    await app.ready();
    try {
      const res = await request(app.server).get('/readyz').expect(503);
      assert.equal(res.body.code, 'DATABASE_UNAVAILABLE');
      await request(app.server).get('/healthz').expect(200);
    } finally {
      await app.close();
      await db.close();
    }
  });
});
