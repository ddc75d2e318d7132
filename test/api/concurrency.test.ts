// Two service instances (separate apps, pools and caches) on one database:
// allocations stay correct because of the per-cluster advisory lock, with the
// exclusion constraint as the final guard.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { Prefix } from '../../src/net/ip.js';
import { startInstances, type TestInstances } from '../helpers/app.js';
import type { TestDatabase } from '../helpers/db.js';

describe('two instances racing on one database', () => {
  let t: TestInstances;
  let apps: FastifyInstance[];
  let tdb: TestDatabase;
  before(async () => {
    t = await startInstances(2);
    ({ apps, tdb } = t);
  });
  after(async () => { await t.close(); });

  test('40 concurrent node additions all succeed with distinct, non-overlapping blocks; then 4 of 10 fit', async () => {
    // 64 /24s minus 20 reserved = 44 blocks.
    await request(apps[0]!.server).post('/v1/clusters').send({
      name: 'race', podCidrs: ['10.0.0.0/18'], reserved: ['10.0.44.0/22', '10.0.48.0/20'],
    }).expect(201);
    const add = (i: number) =>
      request(apps[i % 2]!.server).post('/v1/clusters/race/nodes').send({ name: `n${i}`, address: `192.168.1.${i + 1}` });
    const first = await Promise.all(Array.from({ length: 40 }, (_, i) => add(i)));
    assert.deepEqual(first.map((r) => r.status), Array(40).fill(201));
    const blocks = first.map((r) => Prefix.parse(r.body.podCidrs[0]));
    assert.equal(new Set(blocks.map(String)).size, 40);
    for (let i = 0; i < blocks.length; i++) {
      for (let j = i + 1; j < blocks.length; j++) assert.ok(!blocks[i]!.overlaps(blocks[j]!), `${blocks[i]} vs ${blocks[j]}`);
    }
    const second = await Promise.all(Array.from({ length: 10 }, (_, i) => add(100 + i)));
    const statuses = second.map((r) => r.status).sort();
    assert.deepEqual(statuses, [201, 201, 201, 201, 409, 409, 409, 409, 409, 409]);
    for (const r of second.filter((x) => x.status === 409)) assert.equal(r.body.code, 'POD_CIDR_EXHAUSTED');
    const [row] = await tdb.db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM node`;
    assert.equal(row!.n, 44);
  });

  test('a change through one instance is seen by the next query on the other', async () => {
    await request(apps[0]!.server).get('/v1/clusters/race/nodes/n0').expect(200);
    await request(apps[1]!.server).get('/v1/clusters/race/nodes/n0').expect(200);
    await request(apps[0]!.server).delete('/v1/clusters/race/nodes/n0').expect(204);
    await request(apps[1]!.server).get('/v1/clusters/race/nodes/n0').expect(404);
    const again = await request(apps[1]!.server).post('/v1/clusters/race/nodes').send({ name: 'back', address: '192.168.2.1' }).expect(201);
    const seen = await request(apps[0]!.server).get('/v1/clusters/race/nodes/back').expect(200);
    assert.deepEqual(seen.body, again.body);
  });

  test('concurrent pod additions on one node get distinct IPs', async () => {
    const res = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      request(apps[i % 2]!.server).post('/v1/clusters/race/pods').send({ name: `p${i}`, node: 'n1' })));
    assert.deepEqual(res.map((r) => r.status), Array(20).fill(201));
    assert.equal(new Set(res.map((r) => r.body.ips[0])).size, 20);
  });

  test('the database itself refuses an overlapping block, whatever the application does', async () => {
    const [c] = await tdb.db.sql<{ id: number }[]>`SELECT id FROM cluster WHERE name = 'race'`;
    const [n] = await tdb.db.sql<{ b: string }[]>`SELECT pod_cidr_v4::text AS b FROM node WHERE name = 'n1'`;
    await assert.rejects(
      tdb.db.sql`INSERT INTO node (cluster_id, ordinal, name, interface, addr_family, address_v4, pod_cidr_v4)
                 VALUES (${c!.id}, 999, 'rogue', 'eth0', 4, '192.168.3.3', ${n!.b}::inet)`,
      (e: { code?: string }) => e.code === '23P01',
    );
  });
});

describe('snapshots built by the writer equal what a reload reads', () => {
  let t: TestInstances;
  let apps: FastifyInstance[];
  before(async () => {
    t = await startInstances(2, 4);
    apps = t.apps;
  });
  after(async () => { await t.close(); });

  const same = async (what: string) => {
    const [a, b] = await Promise.all(apps.map((app) => request(app.server).get('/v1/clusters/twin').expect(200)));
    assert.deepEqual(a!.body, b!.body, what);
  };

  test('after create, converge, and single-row changes, both instances answer the same', async () => {
    // Each node keeps its address: a node's address follows its name.
    const host = (n: string) => n.charCodeAt(0);
    const def = (nodes: string[], pods: [string, string][]) => ({
      name: 'twin', podCidrs: ['10.3.0.0/16', 'fd00:3::/56'],
      nodes: nodes.map((n) => ({ name: n, addresses: [`192.168.3.${host(n)}`, `fd00:ff:3::${host(n)}`] })),
      pods: pods.map(([name, node]) => ({ name, node })),
    });
    await request(apps[0]!.server).post('/v1/clusters').send(def(['a', 'b', 'c'], [['p1', 'a'], ['p2', 'b'], ['p3', 'c']])).expect(201);
    await same('after create');
    // Reordered, one node gone, one new, a pod moved: ordinals and ids must come out as a reload reads them.
    await request(apps[0]!.server).put('/v1/clusters/twin').send(def(['c', 'd', 'a'], [['p3', 'a'], ['p1', 'a'], ['p4', 'd']])).expect(200);
    await same('after converge');
    await request(apps[0]!.server).post('/v1/clusters/twin/nodes').send({ name: 'e', addresses: ['192.168.3.50', 'fd00:ff:3::50'] }).expect(201);
    await request(apps[0]!.server).post('/v1/clusters/twin/pods').send({ name: 'p5', node: 'e' }).expect(201);
    await same('after adds');
    await request(apps[0]!.server).delete('/v1/clusters/twin/pods/default/p1').expect(204);
    await request(apps[0]!.server).delete('/v1/clusters/twin/nodes/d').expect(204);
    await same('after removals');
    const path0 = await request(apps[0]!.server).get('/v1/clusters/twin/path?from=p5&to=p3').expect(200);
    const path1 = await request(apps[1]!.server).get('/v1/clusters/twin/path?from=p5&to=p3').expect(200);
    assert.deepEqual(path0.body, path1.body);
  });
});
