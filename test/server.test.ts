// The server as `npm start` runs it: embedded PostgreSQL when DATABASE_URL is
// unset, data that survives a restart, a busy port handled, and readiness that
// follows the database going away and coming back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { startServer, unhandledRejection } from '../src/server.js';
import { startEmbeddedPostgres } from '../src/store/embedded.js';
import { connectDb } from '../src/store/db.js';
import { migrate } from '../src/store/migrator.js';
import { buildApp } from '../src/app.js';
import request from 'supertest';
import { removeTestDir } from './helpers/processes.js';
import { createEmptyDatabase } from './helpers/db.js';

// mkdtemp makes it 0700: as root, a directory the postgres user cannot enter.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-server-test-'));

describe('podnet serve with the embedded database', () => {
  after(() => removeTestDir(tmp));

  test('data written survives a restart; a busy embedded port is replaced by a free one', async () => {
    // Hold a port so the embedded server has to pick another.
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const busy = (blocker.address() as net.AddressInfo).port;
    const env = { PORT: '0', LOG_LEVEL: 'silent', PODNET_AUTH: 'off', PODNET_DATA_DIR: path.join(tmp, 'data'), PODNET_PG_PORT: String(busy) };
    try {
      const first = await startServer(loadConfig(env));
      try {
        const res = await fetch(`${first.url}/v1/clusters`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'keep', podCidrs: ['10.7.0.0/16'], nodes: [{ name: 'n', address: '192.168.7.1' }] }),
        });
        assert.equal(res.status, 201);
      } finally {
        await first.close();
      }
      const second = await startServer(loadConfig(env));
      try {
        const res = await fetch(`${second.url}/v1/clusters/keep`);
        assert.equal(res.status, 200);
        const body = (await res.json()) as { nodes: { podCidrs: string[] }[] };
        assert.deepEqual(body.nodes[0]!.podCidrs, ['10.7.0.0/24']);
        // Under PODNET_DATA_DIR, or (as root in a directory the postgres user cannot enter) where it records.
        const data = path.join(tmp, 'data');
        assert.ok(fs.existsSync(path.join(data, 'pg', 'PG_VERSION')) || fs.existsSync(path.join(data, 'embedded.json')), 'data lives under PODNET_DATA_DIR');
      } finally {
        await second.close();
      }
    } finally {
      blocker.close();
    }
  });

  test('stopping PostgreSQL makes /readyz 503 and requests 503, without a crash; starting it again recovers', async () => {
    const pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'flaky'), port: 0, database: 'podnet', persistent: true });
    const db = connectDb(pg.url, { max: 2 });
    await migrate(db.sql);
    const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', PODNET_AUTH: 'off' }), db }, { logger: false });
    await app.ready();
    try {
      await request(app.server).get('/readyz').expect(200);
      await pg.stop();
      const down = await request(app.server).get('/readyz').expect(503);
      assert.equal(down.body.code, 'DATABASE_UNAVAILABLE');
      const read = await request(app.server).get('/v1/clusters').expect(503);
      assert.equal(read.body.code, 'DATABASE_UNAVAILABLE');
      assert.equal(read.headers['retry-after'], '1');
      await request(app.server).get('/healthz').expect(200);
      await pg.start();
      let ready = 0;
      for (let i = 0; i < 50 && ready !== 200; i++) {
        ready = (await request(app.server).get('/readyz')).status;
        if (ready !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(ready, 200, 'ready again once PostgreSQL is back');
      await request(app.server).get('/v1/clusters').expect(200);
    } finally {
      await app.close();
      await db.close();
      await pg.stop();
    }
  });
});

describe('closing the server', () => {
  test('a connection that never sent a whole request (nothing, or half its headers) does not hold the close', { timeout: 30_000 }, async () => {
    const empty = await createEmptyDatabase();
    const server = await startServer(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', PODNET_AUTH: 'off', DATABASE_URL: empty.url }));
    const { port } = new URL(server.url);
    const socket = (data: string) => new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(Number(port), '127.0.0.1', () => { s.write(data); resolve(s); });
      s.on('error', reject);
    });
    const silent = await socket('');
    const half = await socket('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const ended = (s: net.Socket) => new Promise<void>((r) => s.once('close', () => r()));
    try {
      await new Promise((r) => setTimeout(r, 100));
      const t0 = performance.now();
      await Promise.all([server.close(), ended(silent), ended(half)]);
      const took = performance.now() - t0;
      assert.ok(took < 5000, `closed in ${took.toFixed(0)} ms`);
    } finally {
      silent.destroy();
      half.destroy();
      await empty.drop();
    }
  });
});

test('an unhandled rejection that says the database is away is logged; any other ends the process, as Node\'s default does', () => {
  const warned: unknown[] = [];
  const handle = unhandledRejection({ warn: (obj: unknown) => { warned.push(obj); } } as never);
  const lost = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  handle(lost);
  assert.deepEqual(warned, [{ err: lost }]);
  const bug = new TypeError("Cannot read properties of undefined (reading 'id')");
  assert.throws(() => handle(bug), (e) => e === bug);
  assert.throws(() => handle('a string'), (e) => e === 'a string');
  assert.equal(warned.length, 1);
});
