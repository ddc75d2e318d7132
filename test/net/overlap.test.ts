import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Prefix } from '../../src/net/ip.js';
import { overlappingPairs, overlapsAny } from '../../src/net/overlap.js';

const P = (s: string): { value: Prefix; s: string } => ({ value: Prefix.parse(s), s });
const names = (pairs: [{ s: string }, { s: string }][]): string[] => pairs.map(([a, b]) => `${a.s} ${b.s}`);

describe('overlappingPairs', () => {
  const cases: { desc: string; input: string[]; want: string[] }[] = [
    { desc: 'disjoint prefixes: no pair', input: ['10.0.1.0/24', '10.0.0.0/24', '10.0.2.0/23'], want: [] },
    { desc: 'a block inside a range is paired with it, wider first', input: ['10.0.1.0/24', '10.0.0.0/16'], want: ['10.0.0.0/16 10.0.1.0/24'] },
    { desc: 'two equal blocks under a wider range: each with the range, and with each other', input: ['10.0.0.0/16', '10.0.1.0/24', '10.0.1.0/24'], want: ['10.0.0.0/16 10.0.1.0/24', '10.0.0.0/16 10.0.1.0/24', '10.0.1.0/24 10.0.1.0/24'] },
    { desc: 'IPv4 and IPv6 never overlap', input: ['0.0.0.0/0', '::/0'], want: [] },
  ];
  for (const c of cases) it(c.desc, () => assert.deepEqual(names(overlappingPairs(c.input.map(P))), c.want));

  it('property: every pair overlaps, and every prefix overlapping an earlier one (address order, wider first) is in a pair', () => {
    const arb = fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 20, max: 28 })), { maxLength: 30 }).map((xs) =>
      xs.map(([i, bits], k) => ({ value: Prefix.from(Prefix.parse(`10.0.${i}.0/24`).addr, bits), k })),
    );
    fc.assert(fc.property(arb, (items) => {
      const pairs = overlappingPairs(items);
      for (const [a, b] of pairs) assert.ok(a.value.overlaps(b.value));
      const sorted = [...items].sort((a, b) => a.value.compare(b.value));
      const inPair = new Set(pairs.map(([, b]) => b));
      sorted.forEach((x, i) => {
        if (sorted.slice(0, i).some((y) => y.value.overlaps(x.value))) assert.ok(inPair.has(x), `${x.value.toString()} overlaps an earlier prefix`);
      });
    }), { numRuns: 500 });
  });
});

describe('overlapsAny', () => {
  it('a block inside, around, equal to, or beside a range; other families never', () => {
    const ranges = ['10.0.0.0/16', '10.1.4.0/24', '2001:db8::/32'].map(Prefix.parse);
    const items = ['10.0.3.0/24', '10.1.0.0/16', '10.0.0.0/16', '10.2.0.0/16', '10.1.5.0/24', '0.0.0.0/0', '2001:db8:1::/48', '2001:db9::/32'];
    assert.deepEqual(overlapsAny(items.map(Prefix.parse), ranges), [true, true, true, false, false, true, true, false]);
    assert.deepEqual(overlapsAny(items.map(Prefix.parse), []), items.map(() => false));
  });

  it('property: the same answer as checking every range', () => {
    const prefix = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 16, max: 28 }), fc.boolean()).map(([i, bits, v6]) =>
      v6 ? Prefix.from(Prefix.parse(`2001:db8:0:${i.toString(16)}00::/56`).addr, bits + 40) : Prefix.from(Prefix.parse(`10.0.${i}.0/24`).addr, bits),
    );
    fc.assert(fc.property(fc.array(prefix, { maxLength: 40 }), fc.array(prefix, { maxLength: 15 }), (items, ranges) => {
      assert.deepEqual(overlapsAny(items, ranges), items.map((p) => ranges.some((r) => r.overlaps(p))));
    }));
  });
});
