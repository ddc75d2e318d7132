import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Prefix } from '../../src/net/ip.js';
import { AllocatorError, BlockAllocator } from '../../src/net/allocator.js';

const P = (s: string): Prefix => Prefix.parse(s);

/** What a call answers: its value as text, 'ok' for nothing, or the AllocatorError's code and reason. */
function outcome(fn: () => unknown): string {
  try {
    const r = fn();
    return r === undefined ? 'ok' : String(r);
  } catch (e) {
    assert.ok(e instanceof AllocatorError, `expected AllocatorError, got ${String(e)}`);
    return `${e.code} ${String(e.details.reason ?? '')}`;
  }
}

// Dense (bitmap) and sparse (runs of bigints) forms, both families, with excluded ranges near the bottom.
const cases = [
  { range: '10.0.0.0/20', blockBits: 26, excluded: ['10.0.1.0/24', 'fd00::/8'], form: 'dense IPv4' },
  { range: '10.0.0.0/8', blockBits: 29, excluded: ['10.0.0.64/26'], form: 'sparse IPv4, 2^21 blocks' },
  { range: 'fd00:10:1::/48', blockBits: 64, excluded: ['fd00:10:1:4::/63'], form: 'dense IPv6' },
  { range: 'fd00::/32', blockBits: 64, excluded: ['fd00::/62'], form: 'sparse IPv6, 2^32 blocks' },
];

describe('BlockAllocator index API against its Prefix API', () => {
  for (const c of cases) {
    it(`${c.form}: ${c.range} into /${c.blockBits}, random sequences give the same answers and state`, () => {
      const range = P(c.range);
      const excluded = c.excluded.map(P);
      const count = 2 ** (c.blockBits - range.bits);
      const index = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: count - 3, max: count - 1 }));
      const op = fc.oneof(
        { arbitrary: fc.constant({ kind: 'allocate' as const, i: 0 }), weight: 4 },
        { arbitrary: index.map((i) => ({ kind: 'occupy' as const, i })), weight: 2 },
        { arbitrary: index.map((i) => ({ kind: 'release' as const, i })), weight: 3 },
      );
      fc.assert(
        fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
          const byPrefix = new BlockAllocator(range, c.blockBits, excluded);
          const byIndex = new BlockAllocator(range, c.blockBits, excluded);
          for (const o of ops) {
            const block = range.subnet(c.blockBits, BigInt(o.i));
            if (o.kind === 'allocate') {
              assert.equal(outcome(() => byIndex.blockAt(byIndex.allocateIndex())), outcome(() => byPrefix.allocateNext()));
            } else if (o.kind === 'occupy') {
              assert.equal(outcome(() => byIndex.occupyIndex(o.i)), outcome(() => byPrefix.occupy(block)), `occupy ${block.toString()}`);
            } else {
              assert.equal(byIndex.releaseIndex(o.i), byPrefix.release(block), `release ${block.toString()}`);
            }
          }
          assert.deepEqual(byIndex.allocated().map(String), byPrefix.allocated().map(String));
          assert.deepEqual(byIndex.capacity(), byPrefix.capacity());
        }),
        { numRuns: 60 },
      );
    });

    it(`${c.form}: indexOf and blockAt are inverse, and indexOf is -1 for anything not a block of the range`, () => {
      const range = P(c.range);
      const a = new BlockAllocator(range, c.blockBits);
      const count = 2 ** (c.blockBits - range.bits);
      fc.assert(
        fc.property(fc.integer({ min: 0, max: count - 1 }), (i) => {
          const b = a.blockAt(i);
          assert.equal(b.toString(), range.subnet(c.blockBits, BigInt(i)).toString());
          assert.equal(a.indexOf(b), i);
          assert.equal(a.indexOf(P(b.toString())), i);
          assert.equal(a.indexOf(Prefix.from(b.addr, c.blockBits - 1)), -1);
        }),
        { numRuns: 200 },
      );
      const outside = range.family === 4 ? ['192.168.0.0/29', '11.0.0.0/29', 'fd00::/29'] : ['2001:db8::/64', 'fe00::/64', '10.0.0.0/24'];
      for (const s of outside) assert.equal(a.indexOf(P(s)), -1, s);
    });
  }

  it('IPv4 blocks just below, just above and far from the range are not its blocks (offsets wrap modulo 2^32)', () => {
    const cases = [
      { range: '10.1.0.0/16', inside: ['10.1.0.0/24', '10.1.255.0/24'], outside: ['10.0.255.0/24', '10.2.0.0/24', '0.0.0.0/24', '255.255.255.0/24', '138.1.0.0/24'] },
      { range: '192.168.0.0/16', inside: ['192.168.0.0/24', '192.168.255.0/24'], outside: ['192.167.255.0/24', '192.169.0.0/24', '10.0.0.0/24', '64.168.0.0/24'] },
      { range: '0.0.0.0/0', inside: ['0.0.0.0/12', '255.240.0.0/12', '128.0.0.0/12'], outside: [] },
    ];
    for (const c of cases) {
      const range = P(c.range);
      const bits = P(c.inside[0]!).bits;
      const a = new BlockAllocator(range, bits);
      for (const s of c.outside) {
        assert.equal(a.indexOf(P(s)), -1, s);
        assert.equal(a.release(P(s)), false, s);
        assert.equal(outcome(() => a.occupy(P(s))), 'POD_CIDR_CONFLICT OUTSIDE_RANGE', s);
      }
      for (const s of c.inside) {
        assert.equal(a.blockAt(a.indexOf(P(s))).toString(), s);
        assert.equal(outcome(() => a.occupy(P(s))), 'ok', s);
        assert.equal(a.isFree(P(s)), false, s);
        assert.equal(a.release(P(s)), true, s);
      }
      assert.equal(a.capacity().used, 0);
    }
  });

  it('names the conflict of an index pin like occupy does', () => {
    const a = new BlockAllocator(P('10.1.0.0/16'), 24, [P('10.1.1.0/24')]);
    a.occupyIndex(0);
    assert.equal(outcome(() => a.occupyIndex(0)), 'POD_CIDR_CONFLICT IN_USE');
    assert.equal(outcome(() => a.occupyIndex(1)), 'POD_CIDR_CONFLICT EXCLUDED');
    assert.throws(() => a.occupyIndex(1), /pod CIDR 10\.1\.1\.0\/24 overlaps the reserved range 10\.1\.1\.0\/24/);
    assert.equal(a.releaseIndex(1), false, 'an excluded block is not released');
    assert.equal(a.allocateIndex(), 2);
  });

  it('allocateIndex throws POD_CIDR_EXHAUSTED when nothing is left, like allocateNext', () => {
    const a = new BlockAllocator(P('10.1.0.0/23'), 24);
    assert.deepEqual([a.allocateIndex(), a.allocateIndex()], [0, 1]);
    assert.equal(outcome(() => a.allocateIndex()), 'POD_CIDR_EXHAUSTED ');
  });

  it('rejects indices outside the blocks with a RangeError', () => {
    const a = new BlockAllocator(P('10.1.0.0/16'), 24);
    for (const i of [-1, 256, 1.5, NaN, Infinity]) {
      assert.throws(() => a.occupyIndex(i), RangeError, String(i));
      assert.throws(() => a.releaseIndex(i), RangeError, String(i));
      assert.throws(() => a.blockAt(i), RangeError, String(i));
    }
  });

  it('an allocator of more than 2^53 blocks keeps only the Prefix API (blockAt still answers)', () => {
    const a = new BlockAllocator(P('::/0'), 64);
    assert.throws(() => a.allocateIndex(), RangeError);
    assert.throws(() => a.occupyIndex(0), RangeError);
    assert.throws(() => a.indexOf(P('::/64')), RangeError);
    assert.equal(a.blockAt(1).toString(), '0:0:0:1::/64');
    assert.equal(a.allocateNext().toString(), '::/64');
    const exact = new BlockAllocator(P('fd00::/11'), 64); // 2^53 blocks: every index exact
    assert.equal(exact.allocateIndex(), 0);
    assert.equal(exact.indexOf(exact.blockAt(2 ** 53 - 1)), 2 ** 53 - 1);
  });
});
