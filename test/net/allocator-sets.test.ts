import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DENSE_LIMIT, DenseIndexSet, SparseIndexSet } from '../../src/net/allocator-sets.js';

// The slow, obvious reference: a Set of used indices, a Set of excluded ones,
// and a linear scan from 0 for the lowest free index.
class NaiveIndexSet {
  readonly used = new Set<number>();
  readonly excluded = new Set<number>();
  constructor(readonly count: number) {}
  exclude(lo: number, hi: number): void {
    for (let i = Math.max(lo, 0); i <= Math.min(hi, this.count - 1); i++) this.excluded.add(i);
  }
  isTaken(i: number): boolean {
    return this.used.has(i) || this.excluded.has(i);
  }
  takeFirst(): number {
    for (let i = 0; i < this.count; i++) {
      if (!this.isTaken(i)) {
        this.used.add(i);
        return i;
      }
    }
    return -1;
  }
  release(i: number): boolean {
    return this.used.delete(i);
  }
  usedIndices(): number[] {
    return [...this.used].sort((a, b) => a - b);
  }
}

type Op = { kind: 'take' } | { kind: 'use'; i: number } | { kind: 'release'; i: number } | { kind: 'probe'; i: number };

const scenario = fc.integer({ min: 0, max: 10 }).chain((log) => {
  const count = 2 ** log;
  const index = fc.integer({ min: 0, max: count - 1 });
  const span = fc.tuple(fc.integer({ min: -3, max: count + 3 }), fc.integer({ min: 0, max: 40 })).map(([lo, len]) => [lo, lo + len] as const);
  const op: fc.Arbitrary<Op> = fc.oneof(
    { arbitrary: fc.constant({ kind: 'take' as const }), weight: 4 },
    { arbitrary: index.map((i) => ({ kind: 'use' as const, i })), weight: 2 },
    { arbitrary: index.map((i) => ({ kind: 'release' as const, i })), weight: 3 },
    { arbitrary: index.map((i) => ({ kind: 'probe' as const, i })), weight: 1 },
  );
  return fc.record({ count: fc.constant(count), spans: fc.array(span, { maxLength: 4 }), ops: fc.array(op, { maxLength: 150 }) });
});

describe('index sets against a naive reference', () => {
  it('DenseIndexSet and SparseIndexSet agree with it on every operation (counts 1 … 1024)', () => {
    fc.assert(
      fc.property(scenario, ({ count, spans, ops }) => {
        const ref = new NaiveIndexSet(count);
        const dense = new DenseIndexSet(count);
        const sparse = new SparseIndexSet(BigInt(count));
        for (const [lo, hi] of [...spans].sort((a, b) => a[0] - b[0])) {
          ref.exclude(lo, hi);
          dense.exclude(lo, hi);
          sparse.exclude(BigInt(lo), BigInt(hi));
        }
        assert.equal(dense.excludedCount, ref.excluded.size, 'excluded (dense)');
        assert.equal(sparse.excludedCount, BigInt(ref.excluded.size), 'excluded (sparse)');
        for (const o of ops) {
          if (o.kind === 'take') {
            const want = ref.takeFirst();
            assert.equal(dense.takeFirst(), want, 'takeFirst (dense)');
            assert.equal(sparse.takeFirst(), BigInt(want), 'takeFirst (sparse)');
          } else if (o.kind === 'use') {
            if (ref.isTaken(o.i)) continue; // use() is only for free indices
            ref.used.add(o.i);
            dense.use(o.i);
            sparse.use(BigInt(o.i));
          } else if (o.kind === 'release') {
            const want = ref.release(o.i);
            assert.equal(dense.release(o.i), want, `release ${o.i} (dense)`);
            assert.equal(sparse.release(BigInt(o.i)), want, `release ${o.i} (sparse)`);
          } else {
            const i = o.i;
            const b = BigInt(i);
            const want = [ref.isTaken(i), ref.used.has(i), ref.excluded.has(i)];
            assert.deepEqual([dense.isTaken(i), dense.isUsed(i), dense.isExcluded(i)], want, `probe ${i} (dense)`);
            assert.deepEqual([sparse.isTaken(b), sparse.isUsed(b), sparse.isExcluded(b)], want, `probe ${i} (sparse)`);
          }
          assert.equal(dense.usedCount, ref.used.size);
          assert.equal(sparse.usedCount, ref.used.size);
        }
        assert.deepEqual(dense.usedIndices(), ref.usedIndices());
        assert.deepEqual(sparse.usedIndices(), ref.usedIndices().map(BigInt));
      }),
      { numRuns: 300 },
    );
  });

  it('a dense set filled to DENSE_LIMIT hands out every index once, then none; exclusions across word edges count once', () => {
    const s = new DenseIndexSet(DENSE_LIMIT);
    s.exclude(30, 70);
    s.exclude(64, 64);
    s.exclude(DENSE_LIMIT - 1, DENSE_LIMIT + 5);
    assert.equal(s.excludedCount, 42);
    let n = 0;
    let last = -1;
    for (let i = s.takeFirst(); i >= 0; i = s.takeFirst()) {
      assert.ok(i > last, 'ascending');
      assert.ok(!s.isExcluded(i), `${i} is excluded`);
      last = i;
      n++;
    }
    assert.equal(n, DENSE_LIMIT - 42);
    assert.equal(last, DENSE_LIMIT - 2);
    assert.equal(s.release(31), false, 'excluded, never used');
    assert.equal(s.release(100), true);
    assert.equal(s.takeFirst(), 100);
  });

  it('a dense set of 2^14 (a summary of 16 words): when full, taking returns what was released, lowest first, however far apart', () => {
    const count = 2 ** 14;
    const index = fc.integer({ min: 0, max: count - 1 });
    fc.assert(
      fc.property(fc.uniqueArray(index, { maxLength: 300 }), fc.array(fc.tuple(index, index), { maxLength: 30 }), (released, churn) => {
        const s = new DenseIndexSet(count);
        for (let k = 0; k < count; k++) assert.equal(s.takeFirst(), k);
        assert.equal(s.takeFirst(), -1);
        for (const i of released) assert.equal(s.release(i), true);
        for (const want of [...released].sort((a, b) => a - b)) assert.equal(s.takeFirst(), want);
        assert.equal(s.takeFirst(), -1);
        for (const [a, b] of churn) {
          s.release(a);
          s.release(b);
          const want = a === b ? [a, -1] : [Math.min(a, b), Math.max(a, b)];
          assert.deepEqual([s.takeFirst(), s.takeFirst()], want, `released ${a} and ${b}`);
        }
        assert.equal(s.usedCount, count);
      }),
      { numRuns: 40 },
    );
  });

  it('a dense set smaller than a word never hands out the padding bits', () => {
    for (const count of [1, 2, 4, 8, 16]) {
      const s = new DenseIndexSet(count);
      const got: number[] = [];
      for (let i = s.takeFirst(); i >= 0; i = s.takeFirst()) got.push(i);
      assert.deepEqual(got, Array.from({ length: count }, (_, i) => i), `count ${count}`);
      assert.deepEqual(s.usedIndices(), got);
    }
  });
});
