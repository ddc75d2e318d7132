// The path executor's byte writer (src/api/graphql/json-writer.ts) against the
// obvious reference: Buffer.from(JSON.stringify(x), 'utf8'), for any string
// (controls, quotes, non-ASCII, lone surrogates, long ones), any safe
// integer, and answers long enough to grow the buffer, one after another on
// one writer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { JsonWriter } from '../../src/api/graphql/json-writer.js';

type Piece = { raw: string } | { str: string } | { int: number };

const stringArb = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\u0000', '\u001f', '\u007f', 'é', '\ud800', '\udfff', '😀'), maxLength: 20 }),
  fc.string({ maxLength: 600 }),
);
const pieceArb: fc.Arbitrary<Piece> = fc.oneof(
  stringArb.map((s) => ({ str: s })),
  // raw takes JSON text that is already right: a serialised value
  stringArb.map((s) => ({ raw: JSON.stringify(s) })),
  fc.oneof(fc.integer({ min: -20, max: 20 }), fc.integer(), fc.maxSafeInteger()).map((n) => ({ int: n })),
);

const reference = (pieces: Piece[]): Buffer =>
  Buffer.from(pieces.map((p) => ('raw' in p ? p.raw : JSON.stringify('str' in p ? p.str : p.int))).join(','), 'utf8');

function written(w: JsonWriter, pieces: Piece[]): Buffer {
  w.reset();
  pieces.forEach((p, i) => {
    if (i > 0) w.raw(',');
    if ('raw' in p) w.raw(p.raw);
    else if ('str' in p) w.str(p.str);
    else w.int(p.int);
  });
  return w.take();
}

test('the writer writes exactly the UTF-8 of JSON.stringify, piece after piece, answer after answer', () => {
  const w = new JsonWriter();
  fc.assert(fc.property(fc.array(pieceArb, { maxLength: 60 }), (pieces) => {
    assert.deepEqual(written(w, pieces), reference(pieces));
  }), { numRuns: 2000 });
});

test('an answer far larger than the buffer grows it, and the next answer is whole again', () => {
  const w = new JsonWriter();
  const big: Piece[] = Array.from({ length: 5000 }, (_, i) => (i % 3 === 0 ? { str: `hop-${i}-é` } : i % 3 === 1 ? { int: i * 7919 } : { raw: '{"a":[1,2]}' }));
  assert.deepEqual(written(w, big), reference(big));
  const huge: Piece[] = [{ str: 'x'.repeat(3 * 1024 * 1024) }];
  assert.deepEqual(written(w, huge), reference(huge));
  const small: Piece[] = [{ str: 'node-1' }, { int: 3 }];
  assert.equal(written(w, small).toString(), '"node-1",3');
});

test('a reset drops what an abandoned answer wrote', () => {
  const w = new JsonWriter();
  w.raw('{"data":{"path":');
  w.str('half');
  w.reset();
  w.str('whole');
  assert.equal(w.take().toString(), '"whole"');
});

test('answers handed out stay as they were while later ones are written (they are views of the slab)', () => {
  const w = new JsonWriter();
  fc.assert(fc.property(fc.array(fc.array(pieceArb, { maxLength: 30 }), { minLength: 1, maxLength: 80 }), (answers) => {
    const out = answers.map((pieces) => written(w, pieces));
    // An abandoned answer between two taken ones writes where the next will: it must not reach the earlier ones.
    w.reset();
    w.str('abandoned'.repeat(50));
    answers.forEach((pieces, i) => assert.deepEqual(out[i], reference(pieces), `answer ${i} of ${answers.length}`));
  }), { numRuns: 300 });
  // Past a slab's end, through a grown one and back.
  const kept = Array.from({ length: 400 }, (_, i) => written(w, [{ str: `answer-${i}` }, { int: i }]));
  const big = written(w, [{ str: 'y'.repeat(2 * 1024 * 1024) }]);
  const after = written(w, [{ str: 'after' }]);
  kept.forEach((b, i) => assert.equal(b.toString(), `"answer-${i}",${i}`));
  assert.equal(big.length, 2 * 1024 * 1024 + 2);
  assert.equal(after.toString(), '"after"');
});

test('again() writes the bytes of the answer from a mark once more, across a slab change', () => {
  const w = new JsonWriter();
  fc.assert(fc.property(fc.array(pieceArb, { minLength: 1, maxLength: 20 }), fc.nat(40), (pieces, repeats) => {
    w.reset();
    const at = w.mark();
    pieces.forEach((p, i) => {
      if (i > 0) w.raw(',');
      if ('raw' in p) w.raw(p.raw);
      else if ('str' in p) w.str(p.str);
      else w.int(p.int);
    });
    const n = w.mark() - at;
    for (let r = 0; r < repeats; r++) {
      w.raw(',');
      w.again(at, n);
    }
    const one = reference(pieces).toString();
    assert.equal(w.take().toString(), Array.from({ length: repeats + 1 }, () => one).join(','));
  }), { numRuns: 500 });
});
