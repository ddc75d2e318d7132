// The JSON pre-scan (src/api/body.ts): scanJson, which jumps from quote to
// quote in a text without escapes, against scanJsonEachChar, which reads every
// character. Texts from an alphabet of the characters the scan looks at (so
// depth limits, NULs, escapes and unterminated strings all occur), real JSON
// of any shape, and a few cases by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_BODY_DEPTH, scanJson, scanJsonEachChar } from '../../src/api/body.js';

const structural = fc.oneof(
  fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', 'u', '0', 'a', ':', ',', '\u0000', 'é'), maxLength: 200 }),
  // No backslash, no NUL: the texts scanJson jumps through.
  fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '"', 'u', '0', 'a', ':', ',', 'é'), maxLength: 200 }),
);

test('scanJson answers as the character-at-a-time scan on any text', () => {
  fc.assert(fc.property(structural, fc.integer({ min: 0, max: 8 }), (text, depth) => {
    assert.deepEqual(scanJson(text, depth), scanJsonEachChar(text, depth));
  }), { numRuns: 5000 });
});

test('scanJson answers as the character-at-a-time scan on JSON documents', () => {
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), fc.integer({ min: 0, max: 8 }), (value, depth) => {
    const text = JSON.stringify(value);
    assert.deepEqual(scanJson(text, depth), scanJsonEachChar(text, depth));
  }), { numRuns: 2000 });
});

test('scanJson: brackets inside strings do not count, NULs anywhere are refused', () => {
  const ok = { refusal: null };
  assert.deepEqual(scanJson('{"a":"[[[[[[[[[["}', 2), ok);
  assert.deepEqual(scanJson('[[[]]]', 2), { refusal: 'the body nests deeper than 2 levels' });
  assert.deepEqual(scanJson('{"a":"x\\"[[[["}', 1), ok);
  assert.deepEqual(scanJson('{"a":"\\\\u0000"}', 4), ok);
  assert.deepEqual(scanJson('{"a":"\\u0000"}', 4), { refusal: 'the body contains a NUL character (\\u0000)' });
  assert.deepEqual(scanJson('{"a":"\u0000"}', 4), { refusal: 'the body contains a NUL character' });
  assert.deepEqual(scanJson('{"a":1}\u0000', 4), { refusal: 'the body contains a NUL character' });
  assert.deepEqual(scanJson('{"a":"[[[', 1), ok);
  assert.deepEqual(scanJson('['.repeat(MAX_BODY_DEPTH + 1), MAX_BODY_DEPTH), { refusal: `the body nests deeper than ${MAX_BODY_DEPTH} levels` });
});
