import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { racks } from '../helpers/racks.js';

type Def = typeof racks;
const withNode = (d: Def, name: string, address: string): Def => ({ ...d, nodes: d.nodes.map((n) => (n.name === name ? { ...n, address } : n)) });

async function tableCounts(t: TestApp): Promise<string> {
  const [r] = await t.tdb.db.sql`SELECT (SELECT count(*) FROM node)::int AS n, (SELECT count(*) FROM pod)::int AS p, (SELECT max(version)::int FROM cluster) AS v`;
  return JSON.stringify(r);
}

describe('dry-run impact (SPEC §13)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    await request(t.server).post('/v1/clusters').send(racks).expect(201);
  });
  after(async () => { await t.close(); });

  test('moving a node to the other rack under host-gw: field changes, broken pairs, route differences; nothing stored', async () => {
    const stored = await tableCounts(t);
    const res = await request(t.server).put('/v1/clusters/racks?dryRun=true').send(withNode(racks, 'w3', '172.16.2.13')).expect(200);
    assert.deepEqual(Object.keys(res.body), ['plan', 'changes', 'changeCounts', 'impact']);
    assert.deepEqual(res.body.changes, [{
      action: 'update', kind: 'node', name: 'w3', podCidrs: ['10.40.2.0/24'],
      before: { address: '172.16.1.13', subnet: 'rack1' }, after: { address: '172.16.2.13', subnet: 'rack2' },
    }]);
    const { reachability, routes, mtu } = res.body.impact;
    // w3 loses w1 and w2 (both directions) and gains w4.
    assert.deepEqual([reachability.pairsBefore, reachability.pairsAfter, reachability.broken, reachability.fixed], [12, 12, 4, 2]);
    assert.deepEqual(reachability.examples[0], {
      change: 'broken', from: 'node:w1', to: 'node:w3', family: 'ipv4', before: 'DELIVERED', after: 'NO_ROUTE', reason: 'NO_ROUTE at router',
    });
    assert.equal(routes.nodesChanged, 4);
    const w1 = routes.nodes.find((n: { node: string }) => n.node === 'w1');
    assert.deepEqual(w1, { node: 'w1', counts: { added: 0, removed: 1, changed: 0 }, added: [], removed: ['10.40.2.0/24 via 172.16.1.13 dev eth0'], changed: [] });
    assert.deepEqual(mtu, { before: { ipv4: 1500 }, after: { ipv4: 1500 } });
    assert.equal(res.body.impact.capacity.before.used, 4);
    assert.equal(await tableCounts(t), stored);
  });

  test('host-gw -> cross-subnet fixes the pairs across racks and lowers the pod MTU', async () => {
    const res = await request(t.server).put('/v1/clusters/racks?dryRun=true').send({ ...racks, network: { mode: 'cross-subnet', mtu: 1500 } }).expect(200);
    assert.deepEqual(res.body.changes, [{ action: 'update', kind: 'cluster', name: 'racks', before: { mode: 'host-gw' }, after: { mode: 'cross-subnet' } }]);
    const i = res.body.impact;
    assert.deepEqual([i.reachability.broken, i.reachability.fixed, i.reachability.reachableAfter], [0, 6, 12]);
    assert.deepEqual(i.mtu, { before: { ipv4: 1500 }, after: { ipv4: 1450 } });
    assert.deepEqual([i.routes.added, i.routes.removed, i.routes.changed], [6, 0, 0]);
  });

  test('an MTU change and a pod-only change: no route or reachability impact', async () => {
    const mtu = await request(t.server).put('/v1/clusters/racks?dryRun=true').send({ ...racks, network: { mode: 'host-gw', mtu: 9000 } }).expect(200);
    assert.deepEqual(mtu.body.changes[0].before, { mtu: 1500 });
    assert.deepEqual(mtu.body.impact.mtu, { before: { ipv4: 1500 }, after: { ipv4: 9000 } });
    assert.equal(mtu.body.impact.routes.nodesChanged, 0);
    const moved = await request(t.server).put('/v1/clusters/racks?dryRun=true').send({ ...racks, pods: [{ name: 'web', node: 'w4' }] }).expect(200);
    assert.deepEqual(moved.body.changes, [{
      action: 'update', kind: 'pod', name: 'default/web', ips: ['10.40.3.2'],
      before: { node: 'w3', ips: ['10.40.2.2'] }, after: { node: 'w4', ips: ['10.40.3.2'] },
    }]);
    assert.deepEqual([moved.body.impact.routes.nodesChanged, moved.body.impact.reachability.broken], [0, 0]);
  });

  test('a real apply reports the same before/after fields; POST ?dryRun=true of a new cluster has an impact with nothing before', async () => {
    const created = await request(t.server).post('/v1/clusters?dryRun=true').send({ ...racks, name: 'fresh' }).expect(200);
    assert.equal(created.body.impact.capacity.before, null);
    assert.deepEqual(created.body.impact.mtu.before, {});
    assert.deepEqual([created.body.impact.reachability.pairsBefore, created.body.impact.reachability.pairsAfter], [0, 12]);
    const applied = await request(t.server).put('/v1/clusters/racks').send(withNode(racks, 'w2', '172.16.2.12')).expect(200);
    assert.deepEqual(applied.body.changes[0].before, { address: '172.16.1.12', subnet: 'rack1' });
    assert.equal(applied.body.impact, undefined);
  });

  test('GraphQL applyCluster(dryRun: true) answers the impact as JSON, and before/after on changes', async () => {
    const query = `mutation($d: ClusterInput!) { applyCluster(definition: $d, dryRun: true) { changes { name before after } impact } }`;
    const d = { ...racks, network: { mode: 'HOST_GW' }, nodes: racks.nodes.map((n) => (n.name === 'w2' ? { ...n, address: '172.16.2.12' } : n)) };
    const res = await request(t.server).post('/graphql').send({ query, variables: { d: { ...d, nodes: d.nodes.map((n) => (n.name === 'w1' ? { ...n, address: '172.16.2.11' } : n)) } } }).expect(200);
    const r = res.body.data.applyCluster;
    assert.deepEqual(r.changes, [{ name: 'w1', before: { address: '172.16.1.11', subnet: 'rack1' }, after: { address: '172.16.2.11', subnet: 'rack2' } }]);
    // Stored: w1, w3 in rack1; w2, w4 in rack2. w1 leaves w3 and joins w2 and w4.
    assert.deepEqual([r.impact.reachability.broken, r.impact.reachability.fixed], [2, 4]);
    const wet = await request(t.server).post('/graphql').send({ query: query.replace('dryRun: true', 'dryRun: false'), variables: { d } }).expect(200);
    assert.equal(wet.body.data.applyCluster.impact, null);
  });
});
