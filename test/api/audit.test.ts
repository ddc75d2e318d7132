// POST …/nodes/{node}/audit over REST (SPEC §12): the answer's shape, and bad input.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const seed = {
  name: 'aud',
  podCidrs: ['10.1.0.0/16'],
  subnets: [{ name: 'rack1', cidr: '192.168.0.0/24', gateway: '192.168.0.1' }],
  nodes: [
    { name: 'node-a', address: '192.168.0.11', podCidrs: ['10.1.1.0/24'] },
    { name: 'node-b', address: '192.168.0.12', podCidrs: ['10.1.2.0/24'] },
  ],
};

// node-a's kernel as `ip -j route show` prints it after podnet's script, with docker0 beside it.
const routes = [
  { dst: 'default', gateway: '192.168.0.1', dev: 'eth0', flags: [] },
  { dst: '10.1.1.0/24', dev: 'cni0', protocol: 'kernel', scope: 'link', prefsrc: '10.1.1.1', flags: [] },
  { dst: '10.1.2.0/24', gateway: '192.168.0.12', dev: 'eth0', flags: [] },
  { dst: '172.17.0.0/16', dev: 'docker0', protocol: 'kernel', scope: 'link', prefsrc: '172.17.0.1', flags: ['linkdown'], pref: 'medium' },
  { dst: '192.168.0.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '192.168.0.11', flags: [] },
];

describe('POST /v1/clusters/{name}/nodes/{node}/audit', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    await request(t.server).post('/v1/clusters').send(seed).expect(201);
  });
  after(async () => { await t.close(); });

  test('no drift: ok, what was checked, docker0 only counted in ignored', async () => {
    const res = await request(t.server).post('/v1/clusters/aud/nodes/node-a/audit').send({ routes }).expect(200);
    assert.deepEqual(res.body, { ok: true, node: 'node-a', checked: { routes: 4, neighbors: 0, fdb: 0 }, missing: [], unexpected: [], different: [], ignored: 1 });
  });

  test('drift: the entries in podnet\'s route JSON with their text', async () => {
    const drift = [...routes.filter((r) => r.dst !== '10.1.2.0/24'), { dst: '10.1.9.0/24', gateway: '192.168.0.99', dev: 'eth0', flags: [] }];
    const res = await request(t.server).post('/v1/clusters/aud/nodes/node-a/audit').send({ routes: drift }).expect(200);
    assert.equal(res.body.ok, false);
    assert.deepEqual(res.body.missing, [{
      kind: 'route', dst: '10.1.2.0/24', via: '192.168.0.12', dev: 'eth0', src: null, proto: null, scope: null, onlink: false, type: 'unicast',
      text: '10.1.2.0/24 via 192.168.0.12 dev eth0',
    }]);
    assert.deepEqual(res.body.unexpected.map((x: { text: string }) => x.text), ['10.1.9.0/24 via 192.168.0.99 dev eth0']);
  });

  test('bad input: 404 for an unknown node, 422 naming an address that does not parse, 422 for a body of the wrong shape; nothing stored', async () => {
    await request(t.server).post('/v1/clusters/aud/nodes/nope/audit').send({ routes }).expect(404);
    await request(t.server).post('/v1/clusters/none/nodes/node-a/audit').send({ routes }).expect(404);
    const bad = await request(t.server).post('/v1/clusters/aud/nodes/node-a/audit').send({ routes: [{ dst: '10.1.2.0/24', gateway: 'x.y' }] }).expect(422);
    assert.match(bad.headers['content-type']!, /problem\+json/);
    assert.deepEqual(bad.body.errors.map((e: { path: string }) => e.path), ['routes[0].gateway']);
    await request(t.server).post('/v1/clusters/aud/nodes/node-a/audit').send({ routes: 'ip route' }).expect(422);
    await request(t.server).post('/v1/clusters/aud/nodes/node-a/audit').send({ links: [] }).expect(422);
    const c = (await request(t.server).get('/v1/clusters/aud').expect(200)).body;
    assert.equal(c.version, 1);
  });
});
