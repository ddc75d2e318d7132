// /metrics: utilization for every stored cluster (not only those this
// instance has loaded), Prometheus naming rules, and the PODNET_METRICS_AUTH switch.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { UTILIZATION_TTL_MS, UtilizationCache } from '../../src/api/metrics.js';
import type { ClusterService } from '../../src/service/clusters.js';
import { TokenService } from '../../src/service/tokens.js';
import type { FamilyUtilization } from '../../src/service/views.js';
import { TokenStore } from '../../src/store/tokens.js';
import { startInstances, startTestApp, type TestInstances } from '../helpers/app.js';

/** `name{labels} value` samples of one metric. */
function samples(text: string, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${name}\\{([^}]*)\\} (\\S+)$`, 'gm'))) out.set(m[1]!, Number(m[2]));
  return out;
}

describe('/metrics', () => {
  let two: TestInstances;
  before(async () => { two = await startInstances(2, 4); });
  after(async () => { await two?.close(); });

  test('podnet_cluster_utilization reports every stored cluster and family, on an instance that loaded none', async () => {
    const [writer, scraper] = two.apps;
    const defs = [
      { name: 'small', podCidrs: ['10.1.0.0/16'], nodes: [{ name: 'a', address: '192.168.0.1' }, { name: 'b', address: '192.168.0.2' }] },
      {
        name: 'dual', podCidrs: ['10.2.0.0/22', 'fd00:2::/62'], reserved: ['10.2.3.0/24'],
        nodes: [{ name: 'a', addresses: ['192.168.1.1', 'fd00:ff::1'] }, { name: 'b', addresses: ['192.168.1.2'] }],
      },
      { name: 'empty', podCidrs: ['10.3.0.0/16'] },
    ];
    for (const d of defs) assert.equal((await request(writer!.server).post('/v1/clusters').send(d)).status, 201);
    const res = await request(scraper!.server).get('/metrics');
    assert.equal(res.status, 200);
    assert.match(res.headers['content-type']!, /^text\/plain; version=0\.0\.4/);
    const expected: Record<string, number> = {};
    for (const d of defs) {
      const view = (await request(writer!.server).get(`/v1/clusters/${d.name}`)).body as { capacity: { families: { family: string; utilization: number }[] } };
      for (const f of view.capacity.families) expected[`cluster="${d.name}",family="${f.family}"`] = f.utilization;
    }
    assert.equal(Object.keys(expected).length, 4);
    assert.ok(expected['cluster="dual",family="ipv4"']! > 0 && expected['cluster="empty",family="ipv4"'] === 0);
    assert.deepEqual(Object.fromEntries(samples(res.text, 'podnet_cluster_utilization')), expected);
  });

  test('names follow Prometheus rules: counters end in _total, no other type does', async () => {
    const res = await request(two.apps[0]!.server).get('/metrics');
    const types = [...res.text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => ({ name: m[1]!, type: m[2]! }));
    assert.ok(types.length > 10);
    for (const { name, type } of types) {
      if (type === 'counter') assert.match(name, /_total$/, `counter ${name}`);
      else assert.doesNotMatch(name, /_total$/, `${type} ${name}`);
      assert.match(name, /^podnet_[a-z0-9_]+$/, name);
    }
    for (const m of ['podnet_nodejs_active_handles', 'podnet_nodejs_active_resources', 'podnet_http_request_duration_seconds', 'podnet_allocations_total']) {
      assert.ok(types.some((x) => x.name === m), m);
    }
  });

  test('a read token is needed by default (its labels name the clusters); PODNET_METRICS_AUTH=off: public', async () => {
    const secured = await startTestApp({ PODNET_AUTH: 'on' });
    const open = await startTestApp({ PODNET_AUTH: 'on', PODNET_METRICS_AUTH: 'off' });
    try {
      await new TokenService(new TokenStore(secured.tdb.db.prisma)).ensure('reader', 'r'.repeat(40), 'read');
      assert.equal((await request(secured.server).get('/metrics')).status, 401);
      assert.equal((await request(secured.server).get('/metrics').set('authorization', `Bearer ${'r'.repeat(40)}`)).status, 200);
      assert.equal((await request(open.server).get('/metrics')).status, 200);
      const doc = (await request(secured.server).get('/openapi.json')).body as { paths: Record<string, { get: { security?: unknown[] } }> };
      assert.equal(doc.paths['/metrics']!.get.security, undefined, 'documented as needing the token');
    } finally {
      await Promise.all([secured.close(), open.close()]);
    }
  });
});

describe('UtilizationCache', () => {
  test('one read per TTL; a failed read keeps the last figures', async () => {
    let now = 0;
    let reads = 0;
    let fail = false;
    const row: FamilyUtilization = { cluster: 'c', family: 'ipv4', used: 1, total: 2, utilization: 0.5 };
    const service = { utilization: async () => { reads++; if (fail) throw new Error('down'); return [row]; } } as unknown as ClusterService;
    const cache = new UtilizationCache(service, () => now);
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    const [a, b] = await Promise.all([cache.rows(onError), cache.rows(onError)]);
    assert.deepEqual([a, b, reads], [[row], [row], 1], 'concurrent scrapes share one read');
    now = UTILIZATION_TTL_MS - 1;
    await cache.rows(onError);
    assert.equal(reads, 1);
    now = UTILIZATION_TTL_MS;
    fail = true;
    assert.deepEqual(await cache.rows(onError), [row]);
    assert.equal(reads, 2);
    assert.equal(errors.length, 1);
  });
});
