// A PUT of the very bytes this instance last applied is answered from their
// hash, before they are parsed (src/api/rest/clusters.ts, unchangedPut):
// the same answer as the full path, and nothing else about the request
// skipped (authentication, the query's validation, dry runs, a cluster
// changed since).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { TokenService } from '../../src/service/tokens.js';
import { TokenStore } from '../../src/store/tokens.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const ADMIN = 'pn_test-admin-token-that-is-long-enough-unchanged-put';
const bearer = { authorization: `Bearer ${ADMIN}` };

describe('re-sending the bytes last applied (PUT)', () => {
  let t: TestApp;
  let applies = 0;
  before(async () => {
    t = await startTestApp({ PODNET_AUTH: 'on' });
    await new TokenService(new TokenStore(t.tdb.db.prisma)).ensure('root', ADMIN, 'admin');
    const service = t.app.clusters;
    const apply = service.apply.bind(service);
    service.apply = (...args: Parameters<typeof apply>) => {
      applies++;
      return apply(...args);
    };
  });
  after(async () => { await t.close(); });

  const json = JSON.stringify({ name: 'same', podCidrs: ['10.41.0.0/16'], nodes: [{ name: 'a', address: '192.168.41.1' }], pods: [{ name: 'p', node: 'a' }] });
  const put = (body: string, query = '', type = 'application/json') =>
    request(t.server).put(`/v1/clusters/same${query}`).set(bearer).set('content-type', type).send(body);
  /** The answer, and whether the service's apply (and so the parser) ran for it. */
  async function counted(r: ReturnType<typeof put>): Promise<{ status: number; body: Record<string, unknown>; applied: boolean }> {
    const before = applies;
    const res = await r;
    return { status: res.status, body: res.body as Record<string, unknown>, applied: applies > before };
  }

  test('is answered without parsing, as the full path answers it', async () => {
    const created = await counted(put(json));
    assert.equal(created.status, 201);
    assert.equal(created.applied, true);
    const same = await counted(put(json));
    assert.equal(same.status, 200);
    assert.equal(same.applied, false, 'the shortcut answered');
    assert.deepEqual(same.body.changes, []);
    // The same definition in other bytes takes the full path to the same answer.
    const spaced = await counted(put(`${json}\n`));
    assert.equal(spaced.applied, true);
    assert.deepEqual(spaced.body, same.body);
    // That apply left these bytes as the last applied: now they are the shortcut's.
    assert.equal((await counted(put(`${json}\n`))).applied, false);
    assert.equal((await counted(put(json))).applied, true);
  });

  test('keeps the view asked for', async () => {
    await put(json).expect(200);
    const summary = await counted(put(json, '?view=summary&dryRun=false'));
    assert.equal(summary.applied, false);
    assert.equal((summary.body.cluster as { view: string }).view, 'summary');
    assert.deepEqual(summary.body.changeCounts, { create: { cluster: 0, node: 0, pod: 0 }, update: { cluster: 0, node: 0, pod: 0 }, delete: { cluster: 0, node: 0, pod: 0 } });
  });

  test('skips nothing else: authentication, the query\'s validation, dry runs, a change since, YAML alike', async () => {
    await put(json).expect(200);
    await request(t.server).put('/v1/clusters/same').set('content-type', 'application/json').send(json).expect(401);
    const bad = await counted(put(json, '?view=everything'));
    assert.equal(bad.status, 400);
    const unknown = await counted(put(json, '?dryrun=true'));
    assert.equal(unknown.status, 400);
    const dry = await counted(put(json, '?dryRun=true'));
    assert.equal(dry.status, 200);
    assert.equal(dry.applied, true);
    assert.ok('plan' in dry.body && 'impact' in dry.body, 'a dry run answers its plan');
    // A node added since: the same bytes converge the cluster again.
    await request(t.server).post('/v1/clusters/same/nodes').set(bearer).send({ name: 'b', address: '192.168.41.2' }).expect(201);
    const converged = await counted(put(json));
    assert.equal(converged.applied, true);
    assert.deepEqual((converged.body.changes as { action: string; name: string }[]).map((c) => `${c.action} ${c.name}`), ['delete b']);
    assert.equal((await counted(put(json))).applied, false);
    const yaml = 'name: same\npodCidrs: [10.41.0.0/16]\nnodes:\n  - {name: a, address: 192.168.41.1}\npods:\n  - {name: p, node: a}\n';
    assert.equal((await counted(put(yaml, '', 'application/yaml'))).applied, true);
    const again = await counted(put(yaml, '', 'application/yaml'));
    assert.equal(again.status, 200);
    assert.equal(again.applied, false);
    assert.deepEqual(again.body.changes, []);
    // A content type the route refuses is refused, whatever the bytes.
    assert.equal((await counted(put(yaml, '', 'text/plain'))).status, 415);
  });
});
