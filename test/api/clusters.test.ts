import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const demo = {
  name: 'demo',
  podCidrs: ['10.1.0.0/16'],
  serviceCidr: '10.96.0.0/12',
  network: { mode: 'host-gw', mtu: 1500 },
  subnets: [{ name: 'rack1', cidr: '192.168.0.0/24', gateway: '192.168.0.1' }],
  reserved: ['10.1.255.0/24'],
  nodes: [
    { name: 'node-a', address: '192.168.0.11' },
    { name: 'node-b', address: '192.168.0.12', podCidrs: ['10.1.7.0/24'] },
  ],
  pods: [
    { name: 'web', namespace: 'shop', node: 'node-a' },
    { name: 'db', node: 'node-b', ips: ['10.1.7.50'] },
  ],
};

async function tableCounts(t: TestApp): Promise<Record<string, number>> {
  const [r] = await t.tdb.db.sql<{ c: number; n: number; p: number; s: number; r: number }[]>`
    SELECT (SELECT count(*) FROM cluster)::int AS c, (SELECT count(*) FROM node)::int AS n, (SELECT count(*) FROM pod)::int AS p,
           (SELECT count(*) FROM subnet)::int AS s, (SELECT count(*) FROM reserved_range)::int AS r`;
  return { ...r! };
}

describe('clusters over REST', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  test('POST creates the SPEC §3 demo with first-fit blocks, pinned block and IPs, capacity and pod MTU', async () => {
    const res = await request(t.server).post('/v1/clusters').send(demo).expect(201);
    assert.equal(res.headers.location, '/v1/clusters/demo');
    const c = res.body;
    assert.equal(c.name, 'demo');
    assert.deepEqual(c.podCidrs, ['10.1.0.0/16']);
    assert.equal(c.podMtu, 1500);
    assert.deepEqual(c.nodes.map((n: { name: string; podCidrs: string[] }) => [n.name, n.podCidrs]), [
      ['node-a', ['10.1.0.0/24']],
      ['node-b', ['10.1.7.0/24']],
    ]);
    assert.deepEqual(c.nodes[0], {
      name: 'node-a', address: '192.168.0.11', addresses: ['192.168.0.11'], interface: 'eth0', subnet: 'rack1',
      podCidrs: ['10.1.0.0/24'], gateways: ['10.1.0.1'], vtepMac: c.nodes[0].vtepMac,
    });
    assert.match(c.nodes[0].vtepMac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    const web = c.pods.find((p: { ref: string }) => p.ref === 'shop/web');
    assert.deepEqual(web.ips, ['10.1.0.2'], 'lowest free: not the network address, not the gateway');
    assert.match(web.vethName, /^veth[0-9a-f]{8}$/);
    const db = c.pods.find((p: { ref: string }) => p.ref === 'default/db');
    assert.deepEqual(db.ips, ['10.1.7.50']);
    assert.equal(c.capacity.maxNodes, 255, '256 /24s minus the reserved one');
    assert.equal(c.capacity.used, 2);
    assert.equal(c.capacity.free, 253);
  });

  test('POST of an existing cluster is 409 CLUSTER_EXISTS and changes nothing', async () => {
    const before = await tableCounts(t);
    const res = await request(t.server).post('/v1/clusters').send(demo).expect(409);
    assert.equal(res.body.code, 'CLUSTER_EXISTS');
    assert.match(res.headers['content-type']!, /application\/problem\+json/);
    assert.deepEqual(await tableCounts(t), before);
  });

  test('GET reads it back; the list shows a summary', async () => {
    const one = await request(t.server).get('/v1/clusters/demo').expect(200);
    assert.equal(one.body.nodes.length, 2);
    assert.equal(one.body.pods.length, 2);
    const list = await request(t.server).get('/v1/clusters').expect(200);
    assert.deepEqual(list.body.items.map((c: { name: string; nodes: number; pods: number }) => [c.name, c.nodes, c.pods]), [['demo', 2, 2]]);
    assert.equal(list.body.nextCursor, null);
  });

  test('PUT with the same definition changes nothing and writes nothing', async () => {
    const v0 = (await request(t.server).get('/v1/clusters/demo')).body.version;
    const res = await request(t.server).put('/v1/clusters/demo').send(demo).expect(200);
    assert.deepEqual(res.body.changes, []);
    const v1 = (await request(t.server).get('/v1/clusters/demo')).body.version;
    assert.equal(v1, v0);
  });

  test('PUT converges: adds, removes, keeps every surviving allocation; a freed block is reused first-fit', async () => {
    const next = {
      ...demo,
      nodes: [demo.nodes[1], { name: 'node-c', address: '192.168.0.13' }, { name: 'node-d', address: '192.168.0.14' }],
      pods: [demo.pods[1], { name: 'api', node: 'node-c' }],
    };
    const res = await request(t.server).put('/v1/clusters/demo').send(next).expect(200);
    const blocks = Object.fromEntries(res.body.cluster.nodes.map((n: { name: string; podCidrs: string[] }) => [n.name, n.podCidrs[0]]));
    assert.deepEqual(blocks, { 'node-b': '10.1.7.0/24', 'node-c': '10.1.0.0/24', 'node-d': '10.1.1.0/24' });
    const changes = res.body.changes.map((c: { action: string; kind: string; name: string }) => `${c.action} ${c.kind} ${c.name}`).sort();
    assert.deepEqual(changes, ['create node node-c', 'create node node-d', 'create pod default/api', 'delete node node-a', 'delete pod shop/web']);
    const db = res.body.cluster.pods.find((p: { ref: string }) => p.ref === 'default/db');
    assert.deepEqual(db.ips, ['10.1.7.50'], 'surviving pod keeps its IP');
  });

  test('re-sending the bytes just applied is a no-op, unless the cluster changed since', async () => {
    const body = JSON.stringify({ name: 'again', podCidrs: ['10.40.0.0/16'], nodes: [{ name: 'a', address: '192.168.40.1' }] });
    const put = () => request(t.server).put('/v1/clusters/again').set('content-type', 'application/json').send(body);
    assert.equal((await put()).status, 201);
    const same = await put().expect(200);
    assert.deepEqual(same.body.changes, []);
    assert.deepEqual(same.body.cluster.nodes.map((n: { name: string }) => n.name), ['a']);
    await request(t.server).post('/v1/clusters/again/nodes').send({ name: 'b', address: '192.168.40.2' }).expect(201);
    const converged = await put().expect(200);
    assert.deepEqual(converged.body.changes.map((c: { action: string; name: string }) => `${c.action} ${c.name}`), ['delete b']);
    assert.deepEqual((await put().expect(200)).body.changes, []);
  });

  test('dry runs plan without storing', async () => {
    const before = await tableCounts(t);
    const plan = await request(t.server).post('/v1/clusters?dryRun=true').send({ ...demo, name: 'dry' }).expect(200);
    assert.equal(plan.body.plan.name, 'dry');
    assert.ok(plan.body.changes.some((c: { action: string; kind: string }) => c.action === 'create' && c.kind === 'cluster'));
    const put = await request(t.server).put('/v1/clusters/demo?dryRun=true').send({ ...demo, nodes: [], pods: [] }).expect(200);
    assert.equal(put.body.plan.nodes.length, 0);
    assert.deepEqual(await tableCounts(t), before);
    await request(t.server).get('/v1/clusters/dry').expect(404);
  });

  test('YAML bodies are accepted', async () => {
    const yaml = 'name: yml\npodCidrs: [10.9.0.0/16]\nnodes:\n  - {name: n1, address: 192.168.5.1}\npods:\n  - {name: p, node: n1}\n';
    const res = await request(t.server).post('/v1/clusters').set('content-type', 'application/yaml').send(yaml).expect(201);
    assert.deepEqual(res.body.nodes[0].podCidrs, ['10.9.0.0/24']);
    await request(t.server).delete('/v1/clusters/yml').expect(204);
    await request(t.server).delete('/v1/clusters/yml').expect(404);
  });

  test('nodes and pods sub-resources: add, read, list, remove; a removed block is reused', async () => {
    const n = await request(t.server).post('/v1/clusters/demo/nodes').send({ name: 'node-e', address: '192.168.0.15' }).expect(201);
    assert.deepEqual(n.body.podCidrs, ['10.1.2.0/24']);
    await request(t.server).get('/v1/clusters/demo/nodes/node-e').expect(200);
    const dup = await request(t.server).post('/v1/clusters/demo/nodes').send({ name: 'node-e', address: '192.168.0.16' }).expect(409);
    assert.equal(dup.body.code, 'NODE_EXISTS');
    const addr = await request(t.server).post('/v1/clusters/demo/nodes').send({ name: 'node-f', address: '192.168.0.15' }).expect(409);
    assert.equal(addr.body.code, 'ADDRESS_CONFLICT');
    const pinned = await request(t.server).post('/v1/clusters/demo/nodes').send({ name: 'node-g', address: '192.168.0.17', podCidrs: ['10.1.7.0/24'] }).expect(409);
    assert.equal(pinned.body.code, 'POD_CIDR_CONFLICT');
    const p = await request(t.server).post('/v1/clusters/demo/pods').send({ name: 'cache', namespace: 'shop', node: 'node-e' }).expect(201);
    assert.deepEqual(p.body, { name: 'cache', namespace: 'shop', ref: 'shop/cache', node: 'node-e', ips: ['10.1.2.2'], vethName: p.body.vethName });
    const got = await request(t.server).get('/v1/clusters/demo/pods/shop/cache').expect(200);
    assert.deepEqual(got.body, p.body);
    const list = await request(t.server).get('/v1/clusters/demo/pods?node=node-e').expect(200);
    assert.deepEqual(list.body.items.map((x: { ref: string }) => x.ref), ['shop/cache']);
    const unknownNode = await request(t.server).post('/v1/clusters/demo/pods').send({ name: 'x', node: 'nope' }).expect(422);
    assert.equal(unknownNode.body.code, 'VALIDATION_FAILED');
    await request(t.server).delete('/v1/clusters/demo/pods/shop/cache').expect(204);
    await request(t.server).get('/v1/clusters/demo/pods/shop/cache').expect(404);
    await request(t.server).delete('/v1/clusters/demo/nodes/node-e').expect(204);
    const again = await request(t.server).post('/v1/clusters/demo/nodes').send({ name: 'node-h', address: '192.168.0.18' }).expect(201);
    assert.deepEqual(again.body.podCidrs, ['10.1.2.0/24'], 'released block reused first-fit');
  });

  test('lists paginate with opaque cursors', async () => {
    const first = await request(t.server).get('/v1/clusters/demo/nodes?limit=2').expect(200);
    assert.equal(first.body.items.length, 2);
    assert.ok(first.body.nextCursor);
    const second = await request(t.server).get(`/v1/clusters/demo/nodes?limit=2&cursor=${first.body.nextCursor}`).expect(200);
    const names = [...first.body.items, ...second.body.items].map((x: { name: string }) => x.name);
    assert.equal(new Set(names).size, names.length);
    const bad = await request(t.server).get('/v1/clusters/demo/nodes?cursor=%21%21').expect(400);
    assert.equal(bad.body.code, 'BAD_REQUEST');
  });

  test('exhaustion is a 409 with capacity figures, and nothing is written', async () => {
    await request(t.server).post('/v1/clusters').send({
      name: 'tiny', podCidrs: ['10.50.0.0/23'], nodes: [{ name: 'a', address: '192.168.9.1' }, { name: 'b', address: '192.168.9.2' }],
    }).expect(201);
    const before = await tableCounts(t);
    const res = await request(t.server).post('/v1/clusters/tiny/nodes').send({ name: 'c', address: '192.168.9.3' }).expect(409);
    assert.equal(res.body.code, 'POD_CIDR_EXHAUSTED');
    assert.equal(res.body.total, 2);
    assert.equal(res.body.free, 0);
    const put = await request(t.server).put('/v1/clusters/tiny').send({
      name: 'tiny', podCidrs: ['10.50.0.0/23'], nodes: ['a', 'b', 'c'].map((n, i) => ({ name: n, address: `192.168.9.${i + 1}` })),
    }).expect(409);
    assert.equal(put.body.code, 'POD_CIDR_EXHAUSTED');
    assert.deepEqual(await tableCounts(t), before);
  });

  test('a pod exhausting its node block is 409 NODE_POD_CIDR_EXHAUSTED', async () => {
    await request(t.server).post('/v1/clusters').send({
      name: 'small', podCidrs: ['10.60.0.0/24'], nodeMaskSize: { ipv4: 30 }, nodes: [{ name: 'a', address: '192.168.8.1' }],
      pods: [{ name: 'p1', node: 'a' }],
    }).expect(201);
    const res = await request(t.server).post('/v1/clusters/small/pods').send({ name: 'p2', node: 'a' }).expect(409);
    assert.equal(res.body.code, 'NODE_POD_CIDR_EXHAUSTED');
  });

  test('malformed JSON is 400 MALFORMED_BODY; unknown cluster is 404', async () => {
    const bad = await request(t.server).post('/v1/clusters').set('content-type', 'application/json').send('{"name": ').expect(400);
    assert.equal(bad.body.code, 'MALFORMED_BODY');
    const nf = await request(t.server).get('/v1/clusters/nope').expect(404);
    assert.equal(nf.body.code, 'CLUSTER_NOT_FOUND');
  });

  test('dual-stack and IPv6-only clusters allocate both families end to end', async () => {
    const ds = await request(t.server).post('/v1/clusters').send({
      name: 'ds', podCidrs: ['10.2.0.0/16', 'fd00:10:2::/48'],
      nodes: [{ name: 'a', addresses: ['192.168.20.1', 'fd00:ff::1'] }, { name: 'b', addresses: ['192.168.20.2', 'fd00:ff::2'] }],
      pods: [{ name: 'p', node: 'b' }],
    }).expect(201);
    assert.deepEqual(ds.body.nodes[1].podCidrs, ['10.2.1.0/24', 'fd00:10:2:1::/64']);
    assert.deepEqual(ds.body.pods[0].ips, ['10.2.1.2', 'fd00:10:2:1::2']);
    const v6 = await request(t.server).post('/v1/clusters').send({
      name: 'v6', podCidrs: ['fd00:10:3::/48'], nodes: [{ name: 'a', address: 'fd00:ff::a' }], pods: [{ name: 'p', node: 'a' }],
    }).expect(201);
    assert.deepEqual(v6.body.nodes[0].podCidrs, ['fd00:10:3::/64']);
    assert.deepEqual(v6.body.pods[0].ips, ['fd00:10:3::2']);
    assert.equal(v6.body.capacity.maxNodes, 65536);
  });
});
