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
