import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Addr, type Family, Prefix } from '../../src/net/ip.js';
import { Lpm, lpmScan } from '../../src/net/lpm.js';

const P = (s: string): Prefix => Prefix.parse(s);
const A = (s: string): Addr => Addr.parse(s);

test('lookup returns the longest containing prefix', () => {
  const t = new Lpm<string>();
  t.insert(P('10.0.0.0/8'), 'eight');
  t.insert(P('10.1.0.0/16'), 'sixteen');
  t.insert(P('10.1.2.0/24'), 'twenty-four');
  assert.equal(t.lookup(A('10.1.2.3'))?.value, 'twenty-four');
  assert.equal(t.lookup(A('10.1.3.3'))?.value, 'sixteen');
  assert.equal(t.lookup(A('10.2.0.1'))?.value, 'eight');
  assert.equal(t.lookup(A('11.0.0.1')), null);
  assert.equal(t.lookup(A('10.1.2.3'))?.prefix.toString(), '10.1.2.0/24');
});

test('the /0 default route matches every address of its own family only', () => {
  const t = new Lpm<string>();
  t.insert(P('0.0.0.0/0'), 'v4 default');
  assert.equal(t.lookup(A('203.0.113.9'))?.value, 'v4 default');
  assert.equal(t.lookup(A('2001:db8::1')), null, 'an IPv6 address never matches 0.0.0.0/0');
  t.insert(P('::/0'), 'v6 default');
  assert.equal(t.lookup(A('2001:db8::1'))?.value, 'v6 default');
  t.insert(P('10.0.0.0/8'), 'ten');
  assert.equal(t.lookup(A('10.0.0.1'))?.value, 'ten', 'a longer prefix beats the default');
  assert.deepEqual([...t.matches(A('10.0.0.1'))].map((m) => m.value), ['ten', 'v4 default']);
});

test('an IPv4 address never matches an IPv6 prefix, even ::ffff:0:0/96', () => {
  const t = new Lpm<string>();
  t.insert(P('::ffff:0:0/96'), 'mapped');
  assert.equal(t.lookup(A('10.0.0.1')), null);
  assert.equal(t.lookup(A('::ffff:10.0.0.1'))?.value, 'mapped');
});

test('inserting an equal prefix replaces its value (like ip route replace)', () => {
  const t = new Lpm<number>();
  t.insert(P('10.1.0.0/16'), 1);
  t.insert(P('10.1.0.0/16'), 2);
  t.insert(P('0.0.0.0/0'), 3);
  t.insert(P('0.0.0.0/0'), 4);
  assert.equal(t.size, 2);
  assert.equal(t.lookup(A('10.1.9.9'))?.value, 2);
  assert.equal(t.lookup(A('8.8.8.8'))?.value, 4);
  assert.equal(t.get(P('10.1.0.0/16'))?.value, 2);
  assert.equal(t.get(P('10.1.0.0/17')), null);
});

test('host routes (/32, /128) match exactly one address', () => {
  const t = new Lpm<string>();
  t.insert(P('10.0.0.1/32'), 'host');
  t.insert(P('fd00::1/128'), 'host6');
  assert.equal(t.lookup(A('10.0.0.1'))?.value, 'host');
  assert.equal(t.lookup(A('10.0.0.2')), null);
  assert.equal(t.lookup(A('fd00::1'))?.value, 'host6');
  assert.equal(t.lookup(A('fd00::2')), null);
});

// ---- against the slow reference -------------------------------------------------

const bitLen = (f: Family): number => (f === 4 ? 32 : 128);

/** Random prefixes of one family, clustered under a few roots so that they nest and collide. */
const prefixArb = (f: Family): fc.Arbitrary<Prefix> => {
  const roots = f === 4 ? [0x0a000000n, 0xc0a80000n, 0n] : [0xfd00n << 112n, 0x20010db8n << 96n, 0n];
  return fc
    .tuple(fc.constantFrom(...roots), fc.bigInt({ min: 0n, max: (1n << 20n) - 1n }), fc.integer({ min: 0, max: bitLen(f) }), fc.integer({ min: 0, max: 30 }))
    .map(([root, noise, bits, shift]) => {
      const v = (root | (noise << BigInt(Math.max(0, bitLen(f) - 8 - shift - 20)))) & ((1n << BigInt(bitLen(f))) - 1n);
      return Prefix.from(Addr.from(f, v), bits);
    });
};

const addrNear = (f: Family, table: Prefix[]): fc.Arbitrary<Addr> =>
  fc.oneof(
    fc.bigInt({ min: 0n, max: (1n << BigInt(bitLen(f))) - 1n }).map((v) => Addr.from(f, v)),
    table.length === 0
      ? fc.constant(Addr.from(f, 0n))
      : fc.tuple(fc.constantFrom(...table), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n })).map(([p, r]) => Addr.from(f, p.addr.value + (r % p.size))),
  );

for (const f of [4, 6] as const) {
  test(`IPv${f}: lookup equals a linear scan for the longest containing prefix (random tables)`, () => {
    fc.assert(
      fc.property(
        fc.array(prefixArb(f), { minLength: 0, maxLength: 40 }).chain((table) =>
          fc.tuple(fc.constant(table), fc.array(addrNear(f, table), { minLength: 1, maxLength: 30 })),
        ),
        ([table, addrs]) => {
          const t = new Lpm<number>();
          // Later inserts replace equal prefixes; the reference keeps the last of each.
          table.forEach((p, i) => t.insert(p, i));
          const entries = table.map((p, i) => ({ p, i })).filter((e) => !table.slice(e.i + 1).some((q) => q.equals(e.p)));
          for (const a of addrs) {
            const want = lpmScan(entries, (e) => e.p, a);
            const got = t.lookup(a);
            assert.equal(got?.value ?? null, want?.i ?? null, `lookup(${a.toString()})`);
            const all = [...t.matches(a)].map((m) => m.prefix.bits);
            assert.deepEqual(all, [...all].sort((x, y) => y - x), 'matches are longest first');
            assert.ok(all.every((bits, k) => k === 0 || bits < all[k - 1]!), 'one match per length');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
}

test('mixed families in one table stay apart', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(prefixArb(4), prefixArb(6)), { maxLength: 30 }), fc.array(fc.oneof(addrNear(4, []), addrNear(6, [])), { minLength: 1, maxLength: 20 }), (table, addrs) => {
      const t = new Lpm<number>();
      table.forEach((p, i) => t.insert(p, i));
      const entries = table.map((p, i) => ({ p, i })).filter((e) => !table.slice(e.i + 1).some((q) => q.equals(e.p)));
      for (const a of addrs) assert.equal(t.lookup(a)?.value ?? null, lpmScan(entries, (e) => e.p, a)?.i ?? null);
    }),
    { numRuns: 200 },
  );
});
