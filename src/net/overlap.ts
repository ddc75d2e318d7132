// Overlapping prefixes, found by one sort and one sweep: the definition
// reader (pinned blocks against each other and reserved ranges), the
// verifier (node blocks against each other and every excluded range) and the
// reachability classes (blocks that make a node irregular) all ask this.
import type { Prefix } from './ip.js';

/**
 * Pairs `[earlier, later]` of overlapping prefixes (in address order, wider
 * first), in O(n log n): every prefix that overlaps an earlier one is paired
 * with the earlier prefix reaching furthest (prefixes nest or are disjoint,
 * so that one holds it), and also with the one just before it when that is a
 * different prefix it overlaps — so two equal blocks under a wider range are
 * still paired with each other. IPv4 and IPv6 prefixes never overlap.
 */
export function overlappingPairs<T extends { value: Prefix }>(items: readonly T[]): [T, T][] {
  const sorted = [...items].sort((a, b) => a.value.compare(b.value));
  const pairs: [T, T][] = [];
  let holder: T | null = null;
  let prev: T | null = null;
  for (const x of sorted) {
    if (holder && holder.value.family === x.value.family && x.value.addr.value <= holder.value.last.value) {
      pairs.push([holder, x]);
      if (prev && prev !== holder && x.value.addr.value <= prev.value.last.value) pairs.push([prev, x]);
    } else {
      holder = x;
    }
    prev = x;
  }
  return pairs;
}

/**
 * Whether each prefix of `items` overlaps any of `ranges` (IPv4 and IPv6
 * never do), in O((n + m) log m): the ranges sorted by first address with
 * the furthest last address reached so far, so an item overlaps when a range
 * starting at or before it reaches it, or the next range starts inside it.
 */
export function overlapsAny(items: readonly Prefix[], ranges: readonly Prefix[]): boolean[] {
  const byFamily = new Map<number, { starts: bigint[]; reach: bigint[] }>();
  for (const family of [4, 6]) {
    const sorted = ranges.filter((r) => r.family === family).sort((a, b) => a.compare(b));
    const reach: bigint[] = [];
    for (const r of sorted) reach.push(reach.length > 0 && reach[reach.length - 1]! > r.last.value ? reach[reach.length - 1]! : r.last.value);
    byFamily.set(family, { starts: sorted.map((r) => r.addr.value), reach });
  }
  return items.map((p) => {
    const { starts, reach } = byFamily.get(p.family)!;
    const first = p.addr.value;
    // lo: the number of ranges starting at or before the item's first address.
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= first) lo = mid + 1;
      else hi = mid;
    }
    return (lo > 0 && reach[lo - 1]! >= first) || (lo < starts.length && starts[lo]! <= p.last.value);
  });
}
