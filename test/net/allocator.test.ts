import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Addr, Prefix } from '../../src/net/ip.js';
import { AllocatorError, BlockAllocator, IpAllocator, gatewayOf, type Capacity } from '../../src/net/allocator.js';

const P = (s: string): Prefix => Prefix.parse(s);
const A = (s: string): Addr => Addr.parse(s);
const texts = (xs: { toString(): string }[]): string[] => xs.map((x) => x.toString());

/** Asserts that `fn` throws an AllocatorError with `code`, and returns it for further checks. */
function throwsAllocator(fn: () => unknown, code: string): AllocatorError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AllocatorError, `expected AllocatorError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected AllocatorError ${code}, nothing was thrown`);
}

/** What an allocation answers: the text of what it handed out, or the code of the AllocatorError it threw. */
function allocated(fn: () => { toString(): string }): string {
  try {
    return fn().toString();
  } catch (e) {
    return (e as AllocatorError).code;
  }
}

/** What a pin answers: 'ok', or the reason of the AllocatorError it threw. */
function pinned(fn: () => void): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return String((e as AllocatorError).details.reason);
  }
}

interface BlockCase {
  desc: string;
  range: string;
  blockBits: number;
  excluded?: string[];
  pinned?: string[];
  allocate: number;
  want: string[] | string; // the blocks handed out, or the error code
  capacity?: Partial<Capacity>;
}

const blockCases: BlockCase[] = [
  { desc: 'first blocks of an empty range, in order', range: '10.1.0.0/16', blockBits: 24, allocate: 3, want: ['10.1.0.0/24', '10.1.1.0/24', '10.1.2.0/24'], capacity: { total: 256, used: 3, free: 253, excluded: 0 } },
  { desc: 'block as large as the range', range: '10.1.0.0/24', blockBits: 24, allocate: 1, want: ['10.1.0.0/24'], capacity: { total: 1, used: 1, free: 0, utilization: 1 } },
  { desc: 'reserved range in the middle is skipped', range: '10.1.0.0/16', blockBits: 24, excluded: ['10.1.1.0/24'], allocate: 2, want: ['10.1.0.0/24', '10.1.2.0/24'], capacity: { total: 255, excluded: 1 } },
  { desc: 'a small reserved range takes the whole block it touches', range: '10.1.0.0/16', blockBits: 24, excluded: ['10.1.0.128/25'], allocate: 1, want: ['10.1.1.0/24'], capacity: { total: 255, excluded: 1 } },
  { desc: 'a reserved range larger than a block takes all it covers', range: '10.0.0.0/16', blockBits: 24, excluded: ['10.0.0.0/22'], allocate: 1, want: ['10.0.4.0/24'], capacity: { total: 252, excluded: 4 } },
  { desc: 'a service CIDR covering the range leaves nothing', range: '10.96.0.0/16', blockBits: 24, excluded: ['10.96.0.0/12'], allocate: 1, want: 'POD_CIDR_EXHAUSTED', capacity: { total: 0, free: 0, excluded: 256, utilization: 1 } },
  { desc: 'excluded ranges of the other family or outside the range are ignored', range: '10.1.0.0/16', blockBits: 24, excluded: ['fd00::/8', '10.2.0.0/16', '192.168.0.0/24'], allocate: 1, want: ['10.1.0.0/24'], capacity: { total: 256, excluded: 0 } },
  { desc: 'overlapping and adjacent excluded ranges are counted once', range: '10.1.0.0/16', blockBits: 24, excluded: ['10.1.0.0/23', '10.1.1.0/24', '10.1.2.0/24', '10.1.0.5/32'], allocate: 1, want: ['10.1.3.0/24'], capacity: { total: 253, excluded: 3 } },
  { desc: 'pinned blocks are skipped by first-fit', range: '10.1.0.0/16', blockBits: 24, pinned: ['10.1.0.0/24', '10.1.2.0/24'], allocate: 2, want: ['10.1.1.0/24', '10.1.3.0/24'], capacity: { used: 4, free: 252 } },
  { desc: 'exhausted by pins', range: '10.1.0.0/23', blockBits: 24, pinned: ['10.1.0.0/24', '10.1.1.0/24'], allocate: 1, want: 'POD_CIDR_EXHAUSTED' },
  { desc: 'IPv6 /48 into /64s', range: 'fd00:10:1::/48', blockBits: 64, allocate: 3, want: ['fd00:10:1::/64', 'fd00:10:1:1::/64', 'fd00:10:1:2::/64'], capacity: { total: 65536, used: 3, free: 65533 } },
  { desc: 'IPv6 /32 into /64s: 2^32 blocks, none enumerated', range: '2001:db8::/32', blockBits: 64, excluded: ['2001:db8::/48'], allocate: 2, want: ['2001:db8:1::/64', '2001:db8:1:1::/64'], capacity: { total: 2 ** 32 - 65536, used: 2, free: 2 ** 32 - 65538, excluded: 65536 } },
  { desc: 'counts beyond 2^53 are decimal strings', range: '::/0', blockBits: 64, allocate: 1, want: ['::/64'], capacity: { total: '18446744073709551616', used: 1, free: '18446744073709551615' } },
];

describe('BlockAllocator', () => {
  for (const c of blockCases) {
    it(c.desc, () => {
      const alloc = new BlockAllocator(P(c.range), c.blockBits, (c.excluded ?? []).map(P));
      for (const pin of c.pinned ?? []) alloc.occupy(P(pin));
      if (typeof c.want === 'string') {
        const e = throwsAllocator(() => alloc.allocateMany(c.allocate), c.want);
        assert.equal(e.details.range, c.range);
      } else {
        assert.deepEqual(texts(alloc.allocateMany(c.allocate)), c.want);
      }
      if (c.capacity) {
        const cap = alloc.capacity();
        for (const [k, v] of Object.entries(c.capacity)) assert.equal(cap[k as keyof Capacity], v, `capacity.${k}`);
      }
    });
  }

  it('lifecycle: allocate all, exhaust, release all, reallocate the same set', () => {
    const alloc = new BlockAllocator(P('10.1.0.0/20'), 24, [P('10.1.5.0/24')]);
    const first: string[] = [];
    for (let k = 0; k < 15; k++) first.push(alloc.allocateNext().toString());
    assert.equal(new Set(first).size, 15);
    assert.ok(!first.includes('10.1.5.0/24'));
    const e = throwsAllocator(() => alloc.allocateNext(), 'POD_CIDR_EXHAUSTED');
    assert.deepEqual(
      { total: e.details.total, used: e.details.used, free: e.details.free, excluded: e.details.excluded },
      { total: 15, used: 15, free: 0, excluded: 1 },
    );
    assert.match(e.message, /no free \/24 block left in 10\.1\.0\.0\/20/);
    for (const b of first) assert.equal(alloc.release(P(b)), true);
    assert.deepEqual(alloc.capacity(), { total: 15, used: 0, free: 15, excluded: 1, utilization: 0 });
    const second: string[] = [];
    for (let k = 0; k < 15; k++) second.push(alloc.allocateNext().toString());
    assert.deepEqual(second, first);
  });

  it('first-fit after release reuses the lowest hole', () => {
    const alloc = new BlockAllocator(P('10.1.0.0/16'), 24);
    const blocks = alloc.allocateMany(10);
    alloc.release(P('10.1.7.0/24'));
    alloc.release(P('10.1.3.0/24'));
    assert.equal(alloc.allocateNext().toString(), '10.1.3.0/24');
    assert.equal(alloc.allocateNext().toString(), '10.1.7.0/24');
    assert.equal(alloc.allocateNext().toString(), '10.1.10.0/24');
    assert.equal(blocks.length, 10);
  });

  it('allocateMany takes nothing when it cannot take all', () => {
    const alloc = new BlockAllocator(P('10.1.0.0/22'), 24);
    const e = throwsAllocator(() => alloc.allocateMany(5), 'POD_CIDR_EXHAUSTED');
    assert.equal(e.details.requested, 5);
    assert.equal(alloc.capacity().used, 0);
    assert.equal(alloc.allocateMany(4).length, 4);
  });

  interface PinCase {
    desc: string;
    pin: string;
    reason: string;
    message: string;
  }
  const pinCases: PinCase[] = [
    { desc: 'outside the cluster range', pin: '10.2.0.0/24', reason: 'OUTSIDE_RANGE', message: 'pod CIDR 10.2.0.0/24 is not inside the cluster range 10.1.0.0/16' },
    { desc: 'larger than the range', pin: '10.0.0.0/8', reason: 'OUTSIDE_RANGE', message: 'pod CIDR 10.0.0.0/8 is not inside the cluster range 10.1.0.0/16' },
    { desc: 'other family', pin: 'fd00::/64', reason: 'OUTSIDE_RANGE', message: 'pod CIDR fd00::/64 is not inside the cluster range 10.1.0.0/16' },
    { desc: 'smaller than the mask size', pin: '10.1.9.0/25', reason: 'WRONG_SIZE', message: 'pod CIDR 10.1.9.0/25 is not a /24 block (the node mask size)' },
    { desc: 'larger than the mask size', pin: '10.1.8.0/23', reason: 'WRONG_SIZE', message: 'pod CIDR 10.1.8.0/23 is not a /24 block (the node mask size)' },
    { desc: 'overlapping a reserved range', pin: '10.1.255.0/24', reason: 'EXCLUDED', message: 'pod CIDR 10.1.255.0/24 overlaps the reserved range 10.1.255.128/25' },
    { desc: 'already allocated', pin: '10.1.0.0/24', reason: 'IN_USE', message: 'pod CIDR 10.1.0.0/24 is already allocated' },
  ];
  for (const c of pinCases) {
    it(`occupy rejects a block ${c.desc}`, () => {
      const alloc = new BlockAllocator(P('10.1.0.0/16'), 24, [P('10.1.255.128/25')]);
      alloc.allocateNext();
      const before = alloc.capacity();
      const e = throwsAllocator(() => alloc.occupy(P(c.pin)), 'POD_CIDR_CONFLICT');
      assert.equal(e.message, c.message);
      assert.equal(e.details.reason, c.reason);
      assert.equal(e.input, c.pin);
      assert.deepEqual(alloc.capacity(), before);
    });
  }

  it('occupy pins a free block, isFree and release follow it', () => {
    const alloc = new BlockAllocator(P('10.1.0.0/16'), 24, [P('10.1.255.0/24')]);
    assert.equal(alloc.isFree(P('10.1.7.0/24')), true);
    alloc.occupy(P('10.1.7.0/24'));
    assert.equal(alloc.isFree(P('10.1.7.0/24')), false);
    assert.equal(alloc.isFree(P('10.1.255.0/24')), false, 'excluded');
    assert.equal(alloc.isFree(P('10.1.8.0/25')), false, 'not a block');
    assert.deepEqual(texts(alloc.allocated()), ['10.1.7.0/24']);
    assert.equal(alloc.release(P('10.1.7.0/24')), true);
    assert.equal(alloc.release(P('10.1.7.0/24')), false, 'second release');
    assert.equal(alloc.release(P('10.1.255.0/24')), false, 'excluded was never allocated');
    assert.equal(alloc.release(P('10.2.0.0/24')), false, 'outside');
    assert.equal(alloc.isFree(P('10.1.7.0/24')), true);
  });

  it('rejects a block length shorter than the range or longer than the address', () => {
    assert.throws(() => new BlockAllocator(P('10.1.0.0/16'), 8), /block length must be between \/16 and \/32/);
    assert.throws(() => new BlockAllocator(P('10.1.0.0/16'), 33));
  });

  // Speed is the benchmark's business (bench/); this checks the results of a k8s-5k-sized sequence.
  it('5,000 sequential allocations in a /11, then churn near the bottom, stay first-fit', (t) => {
    const alloc = new BlockAllocator(P('10.0.0.0/11'), 24, [P('10.0.5.0/24'), P('10.0.200.0/22')]);
    const t0 = performance.now();
    const blocks: Prefix[] = [];
    for (let k = 0; k < 5000; k++) blocks.push(alloc.allocateNext());
    const t1 = performance.now();
    for (const b of blocks.slice(0, 2000)) {
      alloc.release(b);
      assert.equal(alloc.allocateNext().toString(), b.toString());
    }
    const t2 = performance.now();
    assert.equal(blocks[5]?.toString(), '10.0.6.0/24');
    assert.equal(blocks[4999]?.toString(), '10.19.140.0/24');
    assert.equal(alloc.capacity().used, 5000);
    t.diagnostic(`5,000 allocations: ${(t1 - t0).toFixed(0)} ms; 2,000 release/reallocate: ${(t2 - t1).toFixed(0)} ms`);
  });

  it('IPv6 /32 into /64s: thousands of allocations and pins far apart, no enumeration', () => {
    const alloc = new BlockAllocator(P('2001:db8::/32'), 64);
    alloc.occupy(P('2001:db8:ffff:ffff::/64'));
    alloc.occupy(P('2001:db8:8000::/64'));
    const got = alloc.allocateMany(3000);
    assert.equal(got[2999]?.toString(), '2001:db8:0:bb7::/64');
    assert.deepEqual(alloc.capacity(), { total: 2 ** 32, used: 3002, free: 2 ** 32 - 3002, excluded: 0, utilization: 3002 / 2 ** 32 });
  });
});

// A naive reference block allocator: enumerates every block.
class NaiveBlocks {
  readonly blocks: Prefix[];
  readonly used = new Set<string>();
  constructor(
    readonly range: Prefix,
    readonly blockBits: number,
    readonly excluded: Prefix[],
  ) {
    this.blocks = [];
    for (let i = 0n; i < 1n << BigInt(blockBits - range.bits); i++) this.blocks.push(range.subnet(blockBits, i));
  }
  isExcluded(b: Prefix): boolean {
    return this.excluded.some((e) => e.overlaps(b));
  }
  isFree(b: Prefix): boolean {
    return this.blocks.some((x) => x.equals(b)) && !this.used.has(b.toString()) && !this.isExcluded(b);
  }
  allocate(): string {
    const b = this.blocks.find((x) => this.isFree(x));
    if (!b) return 'POD_CIDR_EXHAUSTED';
    this.used.add(b.toString());
    return b.toString();
  }
  occupy(b: Prefix): string {
    if (!this.range.containsPrefix(b)) return 'OUTSIDE_RANGE';
    if (b.bits !== this.blockBits) return 'WRONG_SIZE';
    if (this.isExcluded(b)) return 'EXCLUDED';
    if (this.used.has(b.toString())) return 'IN_USE';
    this.used.add(b.toString());
    return 'ok';
  }
  release(b: Prefix): boolean {
    return this.used.delete(b.toString());
  }
  capacity(): { total: number; used: number; free: number; excluded: number } {
    const excluded = this.blocks.filter((b) => this.isExcluded(b)).length;
    const total = this.blocks.length - excluded;
    return { total, used: this.used.size, free: total - this.used.size, excluded };
  }
}

describe('BlockAllocator against a naive reference (10.0.0.0/20 into /26s)', () => {
  it('agrees on every operation of random sequences', () => {
    const range = P('10.0.0.0/20');
    const near = fc
      .tuple(fc.integer({ min: 0, max: (1 << 13) - 1 }), fc.integer({ min: 17, max: 30 }))
      .map(([off, bits]) => Prefix.from(Addr.from(4, 0x0a000000n + BigInt(off)), bits)); // in or near 10.0.0.0/20
    const excluded = fc.array(fc.oneof(near, fc.constant(P('fd00::/8')), fc.constant(P('10.0.16.0/24'))), { maxLength: 4 });
    const blockIndex = fc.integer({ min: 0, max: 63 }).map((i) => range.subnet(26, BigInt(i)));
    const op = fc.oneof(
      { arbitrary: fc.constant({ kind: 'allocate' as const }), weight: 4 },
      { arbitrary: fc.integer({ min: 1, max: 5 }).map((n) => ({ kind: 'many' as const, n })), weight: 1 },
      { arbitrary: fc.oneof(blockIndex, near).map((p) => ({ kind: 'occupy' as const, p })), weight: 2 },
      { arbitrary: fc.oneof(blockIndex, near).map((p) => ({ kind: 'release' as const, p })), weight: 3 },
    );
    fc.assert(
      fc.property(excluded, fc.array(op, { maxLength: 120 }), (ex, ops) => {
        const real = new BlockAllocator(range, 26, ex);
        const ref = new NaiveBlocks(range, 26, ex);
        for (const o of ops) {
          if (o.kind === 'allocate') {
            assert.equal(allocated(() => real.allocateNext()), ref.allocate());
          } else if (o.kind === 'many') {
            let got: string[];
            const refFree = ref.capacity().free;
            try {
              got = texts(real.allocateMany(o.n));
            } catch (e) {
              got = [(e as AllocatorError).code];
            }
            const want = refFree < o.n ? ['POD_CIDR_EXHAUSTED'] : Array.from({ length: o.n }, () => ref.allocate());
            assert.deepEqual(got, want);
          } else if (o.kind === 'occupy') {
            assert.equal(pinned(() => real.occupy(o.p)), ref.occupy(o.p), `occupy ${o.p.toString()}`);
          } else {
            assert.equal(real.release(o.p), ref.release(o.p), `release ${o.p.toString()}`);
          }
          const cap = real.capacity();
          const want = ref.capacity();
          assert.deepEqual({ total: cap.total, used: cap.used, free: cap.free, excluded: cap.excluded }, want);
        }
        for (const b of ref.blocks) assert.equal(real.isFree(b), ref.isFree(b), `isFree ${b.toString()}`);
        assert.deepEqual(texts(real.allocated()), ref.blocks.filter((b) => ref.used.has(b.toString())).map(String));
      }),
      { numRuns: 300 },
    );
  });
});

// A reference for ranges too large to enumerate: used blocks as a Set of
// indices, lowest free found by walking up from 0, jumping over an excluded
// range's blocks at once. Obvious, and slow only in what is used.
class WalkingBlocks {
  readonly count: bigint;
  readonly used = new Set<bigint>();
  constructor(
    readonly range: Prefix,
    readonly blockBits: number,
    readonly excluded: Prefix[],
  ) {
    this.count = 1n << BigInt(blockBits - range.bits);
  }
  indexOf(b: Prefix): bigint {
    return (b.addr.value - this.range.addr.value) >> BigInt(b.addr.bitLen - this.blockBits);
  }
  excluding(b: Prefix): Prefix | undefined {
    return this.excluded.find((e) => e.overlaps(b));
  }
  allocate(): string {
    for (let i = 0n; i < this.count; i++) {
      const b = this.range.subnet(this.blockBits, i);
      const e = this.excluding(b);
      if (e) {
        if (e.containsPrefix(this.range)) return 'POD_CIDR_EXHAUSTED';
        i = this.indexOf(Prefix.from(e.last, this.blockBits)); // the loop's i++ steps past e
        continue;
      }
      if (!this.used.has(i)) {
        this.used.add(i);
        return b.toString();
      }
    }
    return 'POD_CIDR_EXHAUSTED';
  }
  occupy(b: Prefix): string {
    if (!this.range.containsPrefix(b)) return 'OUTSIDE_RANGE';
    if (b.bits !== this.blockBits) return 'WRONG_SIZE';
    if (this.excluding(b)) return 'EXCLUDED';
    if (this.used.has(this.indexOf(b))) return 'IN_USE';
    this.used.add(this.indexOf(b));
    return 'ok';
  }
  release(b: Prefix): boolean {
    return this.range.containsPrefix(b) && b.bits === this.blockBits && this.used.delete(this.indexOf(b));
  }
}

describe('BlockAllocator on ranges too large to enumerate, against a walking reference', () => {
  // Dense (a bitmap) up to 2^20 blocks, sparse (runs of bigints) beyond: both forms, both families.
  const cases = [
    { range: '10.0.0.0/12', blockBits: 32, form: 'dense IPv4, 2^20 blocks' },
    { range: 'fd00:10::/44', blockBits: 64, form: 'dense IPv6, 2^20 blocks' },
    { range: '10.0.0.0/8', blockBits: 29, form: 'sparse IPv4, 2^21 blocks' },
    { range: 'fd00::/32', blockBits: 64, form: 'sparse IPv6, 2^32 blocks' },
    { range: '::/0', blockBits: 96, form: 'sparse IPv6, 2^96 blocks' },
  ];
  for (const c of cases) {
    it(`${c.form}: ${c.range} into /${c.blockBits}, random sequences`, () => {
      const range = P(c.range);
      const count = 1n << BigInt(c.blockBits - range.bits);
      const hostBits = range.addr.bitLen - c.blockBits;
      // Indices near the bottom (where first-fit works), near the top, and anywhere.
      const index = fc.oneof(fc.bigInt(0n, 40n), fc.bigInt(count - 40n, count - 1n), fc.bigInt(0n, count - 1n));
      const block = index.map((i) => range.subnet(c.blockBits, i));
      const odd = fc.oneof(
        index.map((i) => Prefix.from(Addr.from(range.family, range.addr.value + (i << BigInt(hostBits))), c.blockBits - 1)),
        fc.constant(P(range.family === 4 ? '192.168.0.0/24' : '2001:db8::/64')),
      );
      const excluded = fc.array(
        fc.tuple(fc.bigInt(0n, 48n), fc.integer({ min: 0, max: 6 })).map(([i, extra]) => Prefix.from(range.subnet(c.blockBits, i).addr, c.blockBits - extra)),
        { maxLength: 3 },
      );
      const op = fc.oneof(
        { arbitrary: fc.constant({ kind: 'allocate' as const }), weight: 4 },
        { arbitrary: fc.oneof(block, odd).map((p) => ({ kind: 'occupy' as const, p })), weight: 2 },
        { arbitrary: fc.oneof(block, odd).map((p) => ({ kind: 'release' as const, p })), weight: 3 },
      );
      fc.assert(
        fc.property(excluded, fc.array(op, { maxLength: 80 }), (ex, ops) => {
          const real = new BlockAllocator(range, c.blockBits, ex);
          const ref = new WalkingBlocks(range, c.blockBits, ex);
          for (const o of ops) {
            if (o.kind === 'allocate') {
              assert.equal(allocated(() => real.allocateNext()), ref.allocate());
            } else if (o.kind === 'occupy') {
              assert.equal(pinned(() => real.occupy(o.p)), ref.occupy(o.p), `occupy ${o.p.toString()}`);
            } else {
              assert.equal(real.release(o.p), ref.release(o.p), `release ${o.p.toString()}`);
            }
            assert.equal(real.capacity().used, ref.used.size);
          }
          const want = [...ref.used].sort((a, b) => (a < b ? -1 : 1)).map((i) => range.subnet(c.blockBits, i).toString());
          assert.deepEqual(texts(real.allocated()), want);
          for (const b of real.allocated()) assert.equal(real.isFree(b), false);
        }),
        { numRuns: 60 },
      );
    });
  }
});

describe('gatewayOf', () => {
  it('is the first address after the network address', () => {
    assert.equal(gatewayOf(P('10.1.1.0/24')).toString(), '10.1.1.1');
    assert.equal(gatewayOf(P('fd00:10:1:7::/64')).toString(), 'fd00:10:1:7::1');
    assert.equal(gatewayOf(P('10.1.1.2/31')).toString(), '10.1.1.3');
  });
  it('has no answer for a single-address block', () => {
    assert.throws(() => gatewayOf(P('10.1.1.1/32')), /no address after the network address/);
    assert.throws(() => gatewayOf(P('fd00::1/128')));
  });
});

interface IpCase {
  desc: string;
  block: string;
  pinned?: string[];
  allocate: number;
  want: string[] | 'NODE_POD_CIDR_EXHAUSTED';
  total: number | string;
}

const ipCases: IpCase[] = [
  { desc: 'IPv4 /24 skips network and gateway', block: '10.1.1.0/24', allocate: 2, want: ['10.1.1.2', '10.1.1.3'], total: 253 },
  { desc: 'IPv4 /29: 5 pod IPs, broadcast excluded', block: '10.1.1.8/29', allocate: 5, want: ['10.1.1.10', '10.1.1.11', '10.1.1.12', '10.1.1.13', '10.1.1.14'], total: 5 },
  { desc: 'IPv4 /29: a 6th pod does not get the broadcast', block: '10.1.1.8/29', allocate: 6, want: 'NODE_POD_CIDR_EXHAUSTED', total: 5 },
  { desc: 'IPv4 /30 has exactly one pod IP', block: '10.1.1.4/30', allocate: 1, want: ['10.1.1.6'], total: 1 },
  { desc: 'IPv4 /31 has none (network + gateway)', block: '10.1.1.4/31', allocate: 1, want: 'NODE_POD_CIDR_EXHAUSTED', total: 0 },
  { desc: 'IPv4 /32 has none', block: '10.1.1.4/32', allocate: 1, want: 'NODE_POD_CIDR_EXHAUSTED', total: 0 },
  { desc: 'IPv6 /126: the last address is usable', block: 'fd00::/126', allocate: 2, want: ['fd00::2', 'fd00::3'], total: 2 },
  { desc: 'IPv6 /127 has none', block: 'fd00::/127', allocate: 1, want: 'NODE_POD_CIDR_EXHAUSTED', total: 0 },
  { desc: 'IPv6 /64 counts beyond 2^53 as a string', block: 'fd00:10:1::/64', allocate: 1, want: ['fd00:10:1::2'], total: '18446744073709551614' },
  { desc: 'pins are skipped, lowest free first', block: '10.1.1.0/24', pinned: ['10.1.1.2', '10.1.1.4'], allocate: 2, want: ['10.1.1.3', '10.1.1.5'], total: 253 },
];

describe('IpAllocator', () => {
  for (const c of ipCases) {
    it(c.desc, () => {
      const alloc = new IpAllocator(P(c.block));
      for (const pin of c.pinned ?? []) alloc.occupy(A(pin));
      if (typeof c.want === 'string') {
        const e = throwsAllocator(() => alloc.allocateMany(c.allocate), c.want);
        assert.equal(e.details.block, c.block);
        assert.equal(e.details.total, c.total);
        assert.equal(e.details.free, c.total);
      } else {
        assert.deepEqual(texts(alloc.allocateMany(c.allocate)), c.want);
      }
      assert.equal(alloc.capacity().total, c.total);
    });
  }

  interface PinCase {
    desc: string;
    ip: string;
    reason: string;
  }
  const pinCases: PinCase[] = [
    { desc: 'outside the block', ip: '10.1.2.5', reason: 'OUTSIDE_BLOCK' },
    { desc: 'of the other family', ip: '::ffff:10.1.1.5', reason: 'OUTSIDE_BLOCK' },
    { desc: 'the network address', ip: '10.1.1.0', reason: 'NETWORK_ADDRESS' },
    { desc: 'the gateway', ip: '10.1.1.1', reason: 'GATEWAY' },
    { desc: 'the broadcast address', ip: '10.1.1.255', reason: 'BROADCAST' },
    { desc: 'already allocated', ip: '10.1.1.2', reason: 'IN_USE' },
  ];
  for (const c of pinCases) {
    it(`occupy rejects ${c.desc}`, () => {
      const alloc = new IpAllocator(P('10.1.1.0/24'));
      alloc.allocateNext();
      const e = throwsAllocator(() => alloc.occupy(A(c.ip)), 'POD_IP_CONFLICT');
      assert.equal(e.details.reason, c.reason);
      assert.ok(e.message.startsWith(`pod IP ${A(c.ip).toString()} `), e.message);
      assert.equal(alloc.capacity().used, 1);
    });
  }

  it('names the block in conflict messages', () => {
    const alloc = new IpAllocator(P('10.1.1.0/24'));
    assert.throws(() => alloc.occupy(A('10.1.1.1')), { message: 'pod IP 10.1.1.1 is the gateway of 10.1.1.0/24' });
    assert.throws(() => alloc.occupy(A('10.1.1.255')), { message: 'pod IP 10.1.1.255 is the broadcast address of 10.1.1.0/24' });
  });

  it('IPv6: the last address can be pinned and allocated', () => {
    const alloc = new IpAllocator(P('fd00:10:1::/64'));
    alloc.occupy(A('fd00:10:1::ffff:ffff:ffff:ffff'));
    assert.equal(alloc.isFree(A('fd00:10:1::ffff:ffff:ffff:ffff')), false);
    assert.equal(alloc.allocateNext().toString(), 'fd00:10:1::2');
  });

  it('lifecycle: fill a /26, exhaust, release all, reallocate the same set', () => {
    const alloc = new IpAllocator(P('10.1.1.64/26'));
    const first = texts(alloc.allocateMany(61));
    assert.equal(first[0], '10.1.1.66');
    assert.equal(first[60], '10.1.1.126');
    const e = throwsAllocator(() => alloc.allocateNext(), 'NODE_POD_CIDR_EXHAUSTED');
    assert.deepEqual([e.details.total, e.details.used, e.details.free, e.details.utilization], [61, 61, 0, 1]);
    for (const ip of first) assert.equal(alloc.release(A(ip)), true);
    assert.equal(alloc.capacity().used, 0);
    assert.deepEqual(texts(alloc.allocateMany(61)), first);
  });

  it('release frees the lowest hole for reuse; bad releases return false', () => {
    const alloc = new IpAllocator(P('10.1.1.0/24'));
    alloc.allocateMany(10);
    assert.equal(alloc.release(A('10.1.1.7')), true);
    assert.equal(alloc.release(A('10.1.1.7')), false);
    assert.equal(alloc.release(A('10.1.1.1')), false);
    assert.equal(alloc.release(A('10.2.1.7')), false);
    assert.equal(alloc.release(A('fd00::7')), false);
    assert.equal(alloc.allocateNext().toString(), '10.1.1.7');
    assert.equal(alloc.allocateNext().toString(), '10.1.1.12');
  });

  it('30 allocations into a /24 holding 200 pinned pods fill the holes lowest first', (t) => {
    const alloc = new IpAllocator(P('10.1.1.0/24'));
    for (let k = 0; k < 200; k++) alloc.occupy(A(`10.1.1.${k + 2 + (k >= 100 ? 20 : 0)}`));
    const t0 = performance.now();
    const got = texts(alloc.allocateMany(30));
    const ms = performance.now() - t0;
    assert.deepEqual(got.slice(0, 3), ['10.1.1.102', '10.1.1.103', '10.1.1.104']);
    assert.equal(got[20], '10.1.1.222');
    t.diagnostic(`took ${ms.toFixed(1)} ms`);
  });
});

// A naive reference IP allocator: enumerates every address.
class NaiveIps {
  readonly addrs: Addr[] = [];
  readonly used = new Set<string>();
  constructor(readonly block: Prefix) {
    for (let off = 0n; off < block.size; off++) this.addrs.push(block.first.add(off));
  }
  reason(a: Addr): string {
    if (!this.block.contains(a)) return 'OUTSIDE_BLOCK';
    if (a.equals(this.block.first)) return 'NETWORK_ADDRESS';
    if (a.equals(this.block.first.add(1n))) return 'GATEWAY';
    if (this.block.family === 4 && a.equals(this.block.last)) return 'BROADCAST';
    if (this.used.has(a.toString())) return 'IN_USE';
    return 'ok';
  }
  allocate(): string {
    const a = this.addrs.find((x) => this.reason(x) === 'ok');
    if (!a) return 'NODE_POD_CIDR_EXHAUSTED';
    this.used.add(a.toString());
    return a.toString();
  }
  occupy(a: Addr): string {
    const r = this.reason(a);
    if (r === 'ok') this.used.add(a.toString());
    return r;
  }
  total(): number {
    return this.addrs.filter((a) => !['NETWORK_ADDRESS', 'GATEWAY', 'BROADCAST'].includes(this.reason(a))).length;
  }
}

describe('IpAllocator against a naive reference', () => {
  it('agrees on every operation of random sequences, IPv4 and IPv6, /26 down to /32 and /128', () => {
    const blocks = ['10.9.8.64/26', '10.9.8.0/29', '10.9.8.4/30', '10.9.8.6/31', '10.9.8.7/32', 'fd00::40/122', 'fd00::4/126', 'fd00::6/127', 'fd00::7/128'].map(P);
    const arb = fc.constantFrom(...blocks).chain((block) => {
      const addr = fc.bigInt(-2n, block.size + 1n).map((off) => {
        const v = block.first.value + off;
        return v < 0n ? block.first : Addr.from(block.family, v);
      });
      const op = fc.oneof(
        { arbitrary: fc.constant({ kind: 'allocate' as const }), weight: 4 },
        { arbitrary: addr.map((a) => ({ kind: 'occupy' as const, a })), weight: 2 },
        { arbitrary: addr.map((a) => ({ kind: 'release' as const, a })), weight: 3 },
      );
      return fc.tuple(fc.constant(block), fc.array(op, { maxLength: 100 }));
    });
    fc.assert(
      fc.property(arb, ([block, ops]) => {
        const real = new IpAllocator(block);
        const ref = new NaiveIps(block);
        for (const o of ops) {
          if (o.kind === 'allocate') {
            assert.equal(allocated(() => real.allocateNext()), ref.allocate());
          } else if (o.kind === 'occupy') {
            assert.equal(pinned(() => real.occupy(o.a)), ref.occupy(o.a), `occupy ${o.a.toString()}`);
          } else {
            assert.equal(real.release(o.a), ref.used.delete(o.a.toString()), `release ${o.a.toString()}`);
          }
          const cap = real.capacity();
          assert.deepEqual([cap.total, cap.used, cap.free], [ref.total(), ref.used.size, ref.total() - ref.used.size]);
        }
        for (const a of ref.addrs) assert.equal(real.isFree(a), ref.reason(a) === 'ok', `isFree ${a.toString()}`);
        assert.deepEqual(texts(real.allocated()), ref.addrs.filter((a) => ref.used.has(a.toString())).map(String));
      }),
      { numRuns: 400 },
    );
  });
});
