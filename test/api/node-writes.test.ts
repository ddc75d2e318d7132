import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const nw = {
  name: 'nw',
  podCidrs: ['10.8.0.0/16'],
  nodes: [{ name: 'n0', address: '192.168.8.1' }, { name: 'n1', address: '192.168.8.2' }],
  pods: [{ name: 'a', node: 'n0' }, { name: 'b', node: 'n0' }, { name: 'c', node: 'n1' }],
};

describe('single-node writes against the cached snapshot (allocators handed from snapshot to snapshot)', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  const add = (name: string, address: string, query = '') => request(t.server).post(`/v1/clusters/nw/nodes${query}`).send({ name, address });

  test('dry runs and refused adds take no block; a removed node frees its block and its pods; the snapshot agrees with a reload', async () => {
    await request(t.server).post('/v1/clusters').send(nw).expect(201);
    assert.deepEqual((await add('x', '192.168.8.10', '?dryRun=true').expect(200)).body.podCidrs, ['10.8.2.0/24']);
    assert.deepEqual((await add('x', '192.168.8.10').expect(201)).body.podCidrs, ['10.8.2.0/24'], 'the dry run left its block free');
    assert.equal((await add('y', '192.168.8.10').expect(409)).body.code, 'ADDRESS_CONFLICT');
    const pin = await request(t.server).post('/v1/clusters/nw/nodes').send({ name: 'p', address: '192.168.8.11', podCidrs: ['10.8.2.0/24'] }).expect(409);
    assert.equal(pin.body.code, 'POD_CIDR_CONFLICT');
    assert.deepEqual((await add('y', '192.168.8.12').expect(201)).body.podCidrs, ['10.8.3.0/24'], 'refused adds left their blocks free');
    await request(t.server).delete('/v1/clusters/nw/nodes/n0').expect(204);
    const pods = await request(t.server).get('/v1/clusters/nw/pods').expect(200);
    assert.deepEqual(pods.body.items.map((p: { ref: string }) => p.ref), ['default/c'], "n0's pods went with it");
    await request(t.server).delete('/v1/clusters/nw/nodes/x').expect(204);
    assert.deepEqual((await add('z', '192.168.8.13').expect(201)).body.podCidrs, ['10.8.0.0/24'], "n0's block is free again, first-fit");
    assert.deepEqual((await add('w', '192.168.8.14').expect(201)).body.podCidrs, ['10.8.2.0/24'], "then x's");
    assert.deepEqual((await add('v', '192.168.8.15').expect(201)).body.podCidrs, ['10.8.4.0/24']);
    const cached = (await request(t.server).get('/v1/clusters/nw').expect(200)).body;
    t.app.clusters.cache.invalidate('nw');
    const reloaded = (await request(t.server).get('/v1/clusters/nw').expect(200)).body;
    assert.deepEqual(cached, reloaded);
    assert.deepEqual(reloaded.nodes.map((n: { name: string; podCidrs: string[] }) => `${n.name} ${n.podCidrs[0]}`),
      ['n1 10.8.1.0/24', 'y 10.8.3.0/24', 'z 10.8.0.0/24', 'w 10.8.2.0/24', 'v 10.8.4.0/24']);
    assert.equal((await request(t.server).get('/v1/clusters/nw/verify').expect(200)).body.ok, true);
  });
});
