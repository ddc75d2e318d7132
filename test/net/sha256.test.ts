// The JavaScript SHA-256 behind the tracer's veth names (src/net/sha256.ts)
// against node:crypto: the FIPS 180-4 examples, every length across three
// blocks, random ASCII strings, and the names built from it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { digestByte, hex8, sha256Ascii } from '../../src/net/sha256.js';
import { vethName, vethNameOfOne } from '../../src/net/devices.js';

const hexOf = (d: Int32Array): string => Array.from({ length: 32 }, (_, k) => digestByte(d, k).toString(16).padStart(2, '0')).join('');
const reference = (s: string): string => createHash('sha256').update(s, 'latin1').digest('hex');

test('sha256Ascii: the FIPS 180-4 examples', () => {
  const d = new Int32Array(8);
  assert.ok(sha256Ascii('abc', d));
  assert.equal(hexOf(d), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.ok(sha256Ascii('', d));
  assert.equal(hexOf(d), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.ok(sha256Ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq', d));
  assert.equal(hexOf(d), '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  assert.equal(hex8(d), '248d6a61');
});

test('sha256Ascii agrees with node:crypto at every length across three blocks (0 … 200 bytes)', () => {
  const d = new Int32Array(8);
  for (let n = 0; n <= 200; n++) {
    const s = Array.from({ length: n }, (_, i) => String.fromCharCode(32 + ((i * 7 + n) % 95))).join('');
    assert.ok(sha256Ascii(s, d));
    assert.equal(hexOf(d), reference(s), `length ${n}`);
  }
});

test('sha256Ascii agrees with node:crypto on random ASCII strings (property)', () => {
  const d = new Int32Array(8);
  const ascii = fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c));
  fc.assert(fc.property(fc.string({ unit: ascii, maxLength: 400 }), (s) => {
    assert.ok(sha256Ascii(s, d));
    assert.equal(hexOf(d), reference(s));
  }), { numRuns: 2000 });
});

test('sha256Ascii refuses non-ASCII and leaves the digest as it was; vethNameOfOne then takes node:crypto', () => {
  const d = new Int32Array(8).fill(7);
  assert.equal(sha256Ascii('café', d), false);
  assert.deepEqual([...d], new Array(8).fill(7));
  assert.equal(vethNameOfOne('ns', 'café'), 'veth' + createHash('sha256').update('ns/café').digest('hex').slice(0, 8));
});

test('vethNameOfOne names what vethName (node:crypto) names (property)', () => {
  const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/);
  fc.assert(fc.property(label, label, (ns, name) => {
    assert.equal(vethNameOfOne(ns, name), vethName(ns, name));
    assert.equal(vethNameOfOne(ns, name), 'veth' + reference(`${ns}/${name}`).slice(0, 8));
  }), { numRuns: 1000 });
});
