// clip against the obvious reference: count code points, cut, add '…'.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { clip, quoted, QUOTED_MAX } from '../../src/net/clip.js';

const reference = (s: string, max: number): string => {
  const chars = [...s];
  return chars.length <= max ? s : chars.slice(0, max - 1).join('') + '…';
};

test('clip agrees with the code-point reference, lone surrogates included', () => {
  const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 40 }));
  fc.assert(fc.property(text, fc.integer({ min: 1, max: 45 }), (s, max) => {
    assert.equal(clip(s, max), reference(s, max));
  }), { numRuns: 5000 });
});

test('a pair at the cut is kept whole or dropped whole; a huge input is quoted short', () => {
  assert.equal(clip('ab😀cd', 4), 'ab😀…');
  assert.equal(clip('ab😀cd', 3), 'ab…');
  assert.equal(clip('ab😀', 3), 'ab😀');
  assert.equal(quoted('x'.repeat(5_000_000)), JSON.stringify(`${'x'.repeat(QUOTED_MAX - 1)}…`));
});
