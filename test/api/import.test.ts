import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const fixture = (f: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/k8s/${f}`, import.meta.url), 'utf8'));
const vxlan = () => ({ podCidrs: ['10.244.0.0/16'], nodes: fixture('vxlan-nodes.json'), pods: fixture('vxlan-pods.json') });

async function counts(t: TestApp): Promise<number[]> {
  const [r] = await t.tdb.db.sql<{ c: number; n: number; p: number }[]>`
    SELECT (SELECT count(*) FROM cluster)::int AS c, (SELECT count(*) FROM node)::int AS n, (SELECT count(*) FROM pod)::int AS p`;
  return [r!.c, r!.n, r!.p];
}

interface Pod { ref: string; node: string; ips: string[] }

describe('importing a live cluster (SPEC §11)', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  test('a Flannel vxlan cluster: every allocation pinned, hostNetwork and Pending pods skipped, re-import a no-op', async () => {
    const dry = await request(t.server).post('/v1/clusters/live/import?dryRun=true').send(vxlan()).expect(200);
    assert.ok(dry.body.plan && dry.body.changes && 'impact' in dry.body);
    assert.equal(dry.body.skipped.length, 3);
    assert.deepEqual(await counts(t), [0, 0, 0], 'a dry run stores nothing');

    const res = await request(t.server).post('/v1/clusters/live/import').send(vxlan()).expect(201);
    const c = res.body.cluster;
    assert.equal(c.network.mode, 'vxlan', 'inferred from the backend-type annotation');
    assert.equal(c.network.vxlan.vni, 1, 'from backend-data');
    assert.deepEqual(c.nodes.map((n: { name: string; addresses: string[]; podCidrs: string[]; vtepMac: string }) => [n.name, n.addresses, n.podCidrs, n.vtepMac]), [
      ['worker-1', ['10.0.0.11'], ['10.244.0.0/24'], '5e:1a:2b:3c:4d:01'],
      ['worker-2', ['10.0.0.12'], ['10.244.1.0/24'], '5e:1a:2b:3c:4d:02'],
    ], 'VtepMAC from backend-data');
    const routes = await request(t.server).get('/v1/clusters/live/nodes/worker-1/routes?format=json').expect(200);
    assert.deepEqual(routes.body.fdb, [{ mac: '5e:1a:2b:3c:4d:02', dev: 'flannel.1', dst: '10.0.0.12' }], 'the peer\'s live VTEP MAC');
    assert.deepEqual(c.pods.map((p: Pod) => [p.ref, p.node, p.ips]).sort(), [
      ['billing/invoice-0', 'worker-2', ['10.244.1.9']],
      ['kube-system/coredns-5d78c9869d-x7k2p', 'worker-1', ['10.244.0.2']],
      ['shop/web-6b7f9c-abcde', 'worker-1', ['10.244.0.5']],
      ['shop/web-6b7f9c-fghij', 'worker-2', ['10.244.1.7']],
    ]);
    assert.deepEqual(res.body.skipped.map((s: { ref: string }) => s.ref), [
      'kube-system/kube-flannel-ds-a1b2c', 'kube-system/kube-flannel-ds-d3e4f', 'billing/invoice-1',
    ]);
    assert.match(res.body.skipped[0].reason, /hostNetwork/);
    assert.match(res.body.skipped[2].reason, /node/);

    const again = await request(t.server).post('/v1/clusters/live/import').send(vxlan()).expect(200);
    assert.equal(again.body.changes.total ?? again.body.changes.length ?? 0, 0, JSON.stringify(again.body.changes));
    const view = await request(t.server).get('/v1/clusters/live').expect(200);
    assert.equal(view.body.version, c.version, 're-importing an unchanged cluster changes nothing');
  });

  test('a host-gw cluster, mode from the annotations', async () => {
    const res = await request(t.server).post('/v1/clusters/gw/import')
      .send({ podCidrs: ['10.42.0.0/16'], nodes: fixture('hostgw-nodes.json'), pods: fixture('hostgw-pods.json') }).expect(201);
    assert.equal(res.body.cluster.network.mode, 'host-gw');
    assert.deepEqual(res.body.cluster.pods.map((p: Pod) => p.ips).sort(), [['10.42.0.10'], ['10.42.1.3']]);
    assert.deepEqual(res.body.skipped, []);
  });

  test('without podCidrs: 422 suggesting the smallest prefix holding every node block', async () => {
    const before = await counts(t);
    const res = await request(t.server).post('/v1/clusters/nocidr/import').send({ ...vxlan(), podCidrs: undefined }).expect(422);
    assert.equal(res.body.code, 'VALIDATION_FAILED');
    assert.deepEqual(res.body.suggestion, ['10.244.0.0/23']);
    assert.match(res.body.detail, /10\.244\.0\.0\/23/);
    assert.deepEqual(await counts(t), before);
  });

  test('a broken live cluster: one 422 naming every bad object, nothing stored', async () => {
    const before = await counts(t);
    const res = await request(t.server).post('/v1/clusters/broken/import')
      .send({ podCidrs: ['10.244.0.0/16'], nodes: fixture('vxlan-nodes.json'), pods: fixture('broken-pods.json') }).expect(422);
    const text = JSON.stringify(res.body.errors);
    assert.match(text, /shop\/web-b/, 'duplicate IP / outside its block');
    assert.match(text, /billing\/stray/, 'outside its node block');
    assert.deepEqual(await counts(t), before);

    const outside = await request(t.server).post('/v1/clusters/broken/import')
      .send({ podCidrs: ['10.244.0.0/24'], nodes: fixture('vxlan-nodes.json'), pods: { apiVersion: 'v1', kind: 'List', items: [] } });
    assert.equal(outside.status, 422, JSON.stringify(outside.body));
    assert.match(JSON.stringify(outside.body.errors), /worker-2/, 'a block outside podCidrs');
    assert.deepEqual(await counts(t), before);
  });

  test('nodes that are not a v1 List are a 422', async () => {
    await request(t.server).post('/v1/clusters/x/import').send({ podCidrs: ['10.244.0.0/16'], nodes: [{ a: 1 }] }).expect(422);
  });
});
