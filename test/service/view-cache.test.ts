import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ViewCache } from '../../src/service/view-cache.js';

const bigJson = (n: number) => JSON.stringify({ pods: Array.from({ length: n }, (_, i) => ({ name: `pod-${i}`, ip: `10.0.${i >> 8}.${i & 255}` })) });

describe('ViewCache: a view rendered once, kept as text or, above the threshold, as gzip', () => {
  test('a small view is rendered once and kept as text', () => {
    let renders = 0;
    const c = new ViewCache(() => { renders++; return '{"a":1}'; }, 100);
    assert.equal(c.json(), '{"a":1}');
    assert.deepEqual(c.body(), { text: '{"a":1}' });
    assert.equal(renders, 1);
  });

  test('a large view answers its text at once, then is kept as a gzip of the same bytes, and is not rendered again', async () => {
    const json = bigJson(5000);
    let renders = 0;
    const c = new ViewCache(() => { renders++; return json; }, 1000);
    assert.equal(c.body().text, json, 'the first answer is the text, not a wait for the compression');
    await c.settled;
    const b = c.body();
    assert.equal(b.text, undefined);
    assert.ok(b.gzip && b.gzip.length < json.length / 5, `gzip ${b.gzip?.length} of ${json.length}`);
    assert.equal(gunzipSync(b.gzip).toString('utf8'), `${json}\n`, 'the gzip ends with a newline, as every JSON answer does');
    assert.equal(c.json(), json, 'the text is the gzip decompressed');
    assert.equal(renders, 1);
  });

  test('adopt keeps a writer\'s rendering unless one is kept already; non-ASCII names survive the gzip', async () => {
    const c = new ViewCache(() => assert.fail('not rendered: adopted'), 10);
    const json = JSON.stringify({ name: 'näme-☃', pods: bigJson(50) });
    c.adopt(json);
    c.adopt('{"other":true}');
    await c.settled;
    assert.equal(c.json(), json);
    assert.ok(c.body().gzip);
  });
});
