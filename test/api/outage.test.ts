// A PostgreSQL outage under a write load: every request is answered within
// the bound (a 201, or a 503 DATABASE_UNAVAILABLE whose write is not stored),
// no acknowledged write is lost, and /readyz is 200 again within 2 s of the
// database accepting connections.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { connectDb, type Db } from '../../src/store/db.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/store/embedded.js';
import { migrate } from '../../src/store/migrator.js';
import type { FastifyInstance } from 'fastify';

/** The most a request may take while the database is away (SPEC: a bounded answer, here 5 s). */
const BOUND_MS = 5000;

interface Answer { i: number; ms: number; status: number; code?: string }

describe('a database outage under writes', () => {
  let tmp: string;
  let pg: EmbeddedServer;
  let db: Db;
  let app: FastifyInstance;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-outage-'));
    fs.chmodSync(tmp, 0o755); // the unprivileged PostgreSQL user must enter it when run as root
    pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'pg'), port: 0, database: 'podnet', persistent: true });
    const config = loadConfig({ LOG_LEVEL: 'silent', PODNET_AUTH: 'off' });
    db = connectDb(pg.url, { max: 4, connectTimeoutMs: config.limits.dbTimeoutMs });
    await migrate(db.sql);
    app = await buildApp({ config, db }, { logger: false });
    await app.ready();
    await request(app.server).post('/v1/clusters').send({ name: 'c', podCidrs: ['10.0.0.0/8'] }).expect(201);
  });
  after(async () => {
    await app.close();
    await db.close();
    await pg.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('writes before, during and after a stop are answered in time; 503s are not applied, 201s are kept', async () => {
    const answers: Answer[] = [];
    const inFlight: Promise<void>[] = [];
    let i = 0;
    const write = () => {
      const n = i++;
      const t0 = performance.now();
      inFlight.push(request(app.server).post('/v1/clusters/c/nodes').send({ name: `n${n}`, address: `192.168.${n >> 8}.${n & 255}` })
        .then((r) => { answers.push({ i: n, ms: performance.now() - t0, status: r.status, code: r.body.code }); }));
    };
    const writeFor = async (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        write();
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    await writeFor(600);
    await pg.stop();
    await writeFor(2000);
    await pg.start();
    const back = performance.now();
    let ready = 0;
    while (ready !== 200 && performance.now() - back < 10_000) {
      ready = (await request(app.server).get('/readyz')).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    const readyAfter = performance.now() - back;
    await writeFor(600);
    await Promise.all(inFlight);

    assert.equal(ready, 200);
    assert.ok(readyAfter < 2000, `/readyz took ${readyAfter.toFixed(0)} ms to recover`);
    const stored = new Set((await db.sql<{ name: string }[]>`SELECT name FROM node`).map((r) => r.name));
    for (const a of answers) {
      assert.ok(a.ms < BOUND_MS, `write ${a.i} answered after ${a.ms.toFixed(0)} ms`);
      assert.ok(a.status === 201 || (a.status === 503 && a.code === 'DATABASE_UNAVAILABLE'), `write ${a.i}: ${a.status} ${a.code}`);
      assert.equal(stored.has(`n${a.i}`), a.status === 201, `write ${a.i} answered ${a.status} but is ${stored.has(`n${a.i}`) ? '' : 'not '}stored`);
    }
    assert.ok(answers.some((a) => a.status === 503), 'the outage was seen');
    assert.equal(answers.find((a) => a.i === i - 1)?.status, 201, 'writes succeed again once the database is back');
    console.log(`# ${answers.length} writes, slowest ${Math.max(...answers.map((a) => a.ms)).toFixed(0)} ms, ${answers.filter((a) => a.status === 503).length} × 503; /readyz back after ${readyAfter.toFixed(0)} ms`);
  });
});
