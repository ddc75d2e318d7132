// Issue 11 over REST: the kernel's local table (`?table=local|main|all`), the
// pod MTU per underlay family (`podMtus`), and a definition the kernel could
// not realise (an IPv6 node address beside IPv6 pods but only IPv4 subnets).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const dual = {
  name: 'dual',
  podCidrs: ['10.30.0.0/16', 'fd00:42::/48'],
  network: { mode: 'vxlan' },
  subnets: [
    { name: 'rack1', cidr: '192.168.0.0/24', gateway: '192.168.0.1' },
    { name: 'rack1-v6', cidr: 'fd00:ff::/64', gateway: 'fd00:ff::1' },
  ],
  nodes: [
    { name: 'a', addresses: ['192.168.0.11', 'fd00:ff::11'], podCidrs: ['10.30.4.0/24', 'fd00:42:0:1::/64'] },
    { name: 'b', addresses: ['192.168.0.12', 'fd00:ff::12'] },
  ],
  pods: [{ name: 'web', node: 'a' }, { name: 'db', node: 'b' }],
};

describe('the kernel, as podnet models it, over REST', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    await request(t.server).post('/v1/clusters').send(dual).expect(201);
  });
  after(async () => { await t.close(); });

  test('?table=local: the node\'s local table as `ip route show table local` (then -6) prints it', async () => {
    const res = await request(t.server).get('/v1/clusters/dual/nodes/a/routes?table=local&format=text').expect(200);
    assert.deepEqual(res.text.trimEnd().split('\n'), [
      'local 10.30.4.1 dev cni0 proto kernel scope host src 10.30.4.1',
      'broadcast 10.30.4.255 dev cni0 proto kernel scope link src 10.30.4.1',
      'local 192.168.0.11 dev eth0 proto kernel scope host src 192.168.0.11',
      'broadcast 192.168.0.255 dev eth0 proto kernel scope link src 192.168.0.11',
      'anycast fd00:42:0:1:: dev cni0 proto kernel metric 0 pref medium',
      'local fd00:42:0:1::1 dev cni0 proto kernel metric 0 pref medium',
      'anycast fd00:ff:: dev eth0 proto kernel metric 0 pref medium',
      'local fd00:ff::11 dev eth0 proto kernel metric 0 pref medium',
    ]);
    const json = await request(t.server).get('/v1/clusters/dual/nodes/a/routes?table=local').expect(200);
    assert.deepEqual(json.body.routes.map((r: { type: string }) => r.type), ['local', 'broadcast', 'local', 'broadcast', 'anycast', 'local', 'anycast', 'local']);
    assert.deepEqual(json.body.routes[1], {
      dst: '10.30.4.255', via: null, dev: 'cni0', src: '10.30.4.1', proto: 'kernel', scope: 'link', onlink: false, type: 'broadcast',
      text: 'broadcast 10.30.4.255 dev cni0 proto kernel scope link src 10.30.4.1',
    });
    assert.deepEqual([json.body.neighbors, json.body.fdb], [[], []]);
  });

  test('?table=main is the default; ?table=all is both, local entries naming their table; scripts never carry the local table', async () => {
    const main = await request(t.server).get('/v1/clusters/dual/nodes/a/routes?format=text').expect(200);
    const explicit = await request(t.server).get('/v1/clusters/dual/nodes/a/routes?format=text&table=main').expect(200);
    assert.equal(explicit.text, main.text);
    assert.ok(!main.text.includes('local '), main.text);
    const all = await request(t.server).get('/v1/clusters/dual/nodes/a/routes?format=text&table=all').expect(200);
    const lines = all.text.trimEnd().split('\n');
    assert.ok(lines.includes('local 10.30.4.1 dev cni0 table local proto kernel scope host src 10.30.4.1'), all.text);
    assert.ok(lines.includes('anycast fd00:42:0:1:: dev cni0 table local proto kernel metric 0 pref medium'), all.text);
    assert.equal(lines.length, main.text.trimEnd().split('\n').length + 8);
    // ip route show table all: per family the main table, then the local one.
    assert.ok(lines.indexOf('local 192.168.0.11 dev eth0 table local proto kernel scope host src 192.168.0.11') < lines.findIndex((l) => l.includes(':')));
    const script = await request(t.server).get('/v1/clusters/dual/nodes/a/routes?format=script&table=all').expect(200);
    const mainScript = await request(t.server).get('/v1/clusters/dual/nodes/a/routes?format=script').expect(200);
    assert.equal(script.text, mainScript.text);
    assert.equal((await request(t.server).get('/v1/clusters/dual/nodes/a/routes?format=script&table=local').expect(200)).text, '');
    const bad = await request(t.server).get('/v1/clusters/dual/nodes/a/routes?table=broadcast').expect(400);
    assert.match(bad.headers['content-type']!, /problem\+json/);
  });

  test('a pod\'s local table: its IPs on eth0, the IPv4 block broadcast (pods do not forward: no anycast)', async () => {
    const res = await request(t.server).get('/v1/clusters/dual/pods/default/web/routes?table=local&format=text').expect(200);
    assert.deepEqual(res.text.trimEnd().split('\n'), [
      'local 10.30.4.2 dev eth0 proto kernel scope host src 10.30.4.2',
      'broadcast 10.30.4.255 dev eth0 proto kernel scope link src 10.30.4.2',
      'local fd00:42:0:1::2 dev eth0 proto kernel metric 0 pref medium',
    ]);
  });

  test('pod MTU per underlay family: VXLAN costs 50 bytes over IPv4, 70 over IPv6; the IPv6 pod routes carry it', async () => {
    const c = (await request(t.server).get('/v1/clusters/dual').expect(200)).body;
    assert.equal(c.podMtu, 1450);
    assert.deepEqual(c.podMtus, { ipv4: 1450, ipv6: 1430 });
    const pod = await request(t.server).get('/v1/clusters/dual/pods/default/web/routes?format=text').expect(200);
    assert.deepEqual(pod.text.trimEnd().split('\n'), [
      'default via 10.30.4.1 dev eth0',
      '10.30.4.0/24 dev eth0 proto kernel scope link src 10.30.4.2',
      'fd00:42:0:1::/64 dev eth0 proto kernel src fd00:42:0:1::2 metric 256 mtu 1430 pref medium',
      'default via fd00:42:0:1::1 dev eth0 metric 1024 mtu 1430 pref medium',
    ]);
    const json = (await request(t.server).get('/v1/clusters/dual/pods/default/web/routes').expect(200)).body;
    assert.deepEqual(json.routes.map((r: { mtu?: number }) => r.mtu ?? null), [null, null, 1430, 1430]);
  });

  test('a packet to a block\'s broadcast or Subnet-Router anycast address, or to another node\'s address, is DELIVERED at that node', async () => {
    for (const [to, node] of [['10.30.4.255', 'a'], ['fd00:42:0:1::', 'a'], ['192.168.0.11', 'a'], ['fd00:ff::12', 'b']] as const) {
      const p = (await request(t.server).get('/v1/clusters/dual/path').query({ from: 'default/db', to }).expect(200)).body;
      assert.equal(p.disposition, 'DELIVERED', to);
      assert.deepEqual([p.hops.at(-1).node, p.hops.at(-1).netns, p.hops.at(-1).action], [node, 'host', 'deliver'], to);
    }
  });

  test('422 for a node address of a family with pods but no subnet (SPEC §1), naming the node, the address and the family; nothing stored', async () => {
    const def = {
      name: 'v4subnets',
      podCidrs: ['10.40.0.0/16', 'fd00:40::/48'],
      subnets: [{ name: 'rack1', cidr: '192.168.0.0/24', gateway: '192.168.0.1' }],
      nodes: [{ name: 'w0', address: '192.168.0.10' }, { name: 'w1', addresses: ['192.168.0.11', 'fd00:ff::11'] }],
    };
    const res = await request(t.server).post('/v1/clusters').send(def).expect(422);
    assert.match(res.headers['content-type']!, /problem\+json/);
    const e = res.body.errors.find((x: { path: string }) => x.path.includes('addresses[1]'));
    assert.ok(e, JSON.stringify(res.body));
    assert.match(e.path, /^nodes\[1\]/);
    assert.match(e.message, /fd00:ff::11 is in no subnet: node "w1" has an IPv6 address, but the cluster defines no IPv6 subnet/);
    await request(t.server).get('/v1/clusters/v4subnets').expect(404);
    // The same address in an IPv4-only cluster carries nothing: accepted, as in the SPEC §3 example.
    await request(t.server).post('/v1/clusters').send({ ...def, podCidrs: ['10.40.0.0/16'] }).expect(201);
  });
});
