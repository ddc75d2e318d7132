// Solo reads (src/store/solo-lease.ts and the cluster_solo_guard trigger): an
// instance alone on its database answers reads without a version probe, and
// still never answers a read that arrived after someone else's commit with
// what was there before it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import postgres from 'postgres';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { connectDb, newInstanceName, withoutApplicationName, type Db } from '../../src/store/db.js';
import { AppError } from '../../src/service/errors.js';
import type { ClusterStore } from '../../src/store/clusters.js';
import { SoloLease } from '../../src/store/solo-lease.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const CLUSTER = {
  name: 'solo', podCidrs: ['10.20.0.0/16'], network: { mode: 'cross-subnet' },
  subnets: [{ name: 'rack-a', cidr: '10.0.1.0/24', gateway: '10.0.1.1' }, { name: 'rack-b', cidr: '10.0.2.0/24', gateway: '10.0.2.1' }],
  nodes: [{ name: 'a1', address: '10.0.1.11' }, { name: 'b1', address: '10.0.2.11' }],
  pods: [{ name: 'front', namespace: 'web', node: 'a1' }, { name: 'store', namespace: 'data', node: 'b1' }],
};

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = performance.now() + ms;
  while (!ok()) {
    if (performance.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function app(db: Db, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const a = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', PODNET_AUTH: 'off', ...env }), db }, { logger: false });
  await a.ready();
  return a;
}

const path = (a: FastifyInstance) => request(a.server).get('/v1/clusters/solo/path').query({ from: 'web/front', to: 'data/store' });

describe('solo reads', () => {
  let t: TestApp;
  let a: FastifyInstance;
  before(async () => {
    t = await startTestApp();
    a = t.app;
    await request(a.server).post('/v1/clusters').send(CLUSTER).expect(201);
    await until('the only instance is solo', () => a.soloLease?.isSolo === true);
  });
  after(async () => { await t.close(); });

  test('the only instance answers reads without asking PostgreSQL for the version', async () => {
    await path(a).expect(200); // reads the version once in this solo period
    const before = t.tdb.db.queries.count;
    const unprobed = a.clusters.cache.stats.unprobed;
    for (let i = 0; i < 20; i++) {
      const r = await path(a).expect(200);
      assert.equal(r.body.disposition, 'DELIVERED');
      await request(a.server).get('/v1/clusters/solo/nodes/a1').expect(200);
    }
    assert.equal(t.tdb.db.queries.count, before, 'no statement through the pool');
    assert.equal(a.clusters.cache.stats.unprobed - unprobed, 40);
  });

  test('GraphQL path: the answers it gives at once (no probe, no promise) are those it gives after a probe', async () => {
    // Each document three times: mercurius' graphql-js run, its graphql-jit run, then podnet's own executor (fast-path.ts).
    const docs = [
      { query: 'query P($f: String!, $t: String!) { path(cluster: "solo", from: $f, to: $t) { disposition natFree hops { node dev kind action route packet { ttl } outer { src dst } } } }' },
      { query: '{ path(cluster: "solo", from: "web/front", to: "10.0.2.11") { disposition svg from { kind ip } to { kind ip } } }' },
    ];
    const variables = [
      { f: 'web/front', t: 'data/store' }, { f: 'data/store', t: 'web/front' }, { f: 'web/nope', t: 'data/store' },
      { f: 'not an endpoint', t: 'data/store' }, { f: 'web/front', t: 'fd00::1' }, { f: 'node:a1', t: 'web/front' },
    ];
    const ask = async () => {
      const out: string[] = [];
      for (const d of docs) {
        for (const v of variables) {
          for (let i = 0; i < 3; i++) {
            const r = await request(a.server).post('/graphql').send({ ...d, variables: v });
            out.push(`${r.status} ${r.text}`);
          }
        }
      }
      return out;
    };
    const cache = a.clusters.cache;
    const unprobed = cache.stats.unprobed;
    const atOnce = await ask();
    assert.ok(cache.stats.unprobed - unprobed >= atOnce.length, 'every request answered from the trusted snapshot');
    const trustedNow = cache.trustedNow;
    cache.trustedNow = () => null; // every read probes: the resolver's promise, the executor's await
    try {
      assert.deepEqual(await ask(), atOnce);
    } finally {
      cache.trustedNow = trustedNow;
    }
    assert.ok(atOnce.some((x) => x.includes('"DELIVERED"')) && atOnce.some((x) => x.includes('ENDPOINT_NOT_FOUND')));
  });

  test('its own writes pass the guard without waiting and are read at once', async () => {
    const yielded = a.soloLease!.stats.yielded;
    for (let i = 0; i < 5; i++) {
      await request(a.server).post('/v1/clusters/solo/nodes').send({ name: `x${i}`, address: `10.0.1.${50 + i}` }).expect(201);
      await request(a.server).get(`/v1/clusters/solo/nodes/x${i}`).expect(200);
      await request(a.server).delete(`/v1/clusters/solo/nodes/x${i}`).expect(204);
      await request(a.server).get(`/v1/clusters/solo/nodes/x${i}`).expect(404);
    }
    assert.equal(a.soloLease!.stats.yielded, yielded, 'no write of its own made it yield');
    await until('solo', () => a.soloLease!.isSolo);
  });

  test('a write of its own that fails (its outcome unknown) ends trust at once; solo comes back after', async () => {
    await until('solo', () => a.soloLease!.isSolo);
    const store = (a.clusters as unknown as { store: ClusterStore }).store;
    await assert.rejects(store.rowWrite('solo', async () => { throw new Error('the connection was lost around COMMIT'); }), /lost around COMMIT/);
    assert.equal(a.soloLease!.isSolo, false, 'trusting on after a write whose commit may land later');
    await until('solo again', () => a.soloLease!.isSolo);
    // A refusal thrown inside the transaction rolls it back: nothing can commit later, trust stays.
    await assert.rejects(store.rowWrite('solo', async () => { throw new AppError('NODE_NOT_FOUND', 'no such node'); }), /no such node/);
    assert.equal(a.soloLease!.isSolo, true, 'a known rollback ended trust');
    await assert.rejects(store.rowWrite('solo', async () => { throw Object.assign(new Error('lost'), { code: 'ECONNRESET' }); }));
    assert.equal(a.soloLease!.isSolo, false);
    const probed = a.clusters.cache.stats.unprobed;
    await path(a).expect(200);
    assert.equal(a.clusters.cache.stats.unprobed, probed, 'the next read asked PostgreSQL');
    await until('solo again', () => a.soloLease!.isSolo);
  });

  test('a second instance yields solo; its write is seen by the first instance\'s next read', async () => {
    const db2 = connectDb(t.tdb.url);
    const b = await app(db2);
    try {
      const t0 = performance.now();
      const added = await request(b.server).post('/v1/clusters/solo/nodes').send({ name: 'from-b', address: '10.0.2.77' }).expect(201);
      const took = performance.now() - t0;
      // Straight after B's answer, A must see it: A stopped trusting before B could commit.
      const seen = await request(a.server).get('/v1/clusters/solo/nodes/from-b').expect(200);
      assert.deepEqual(seen.body, added.body);
      assert.ok(took < 3000, `B's write waited ${took.toFixed(0)} ms`);
      assert.equal(a.soloLease!.isSolo, false);
      assert.equal(b.soloLease!.isSolo, false, 'two members: neither is solo');
      await request(b.server).delete('/v1/clusters/solo/nodes/from-b').expect(204);
      await request(a.server).get('/v1/clusters/solo/nodes/from-b').expect(404);
    } finally {
      await b.close();
      await db2.close();
    }
    await until('solo again once B is gone', () => a.soloLease!.isSolo);
  });

  test('a writer that is not podnet waits at most about a heartbeat, and its change is read', async () => {
    await until('solo', () => a.soloLease!.isSolo);
    await path(a).expect(200);
    const unprobed = a.clusters.cache.stats.unprobed;
    await path(a).expect(200);
    assert.equal(a.clusters.cache.stats.unprobed, unprobed + 1, 'trusting its snapshot before the UPDATE');
    const raw = postgres(t.tdb.url, { max: 1, onnotice: () => {} });
    try {
      const t0 = performance.now();
      const [row] = await raw<{ version: bigint }[]>`UPDATE cluster SET version = version + 1 WHERE name = 'solo' RETURNING version`;
      const took = performance.now() - t0;
      assert.ok(took < 3000, `the UPDATE waited ${took.toFixed(0)} ms`);
      assert.equal((await a.clusters.get('solo')).version, BigInt(row!.version));
    } finally {
      await raw.end();
    }
  });
});

describe('the lease by hand', () => {
  let t: TestApp;
  before(async () => {
    // The app here only makes the database and its cluster; it takes no part in the lease.
    t = await startTestApp({ PODNET_SOLO_READS: 'off' });
    await request(t.app.server).post('/v1/clusters').send(CLUSTER).expect(201);
  });
  after(async () => { await t.close(); });

  test('a holder that stopped beating is ended by another member, and the waiting write commits', async () => {
    const frozen = new SoloLease({ url: t.tdb.url, instance: newInstanceName(), trustMs: 400 });
    const other = newInstanceName();
    const watcher = new SoloLease({ url: t.tdb.url, instance: other, heartbeatMs: 50, trustMs: 100, staleHolderMs: 300 });
    const writer = postgres(t.tdb.url, { max: 1, onnotice: () => {}, connection: { application_name: other } });
    try {
      await frozen.beat(); // joins
      await frozen.beat(); // alone: takes the solo lock
      assert.ok(frozen.isSolo);
      // Now it never beats again, as a process stopped with SIGSTOP would not.
      watcher.start();
      const t0 = performance.now();
      await writer`UPDATE cluster SET version = version + 1 WHERE name = 'solo'`;
      const took = performance.now() - t0;
      assert.ok(took >= 250, `the write waited for the stale holder (${took.toFixed(0)} ms)`);
      assert.ok(took < 5000, `and not for long (${took.toFixed(0)} ms)`);
      await until('the watcher counts it', () => watcher.stats.terminatedStaleHolders === 1);
      // Its trust ends with its session (onclose), and within trustMs of its last heartbeat in any case.
      await until('the frozen holder trusts nothing', () => !frozen.isSolo, 1000);
    } finally {
      await writer.end();
      await watcher.stop();
      await frozen.stop();
    }
  });

  test('a frozen holder with no other instance: PostgreSQL ends its idle lease session, and the waiting write commits', async () => {
    const frozen = new SoloLease({ url: t.tdb.url, instance: newInstanceName(), heartbeatMs: 50, trustMs: 200 });
    const writer = postgres(t.tdb.url, { max: 1, onnotice: () => {} });
    try {
      await frozen.beat();
      await frozen.beat();
      assert.ok(frozen.isSolo);
      // No heartbeat from here on, and no instance to end the session.
      const t0 = performance.now();
      await writer`UPDATE cluster SET version = version + 1 WHERE name = 'solo'`;
      const took = performance.now() - t0;
      assert.ok(took >= 300, `the write waited for the holder (${took.toFixed(0)} ms)`);
      assert.ok(took < 4000, `until its idle session was ended (${took.toFixed(0)} ms; idle_session_timeout 500 ms)`);
      await until('the frozen holder trusts nothing', () => !frozen.isSolo, 1000);
    } finally {
      await writer.end();
      await frozen.stop();
    }
  });

  test('a write of the holder\'s still in flight when its lease session goes keeps every other instance from becoming solo', async () => {
    const name = newInstanceName();
    const holder = new SoloLease({ url: t.tdb.url, instance: name });
    const next = new SoloLease({ url: t.tdb.url, instance: newInstanceName() });
    // The holder's pool: its writes carry its name past the guard.
    const pool = postgres(t.tdb.url, { max: 1, onnotice: () => {}, connection: { application_name: name } });
    const tx = await pool.reserve();
    try {
      await holder.beat();
      await holder.beat();
      assert.ok(holder.isSolo);
      await tx`BEGIN`;
      await tx`UPDATE cluster SET version = version + 1 WHERE name = 'solo'`; // passes: the holder's own
      // The lease session ends (heartbeats stopped, a reset connection) while the write's connection lives on.
      await holder.stop();
      for (let i = 0; i < 3; i++) await next.beat();
      assert.equal(next.isSolo, false, 'solo with a change uncommitted that its version read could not see');
      await tx`COMMIT`;
      for (let i = 0; i < 2 && !next.isSolo; i++) await next.beat();
      assert.ok(next.isSolo, 'solo once the write has committed');
    } finally {
      tx.release();
      await pool.end();
      await next.stop();
      await holder.stop();
    }
  });

  test('a name check that failed is asked again, not taken as passed', async () => {
    let calls = 0;
    const lease = new SoloLease({
      url: t.tdb.url, instance: newInstanceName(),
      poolNames: async () => {
        if (calls++ === 0) throw new Error('the pool is busy');
        return ['someone else'];
      },
    });
    try {
      for (let i = 0; i < 4; i++) await lease.beat();
      assert.equal(calls, 2);
      assert.equal(lease.isSolo, false);
      assert.equal(lease.stats.acquired, 0);
    } finally {
      await lease.stop();
    }
  });

  test('timings that would let a live holder be ended are refused', () => {
    assert.throws(() => new SoloLease({ url: t.tdb.url, instance: newInstanceName(), trustMs: 1000, staleHolderMs: 1500 }), RangeError);
    assert.throws(() => new SoloLease({ url: t.tdb.url, instance: newInstanceName(), trustMs: 1000, idleSessionEndMs: 900 }), RangeError);
  });

  test('trust lapses without heartbeats even while the session holds the lock', async () => {
    const lease = new SoloLease({ url: t.tdb.url, instance: newInstanceName(), trustMs: 150 });
    try {
      await lease.beat();
      await lease.beat();
      assert.ok(lease.trustEpoch() >= 0);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(lease.trustEpoch(), -1);
    } finally {
      await lease.stop();
    }
  });

  test('no solo when the service\'s pools do not carry the instance\'s name', async () => {
    const lease = new SoloLease({ url: t.tdb.url, instance: newInstanceName(), poolNames: async () => ['someone else'] });
    try {
      await lease.beat();
      await lease.beat();
      await lease.beat();
      assert.equal(lease.isSolo, false);
      assert.equal(lease.stats.acquired, 0);
    } finally {
      await lease.stop();
    }
  });

  test('two services on one Db: neither is solo (their writes would look alike to the guard)', async () => {
    const db = connectDb(t.tdb.url);
    const one = await app(db);
    const two = await app(db);
    try {
      assert.equal(two.soloLease, null);
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(one.soloLease!.isSolo, false);
      assert.equal(one.soloLease!.stats.acquired, 0);
    } finally {
      await two.close();
      await one.close();
      await db.close();
    }
  });
});

test('an application_name in DATABASE_URL is dropped: podnet names its connections itself', () => {
  assert.equal(withoutApplicationName('postgresql://u@h:5432/db?application_name=x&sslmode=disable'), 'postgresql://u@h:5432/db?sslmode=disable');
  assert.equal(withoutApplicationName('postgresql://u@h/db'), 'postgresql://u@h/db');
  assert.equal(withoutApplicationName('not a url'), 'not a url');
  assert.match(newInstanceName(), /^podnet [0-9a-f]{16}$/);
});
