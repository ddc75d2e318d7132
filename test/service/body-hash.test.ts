// The hash an apply remembers a body by, whole (bodyHashOf) and in pieces as
// the unchanged PUT reads it (bodyHasher): the two must agree, or an
// unchanged PUT would never be recognised.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bodyHashOf, bodyHasher } from '../../src/service/clusters.js';

test('bodyHasher over any split of the bytes gives bodyHashOf of the whole, and of its UTF-8 text', () => {
  fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.array(fc.nat(400), { maxLength: 6 }), (text, cuts) => {
    const bytes = Buffer.from(text, 'utf8');
    const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    const h = bodyHasher();
    let from = 0;
    for (const c of [...at, bytes.length]) {
      h.update(bytes.subarray(from, c));
      from = c;
    }
    const d = h.digest();
    assert.equal(d, bodyHashOf(bytes));
    assert.equal(d, bodyHashOf(text));
  }), { numRuns: 300 });
  assert.notEqual(bodyHashOf('{"a":1}'), bodyHashOf('{"a":2}'));
});
