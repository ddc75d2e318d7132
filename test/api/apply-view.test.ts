import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import type { Topology } from '../../src/net/model.js';
import { ChangeList } from '../../src/service/change-list.js';
import { applyViewFor, SUMMARY_ABOVE, SUMMARY_CHANGES } from '../../src/service/views.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** 3 nodes and 3 × 40 pods: more changes than the summary lists. */
const many = {
  name: 'many',
  podCidrs: ['10.7.0.0/16'],
  nodes: [0, 1, 2].map((i) => ({ name: `n${i}`, address: `192.168.7.${i + 1}` })),
  pods: [0, 1, 2].flatMap((i) => Array.from({ length: 40 }, (_, k) => ({ name: `p${i}-${k}`, node: `n${i}` }))),
};

describe('the apply answer: full or summary (?view=)', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  test('POST ?view=summary answers counts, capacity and version, no lists; GET still has the whole cluster', async () => {
    const res = await request(t.server).post('/v1/clusters?view=summary').send(many).expect(201);
    assert.equal(res.headers.location, '/v1/clusters/many');
    const c = res.body;
    assert.equal(c.view, 'summary');
    assert.deepEqual(c.counts, { nodes: 3, pods: 120 });
    assert.equal(c.nodes, undefined);
    assert.equal(c.pods, undefined);
    assert.equal(c.version, 1);
    assert.equal(c.capacity.used, 3);
    assert.deepEqual(c.podCidrs, ['10.7.0.0/16']);
    const full = (await request(t.server).get('/v1/clusters/many').expect(200)).body;
    assert.equal(full.view, undefined);
    assert.equal(full.pods.length, 120);
    assert.equal(full.nodes[2].podCidrs[0], '10.7.2.0/24');
  });

  test('PUT ?view=summary lists the first changes and counts them all; the full view lists every one', async () => {
    const next = { ...many, pods: many.pods.map((p) => ({ ...p, node: p.node === 'n0' ? 'n1' : p.node })).concat({ name: 'extra', node: 'n2' }) };
    const plan = await request(t.server).put('/v1/clusters/many?dryRun=true&view=full').send(next).expect(200);
    assert.equal(plan.body.changes.length, 41);
    assert.deepEqual(plan.body.changeCounts, { create: { cluster: 0, node: 0, pod: 1 }, update: { cluster: 0, node: 0, pod: 40 }, delete: { cluster: 0, node: 0, pod: 0 } });
    assert.equal(plan.body.plan.pods.length, 121);
    const cut = await request(t.server).put('/v1/clusters/many?view=summary').send({ ...many, name: 'many', pods: [] }).expect(200);
    assert.equal(cut.body.cluster.view, 'summary');
    assert.deepEqual(cut.body.cluster.counts, { nodes: 3, pods: 0 });
    assert.equal(cut.body.changes.length, SUMMARY_CHANGES);
    assert.deepEqual(cut.body.changeCounts.delete, { cluster: 0, node: 0, pod: 120 });
    assert.equal(cut.body.cluster.version, 2);
  });

  test('a dry run in the summary view still carries the whole impact', async () => {
    const res = await request(t.server).put('/v1/clusters/many?dryRun=true&view=summary').send({ ...many, nodes: many.nodes.slice(0, 2), pods: [] }).expect(200);
    assert.equal(res.body.plan.view, 'summary');
    assert.deepEqual(res.body.plan.counts, { nodes: 2, pods: 0 });
    assert.equal(res.body.plan.version, undefined, 'a plan has no version');
    assert.equal(res.body.changeCounts.delete.node, 1);
    assert.equal(res.body.impact.reachability.pairsAfter > 0, true);
  });

  test('a view other than full or summary is a 400 naming the choices', async () => {
    const res = await request(t.server).put('/v1/clusters/many?view=compact').send(many).expect(400);
    assert.match(res.body.detail, /full|summary/);
  });

  test('without ?view=, a cluster above SUMMARY_ABOVE nodes and pods is answered in the summary view', () => {
    const sized = (n: number) => ({ nodes: [], pods: { length: n } }) as unknown as Topology;
    assert.equal(applyViewFor(undefined, sized(SUMMARY_ABOVE)), 'full');
    assert.equal(applyViewFor(undefined, sized(SUMMARY_ABOVE + 1)), 'summary');
    assert.equal(applyViewFor('full', sized(SUMMARY_ABOVE + 1)), 'full');
    assert.equal(applyViewFor('summary', sized(1)), 'summary');
  });

  test('a change list counts per action and kind, created pods included before any is made', () => {
    const l = new ChangeList();
    l.push({ action: 'create', kind: 'pod', name: 'default/a', ips: ['10.0.0.2'] });
    l.pushPodCreate(0);
    l.push({ action: 'delete', kind: 'node', name: 'n' });
    assert.deepEqual(l.counts(), {
      create: { cluster: 0, node: 0, pod: 2 }, update: { cluster: 0, node: 0, pod: 0 }, delete: { cluster: 0, node: 1, pod: 0 },
    });
    assert.throws(() => l.toArray(), /resolvePods/, 'a created pod needs its spec to be made');
  });
});
