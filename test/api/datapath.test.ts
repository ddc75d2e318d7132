import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const seed = {
  name: 'seed',
  podCidrs: ['10.1.0.0/16'],
  nodes: [
    { name: 'node-a', address: '192.168.0.11', podCidrs: ['10.1.1.0/24'] },
    { name: 'node-b', address: '192.168.0.12', podCidrs: ['10.1.2.0/24'] },
  ],
  pods: [
    { name: 'a1', node: 'node-a' },
    { name: 'a2', node: 'node-a' },
    { name: 'b1', node: 'node-b' },
  ],
};

const kinds = (p: { hops: { kind: string }[] }) => p.hops.map((h) => h.kind);

describe('routes, paths and verify over REST', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    await request(t.server).post('/v1/clusters').send(seed).expect(201);
  });
  after(async () => { await t.close(); });

  test('the seed example: each node routes the other block via its address', async () => {
    const a = await request(t.server).get('/v1/clusters/seed/nodes/node-a/routes?format=text').expect(200);
    assert.match(a.headers['content-type']!, /^text\/plain/);
    assert.ok(a.text.split('\n').includes('10.1.2.0/24 via 192.168.0.12 dev eth0'), a.text);
    assert.ok(a.text.split('\n').includes('10.1.1.0/24 dev cni0 proto kernel scope link src 10.1.1.1'), a.text);
    const b = await request(t.server).get('/v1/clusters/seed/nodes/node-b/routes').expect(200);
    const r = b.body.routes.find((x: { dst: string }) => x.dst === '10.1.1.0/24');
    assert.deepEqual(r, {
      dst: '10.1.1.0/24', via: '192.168.0.11', dev: 'eth0', src: null, proto: null, scope: null, onlink: false, type: 'unicast',
      text: '10.1.1.0/24 via 192.168.0.11 dev eth0',
    });
    assert.deepEqual(b.body.neighbors, []);
    assert.deepEqual(b.body.fdb, []);
  });

  test('script format is an ip -batch file', async () => {
    const s = await request(t.server).get('/v1/clusters/seed/nodes/node-a/routes?format=script').expect(200);
    assert.ok(s.text.split('\n').includes('route replace 10.1.2.0/24 via 192.168.0.12 dev eth0'), s.text);
  });

  test('a pod table: default via the gateway, the block on-link', async () => {
    const s = await request(t.server).get('/v1/clusters/seed/pods/default/a1/routes?format=text').expect(200);
    assert.deepEqual(s.text.trim().split('\n'), ['default via 10.1.1.1 dev eth0', '10.1.1.0/24 dev eth0 proto kernel scope link src 10.1.1.2']);
  });

  test('path between nodes: pod-eth, veth, bridge, physical, physical, bridge, veth, pod-eth; NAT-free', async () => {
    const res = await request(t.server).get('/v1/clusters/seed/path').query({ from: 'a1', to: 'default/b1' }).expect(200);
    const p = res.body;
    assert.equal(p.disposition, 'DELIVERED');
    assert.equal(p.sameNode, false);
    assert.equal(p.natFree, true);
    assert.equal(p.encapsulation, null);
    assert.equal(p.mtu, 1500);
    assert.deepEqual(kinds(p), ['pod-eth', 'veth', 'bridge', 'physical', 'physical', 'bridge', 'veth', 'pod-eth']);
    for (const h of p.hops) assert.deepEqual([h.packet.src, h.packet.dst], ['10.1.1.2', '10.1.2.2']);
    assert.equal(p.hops[2].route, '10.1.2.0/24 via 192.168.0.12 dev eth0');
  });

  test('same node: the pods meet in the bridge', async () => {
    const res = await request(t.server).get('/v1/clusters/seed/path?from=a1&to=a2').expect(200);
    assert.equal(res.body.sameNode, true);
    assert.deepEqual(kinds(res.body), ['pod-eth', 'veth', 'bridge', 'veth', 'pod-eth']);
  });

  test('an unknown endpoint is 404 ENDPOINT_NOT_FOUND; a missing parameter 400', async () => {
    const nf = await request(t.server).get('/v1/clusters/seed/path?from=a1&to=ghost').expect(404);
    assert.equal(nf.body.code, 'ENDPOINT_NOT_FOUND');
    const missing = await request(t.server).get('/v1/clusters/seed/path?from=a1').expect(400);
    assert.equal(missing.body.code, 'BAD_REQUEST');
  });

  test('an unallocated IP inside a block is NEIGHBOR_UNREACHABLE (still 200)', async () => {
    const res = await request(t.server).get('/v1/clusters/seed/path?from=a1&to=10.1.2.99').expect(200);
    assert.equal(res.body.disposition, 'NEIGHBOR_UNREACHABLE');
  });

  test('verify passes on the seed cluster', async () => {
    const res = await request(t.server).get('/v1/clusters/seed/verify').expect(200);
    assert.equal(res.body.ok, true);
    assert.deepEqual(res.body.checks.map((c: { name: string }) => c.name), ['no-overlap', 'pod-ips', 'reachability', 'mtu', 'capacity']);
  });

  test('host-gw across two subnets fails verify with the failing pairs, and the path dies at the router', async () => {
    await request(t.server).post('/v1/clusters').send({
      name: 'split', podCidrs: ['10.5.0.0/16'],
      subnets: [{ name: 'r1', cidr: '192.168.1.0/24', gateway: '192.168.1.1' }, { name: 'r2', cidr: '192.168.2.0/24', gateway: '192.168.2.1' }],
      nodes: [{ name: 'a', address: '192.168.1.10' }, { name: 'b', address: '192.168.2.10' }],
      pods: [{ name: 'pa', node: 'a' }, { name: 'pb', node: 'b' }],
    }).expect(201);
    const v = await request(t.server).get('/v1/clusters/split/verify').expect(200);
    assert.equal(v.body.ok, false);
    const reach = v.body.checks.find((c: { name: string }) => c.name === 'reachability');
    assert.equal(reach.ok, false);
    assert.equal(reach.failureCount, 2);
    const p = await request(t.server).get('/v1/clusters/split/path?from=pa&to=pb').expect(200);
    assert.equal(p.body.disposition, 'NO_ROUTE');
    assert.equal(p.body.hops.at(-1).kind, 'router');
    // The same cluster in bgp mode is delivered through the router.
    await request(t.server).put('/v1/clusters/split').send({
      name: 'split', podCidrs: ['10.5.0.0/16'], network: { mode: 'bgp' },
      subnets: [{ name: 'r1', cidr: '192.168.1.0/24', gateway: '192.168.1.1' }, { name: 'r2', cidr: '192.168.2.0/24', gateway: '192.168.2.1' }],
      nodes: [{ name: 'a', address: '192.168.1.10' }, { name: 'b', address: '192.168.2.10' }],
      pods: [{ name: 'pa', node: 'a' }, { name: 'pb', node: 'b' }],
    }).expect(200);
    const bgp = await request(t.server).get('/v1/clusters/split/path?from=pa&to=pb').expect(200);
    assert.equal(bgp.body.disposition, 'DELIVERED');
    assert.deepEqual(kinds(bgp.body), ['pod-eth', 'veth', 'bridge', 'physical', 'router', 'physical', 'bridge', 'veth', 'pod-eth']);
    assert.equal((await request(t.server).get('/v1/clusters/split/verify')).body.ok, true);
  });

  test('vxlan: encapsulated hops carry the outer header; pod MTU is 1450', async () => {
    await request(t.server).post('/v1/clusters').send({ ...seed, name: 'vx', network: { mode: 'vxlan' } }).expect(201);
    const p = (await request(t.server).get('/v1/clusters/vx/path?from=a1&to=b1').expect(200)).body;
    assert.deepEqual(kinds(p), ['pod-eth', 'veth', 'bridge', 'vxlan', 'physical', 'physical', 'vxlan', 'bridge', 'veth', 'pod-eth']);
    assert.equal(p.encapsulation, 'vxlan');
    assert.equal(p.mtu, 1450);
    const enc = p.hops.find((h: { kind: string; outer?: unknown }) => h.kind === 'physical');
    assert.deepEqual(enc.outer, { src: '192.168.0.11', dst: '192.168.0.12', protocol: 'udp', port: 8472, vni: 1 });
    const routes = (await request(t.server).get('/v1/clusters/vx/nodes/node-a/routes').expect(200)).body;
    assert.equal(routes.neighbors.length, 1);
    assert.equal(routes.fdb.length, 1);
    const fdb = await request(t.server).get('/v1/clusters/vx/nodes/node-a/routes?format=fdb-script').expect(200);
    assert.match(fdb.text, /^fdb replace [0-9a-f:]{17} dev flannel\.1 dst 192\.168\.0\.12 self permanent$/m);
  });

  test('routes of a changed cluster are regenerated (no stale snapshot)', async () => {
    await request(t.server).post('/v1/clusters/seed/nodes').send({ name: 'node-c', address: '192.168.0.13' }).expect(201);
    const a = await request(t.server).get('/v1/clusters/seed/nodes/node-a/routes?format=text').expect(200);
    assert.ok(a.text.includes('10.1.0.0/24 via 192.168.0.13 dev eth0'), a.text);
  });
});
