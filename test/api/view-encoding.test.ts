import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import request from 'supertest';
import { acceptsGzip } from '../../src/api/rest/common.js';
import { COMPRESS_VIEW_ABOVE } from '../../src/service/view-cache.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

/** 40 nodes × 240 pods: a view of ~1.2 MB, above COMPRESS_VIEW_ABOVE. */
const large = {
  name: 'large-view',
  podCidrs: ['10.9.0.0/16'],
  nodes: Array.from({ length: 40 }, (_, i) => ({ name: `node-${i}`, address: `192.168.9.${i + 1}` })),
  pods: Array.from({ length: 40 * 240 }, (_, k) => ({ namespace: `ns-${k % 7}`, name: `pod-${k}`, node: `node-${k % 40}` })),
};

/** Raw bytes and headers of a GET, as sent (light-my-request decompresses nothing). */
async function raw(t: TestApp, path: string, acceptEncoding: string | null) {
  const res = await t.app.inject({ method: 'GET', url: path, headers: acceptEncoding === null ? {} : { 'accept-encoding': acceptEncoding } });
  assert.equal(res.statusCode, 200);
  return { headers: res.headers as Record<string, string | undefined>, bytes: res.rawPayload };
}

describe('GET of a large cluster: its view kept gzipped, sent as gzip or as text by Accept-Encoding', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  test('the same bytes either way (ending in a newline); gzip only to a client that accepts it; Vary set', async () => {
    await request(t.server).post('/v1/clusters?view=summary').send(large).expect(201);
    const first = await raw(t, '/v1/clusters/large-view', null);
    const text = first.bytes.toString('utf8');
    assert.ok(text.endsWith('}\n'));
    assert.ok(text.length > COMPRESS_VIEW_ABOVE, `view of ${text.length} bytes`);
    const view = JSON.parse(text) as { pods: { ips: string[] }[]; nodes: unknown[] };
    assert.equal(view.pods.length, 40 * 240);
    await (await t.app.clusters.get('large-view')).viewSettled();

    const gz = await raw(t, '/v1/clusters/large-view', 'br;q=1, gzip;q=0.8');
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.match(gz.headers['vary'] ?? '', /accept-encoding/i);
    assert.match(gz.headers['content-type'] ?? '', /^application\/json/);
    assert.ok(gz.bytes.length < text.length / 5, `gzip ${gz.bytes.length} bytes`);
    assert.equal(gunzipSync(gz.bytes).toString('utf8'), text);

    for (const ae of [null, 'identity', 'gzip;q=0', 'deflate']) {
      const plain = await raw(t, '/v1/clusters/large-view', ae);
      assert.equal(plain.headers['content-encoding'], undefined, `Accept-Encoding ${ae}`);
      assert.equal(plain.bytes.toString('utf8'), text, `Accept-Encoding ${ae}`);
    }
  });
});

describe('acceptsGzip (RFC 9110 §12.5.3)', () => {
  const cases: [string | undefined, boolean][] = [
    [undefined, false], ['', false], ['gzip', true], ['GZIP', true], ['x-gzip', true], ['deflate, gzip', true],
    ['gzip;q=0', false], ['gzip; q=0.5', true], ['gzip;q=0.000', false], ['*', true], ['*;q=0', false],
    ['gzip;q=0, *', false], ['identity', false], ['br', false], ['gzip;q=abc', false],
  ];
  for (const [h, want] of cases) test(`${JSON.stringify(h)} → ${want}`, () => assert.equal(acceptsGzip(h), want));
});
