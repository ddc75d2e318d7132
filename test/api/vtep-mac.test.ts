// A node's pinned VTEP MAC (issue 16): validated, stored, used by every
// peer's VXLAN entries, shown in every view, and unique in its cluster.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { vtepMac } from '../../src/net/devices.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const PINNED = '5e:1a:2b:3c:4d:02';
const vx = (nodeB: Record<string, unknown> = {}) => ({
  name: 'vx',
  podCidrs: ['10.2.0.0/16'],
  network: { mode: 'vxlan' },
  nodes: [{ name: 'a', address: '192.168.2.11' }, { name: 'b', address: '192.168.2.12', ...nodeB }, { name: 'c', address: '192.168.2.13' }],
});

interface NodeJson { name: string; vtepMac: string }
const macs = (nodes: NodeJson[]) => Object.fromEntries(nodes.map((n) => [n.name, n.vtepMac]));

describe('pinned VTEP MACs', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  const storedMacs = async () => Object.fromEntries((await t.tdb.db.sql<{ name: string; vtep_mac: string | null }[]>`
    SELECT n.name, n.vtep_mac FROM node n JOIN cluster c ON c.id = n.cluster_id WHERE c.name = 'vx' ORDER BY n.name`).map((r) => [r.name, r.vtep_mac]));

  test('a pin in any spelling is stored canonical, shown in the views and carried by the peers\' neighbor and fdb entries', async () => {
    const res = await request(t.server).put('/v1/clusters/vx').send(vx({ vtepMac: '5E-1A-2B-3C-4D-02' })).expect(201);
    assert.deepEqual(macs(res.body.cluster.nodes), { a: vtepMac('a'), b: PINNED, c: vtepMac('c') });
    assert.deepEqual(await storedMacs(), { a: null, b: PINNED, c: null }, 'only the pin is stored; NULL is derived');
    const node = await request(t.server).get('/v1/clusters/vx/nodes/b').expect(200);
    assert.equal(node.body.vtepMac, PINNED);
    const routes = await request(t.server).get('/v1/clusters/vx/nodes/a/routes?format=json').expect(200);
    assert.deepEqual(routes.body.neighbors.find((n: { dst: string }) => n.dst === '10.2.1.0'), { dst: '10.2.1.0', lladdr: PINNED, dev: 'flannel.1' });
    assert.deepEqual(routes.body.fdb.find((f: { dst: string }) => f.dst === '192.168.2.12'), { mac: PINNED, dev: 'flannel.1', dst: '192.168.2.12' });
    const path = await request(t.server).get('/v1/clusters/vx/path?from=node:a&to=node:b').expect(200);
    assert.equal(path.body.disposition, 'DELIVERED');
  });

  test('re-applying the same pin writes nothing; the node view sent back as a definition changes nothing either', async () => {
    const v0 = (await request(t.server).get('/v1/clusters/vx').expect(200)).body;
    assert.deepEqual((await request(t.server).put('/v1/clusters/vx').send(vx({ vtepMac: PINNED })).expect(200)).body.changes, []);
    const echoed = { ...vx(), nodes: v0.nodes.map((n: NodeJson & { address: string }) => ({ name: n.name, address: n.address, vtepMac: n.vtepMac })) };
    assert.deepEqual((await request(t.server).put('/v1/clusters/vx').send(echoed).expect(200)).body.changes, []);
    assert.equal((await request(t.server).get('/v1/clusters/vx').expect(200)).body.version, v0.version);
    assert.deepEqual(await storedMacs(), { a: null, b: PINNED, c: null }, 'the derived MACs sent back are no pins');
  });

  test('changing or dropping the pin is an update of that node, before and after', async () => {
    const moved = await request(t.server).put('/v1/clusters/vx').send(vx({ vtepMac: '5e:1a:2b:3c:4d:99' })).expect(200);
    assert.deepEqual(moved.body.changes, [{
      action: 'update', kind: 'node', name: 'b', podCidrs: ['10.2.1.0/24'], before: { vtepMac: PINNED }, after: { vtepMac: '5e:1a:2b:3c:4d:99' },
    }]);
    const dropped = await request(t.server).put('/v1/clusters/vx').send(vx()).expect(200);
    assert.deepEqual(dropped.body.changes[0].after, { vtepMac: vtepMac('b') });
    assert.deepEqual(await storedMacs(), { a: null, b: null, c: null });
  });

  test('two nodes with one MAC: a 422 naming both, nothing stored', async () => {
    const before = await storedMacs();
    const dup = vx({ vtepMac: PINNED });
    dup.nodes[2] = { ...dup.nodes[2]!, vtepMac: PINNED.toUpperCase() } as (typeof dup.nodes)[number];
    const res = await request(t.server).put('/v1/clusters/vx').send(dup).expect(422);
    assert.equal(res.body.code, 'VALIDATION_FAILED');
    assert.deepEqual(res.body.errors, [{
      path: 'nodes[2] (c).vtepMac', message: `${PINNED} is already the VTEP MAC of node "b" (nodes[1], pinned): VTEP MACs must be unique in a cluster`,
    }]);
    const derived = await request(t.server).put('/v1/clusters/vx').send(vx({ vtepMac: vtepMac('c') })).expect(422);
    assert.match(derived.body.errors[0].message, /of node "c" \(nodes\[2\], derived from its name\)/);
    assert.deepEqual(await storedMacs(), before);
  });

  test('POST of a node whose MAC another node has: 422 naming it; a bad MAC: 422 quoting it', async () => {
    await request(t.server).put('/v1/clusters/vx').send(vx({ vtepMac: PINNED })).expect(200);
    const taken = await request(t.server).post('/v1/clusters/vx/nodes').send({ name: 'd', address: '192.168.2.14', vtepMac: PINNED }).expect(422);
    assert.deepEqual(taken.body.errors, [{ path: 'vtepMac', message: `${PINNED} is already the VTEP MAC of node "b" (stored, pinned): VTEP MACs must be unique in a cluster` }]);
    const derived = await request(t.server).post('/v1/clusters/vx/nodes').send({ name: 'd', address: '192.168.2.14', vtepMac: vtepMac('a') }).expect(422);
    assert.match(derived.body.errors[0].message, /of node "a" \(stored, derived from its name\)/);
    const bad = await request(t.server).post('/v1/clusters/vx/nodes').send({ name: 'd', address: '192.168.2.14', vtepMac: '01:00:5e:00:00:01' }).expect(422);
    assert.deepEqual(bad.body.errors, [{ path: 'vtepMac', message: 'ParseMAC("01:00:5e:00:00:01"): a multicast address; a VTEP needs a unicast MAC' }]);
    const ok = await request(t.server).post('/v1/clusters/vx/nodes').send({ name: 'd', address: '192.168.2.14', vtepMac: '5E:1A:2B:3C:4D:04' }).expect(201);
    assert.equal(ok.body.vtepMac, '5e:1a:2b:3c:4d:04');
    assert.equal((await storedMacs()).d, '5e:1a:2b:3c:4d:04');
  });

  test('GraphQL: NodeInput.vtepMac pins it; Node.vtepMac shows it', async () => {
    const res = await request(t.server).post('/graphql').send({
      query: 'mutation($n: NodeInput!) { addNode(cluster: "vx", node: $n) { name vtepMac } }',
      variables: { n: { name: 'e', address: '192.168.2.15', vtepMac: '5e:1a:2b:3c:4d:05' } },
    }).expect(200);
    assert.deepEqual(res.body, { data: { addNode: { name: 'e', vtepMac: '5e:1a:2b:3c:4d:05' } } });
    const q = await request(t.server).post('/graphql').send({ query: '{ cluster(name: "vx") { node(name: "b") { vtepMac } } }' }).expect(200);
    assert.deepEqual(q.body, { data: { cluster: { node: { vtepMac: PINNED } } } });
  });
});
