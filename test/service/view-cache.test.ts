import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { ViewCache, type ViewRenderer } from '../../src/service/view-cache.js';
import { clusterView, clusterViewPieces } from '../../src/service/views.js';
import { buildTopology, randomClusterArb } from '../net/fixtures.js';

const bigJson = (n: number) => JSON.stringify({ pods: Array.from({ length: n }, (_, i) => ({ name: `pod-${i}`, ip: `10.0.${i >> 8}.${i & 255}` })) });

/** A renderer that counts its renderings; `pieces` splits the text in 7 (or none: render whole). */
function renderer(json: string, split: boolean): ViewRenderer & { texts: number; pieceRuns: number } {
  const r = {
    texts: 0,
    pieceRuns: 0,
    text: () => { r.texts++; return json; },
    pieces: () => {
      if (!split) return null;
      r.pieceRuns++;
      const step = Math.ceil(json.length / 7);
      return Array.from({ length: 7 }, (_, i) => json.slice(i * step, (i + 1) * step));
    },
  };
  return r;
}

describe('ViewCache: a view rendered once, kept as text or gzip', () => {
  test('a small view is rendered once and kept as text', async () => {
    const r = renderer('{"a":1}', false);
    const c = new ViewCache(r, 100);
    assert.equal(c.json(), '{"a":1}');
    assert.deepEqual(await c.body(), { text: '{"a":1}' });
    assert.equal(r.texts, 1);
  });

  test('text rendered whole above the threshold answers at once, then is kept as a gzip of the same bytes and a newline', async () => {
    const json = bigJson(5000);
    const r = renderer(json, false);
    const c = new ViewCache(r, 1000);
    assert.equal(c.json(), json, 'the first answer is the text, not a wait for the compression');
    await c.settled;
    const b = await c.body();
    assert.equal(b.text, undefined);
    assert.ok(b.gzip && b.gzip.length < json.length / 5, `gzip ${b.gzip?.length} of ${json.length}`);
    assert.equal(gunzipSync(b.gzip).toString('utf8'), `${json}\n`, 'the gzip ends with a newline, as every JSON answer does');
    assert.equal(c.json(), json, 'the text is the gzip decompressed');
    assert.equal(r.texts, 1);
  });

  test('a large view for a GET is rendered in pieces into gzip, once, however many GETs wait for it', async () => {
    const json = bigJson(5000);
    const r = renderer(json, true);
    const c = new ViewCache(r, 1000);
    const [a, b] = await Promise.all([c.body(), c.body()]);
    assert.ok(a.gzip && b.gzip);
    assert.equal(gunzipSync(a.gzip).toString('utf8'), `${json}\n`);
    assert.equal(r.pieceRuns, 1);
    assert.equal(r.texts, 0, 'never the whole text');
    assert.equal(c.json(), json);
    assert.equal((await c.body()).gzip, a.gzip, 'kept');
  });

  test('adopt keeps a writer\'s rendering unless one is kept already; non-ASCII names survive the gzip', async () => {
    const c = new ViewCache({ text: () => assert.fail('not rendered: adopted'), pieces: () => assert.fail('not rendered: adopted') }, 10);
    const json = JSON.stringify({ name: 'näme-☃', pods: bigJson(50) });
    c.adopt(json);
    c.adopt('{"other":true}');
    await c.settled;
    assert.equal(c.json(), json);
    assert.ok((await c.body()).gzip);
  });
});

describe('clusterViewPieces: the view in pieces, the same bytes as the view whole', () => {
  test('random clusters (every mode and stack), any piece size, with and without a version stamp', () => {
    const stamp = { version: 7n, createdAt: new Date('2026-01-02T03:04:05Z'), updatedAt: new Date('2026-02-03T04:05:06Z') };
    fc.assert(fc.property(randomClusterArb, fc.integer({ min: 1, max: 5 }), fc.boolean(), ({ def }, per, stamped) => {
      // Every node needs an address for its view (the definition reader guarantees one).
      const nodes = def.nodes.filter((n) => (n.addrs ?? []).length > 0);
      const names = new Set(nodes.map((n) => n.name));
      const t = buildTopology({ ...def, nodes, pods: (def.pods ?? []).filter((p) => names.has(p.node)) });
      const row = stamped ? stamp : null;
      const pieces = [...clusterViewPieces(t, { length: t.pods.length, row: (i) => t.pods[i]! }, row, per)];
      assert.equal(pieces.join(''), JSON.stringify(clusterView(t, row)));
    }), { numRuns: 300 });
  });
});
