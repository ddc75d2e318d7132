// Longest-prefix match over IPv4 and IPv6 prefixes.
//
// Layout: per family, one hash map per prefix length that is present, keyed by
// the prefix's network bits (`addr >> (bitLen − bits)`), plus the lengths in
// descending order. A lookup probes the lengths longest first and stops at the
// first hit. Why not a trie: the tables this project evaluates have very few
// distinct lengths (node blocks, underlay subnets, the default route — three to
// five), so a lookup is a handful of O(1) probes, while a bit-wise trie in JS
// walks up to 32/128 levels of bigint arithmetic. The worst case (every length
// present) is 33/129 probes, still correct. Insertion is O(1) plus a sorted
// insert of a new length. IPv4 keys are numbers (from the address's int32),
// so an IPv4 probe allocates no bigint; IPv6 keys are bigints.
//
// The `/0` default route is kept apart from the maps: it matches every address
// of its family, needs no key, and being the shortest it is consulted last.
// An IPv4 address never matches an IPv6 prefix (nor `::/0`), and vice versa.
import type { Addr, Family, Prefix } from './ip.js';

export interface Match<V> {
  prefix: Prefix;
  value: V;
}

/** An IPv4 key is a number, an IPv6 key a bigint: the network bits of the address. */
type Key = number | bigint;

/** The network bits of `a` above `hostBits` (1 … bitLen − 1 or bitLen). */
function keyOf(a: Addr, hostBits: number): Key {
  return a.family === 4 ? a.int32 >>> hostBits : a.value >> BigInt(hostBits);
}

class FamilyTable<V> {
  readonly bitLen: number;
  /** Prefix length → (network bits → entry). Never holds length 0. */
  private readonly byLength = new Map<number, Map<Key, Match<V>>>();
  /** Lengths present in byLength, longest first. */
  private lengths: number[] = [];
  /** Parallel to `lengths`: each length's table and host bits. */
  private probes: { table: Map<Key, Match<V>>; hostBits: number }[] = [];
  defaultRoute: Match<V> | null = null;
  size = 0;

  constructor(family: Family) {
    this.bitLen = family === 4 ? 32 : 128;
  }

  insert(prefix: Prefix, value: V): void {
    if (prefix.bits === 0) {
      if (!this.defaultRoute) this.size++;
      this.defaultRoute = { prefix, value };
      return;
    }
    let table = this.byLength.get(prefix.bits);
    if (!table) {
      table = new Map();
      this.byLength.set(prefix.bits, table);
      this.lengths = [...this.lengths, prefix.bits].sort((a, b) => b - a);
      this.probes = this.lengths.map((b) => ({ table: this.byLength.get(b)!, hostBits: this.bitLen - b }));
    }
    const key = keyOf(prefix.addr, this.bitLen - prefix.bits);
    if (!table.has(key)) this.size++;
    table.set(key, { prefix, value });
  }

  get(prefix: Prefix): Match<V> | null {
    if (prefix.bits === 0) return this.defaultRoute;
    return this.byLength.get(prefix.bits)?.get(keyOf(prefix.addr, this.bitLen - prefix.bits)) ?? null;
  }

  lookup(a: Addr): Match<V> | null {
    for (const p of this.probes) {
      const hit = p.table.get(keyOf(a, p.hostBits));
      if (hit) return hit;
    }
    return this.defaultRoute;
  }

  *matches(a: Addr): Generator<Match<V>> {
    for (const p of this.probes) {
      const hit = p.table.get(keyOf(a, p.hostBits));
      if (hit) yield hit;
    }
    if (this.defaultRoute) yield this.defaultRoute;
  }

  /** matches(a) into `out` from index 0, longest first; returns how many (no generator: the tracer's hot loop). */
  matchesInto(a: Addr, out: Match<V>[]): number {
    let n = 0;
    for (const p of this.probes) {
      const hit = p.table.get(keyOf(a, p.hostBits));
      if (hit) out[n++] = hit;
    }
    if (this.defaultRoute) out[n++] = this.defaultRoute;
    return n;
  }

  *entries(): Generator<Match<V>> {
    for (const bits of this.lengths) yield* this.byLength.get(bits)!.values();
    if (this.defaultRoute) yield this.defaultRoute;
  }
}

/** A longest-prefix-match table holding one value per prefix, both families. */
export class Lpm<V> {
  private readonly v4 = new FamilyTable<V>(4);
  private readonly v6 = new FamilyTable<V>(6);

  private table(family: Family): FamilyTable<V> {
    return family === 4 ? this.v4 : this.v6;
  }

  /** Adds `prefix → value`, replacing the value of an equal prefix (like `ip route replace`). */
  insert(prefix: Prefix, value: V): void {
    this.table(prefix.family).insert(prefix, value);
  }

  /** The entry for exactly `prefix`, or null. */
  get(prefix: Prefix): Match<V> | null {
    return this.table(prefix.family).get(prefix);
  }

  /** The longest prefix of `addr`'s family containing `addr`, or null. */
  lookup(addr: Addr): Match<V> | null {
    return this.table(addr.family).lookup(addr);
  }

  /** Every prefix containing `addr`, longest first. */
  matches(addr: Addr): Generator<Match<V>> {
    return this.table(addr.family).matches(addr);
  }

  /** matches(addr) written into `out` from index 0; returns how many (`out` may be reused between calls). */
  matchesInto(addr: Addr, out: Match<V>[]): number {
    return this.table(addr.family).matchesInto(addr, out);
  }

  /** All entries (IPv4 first; within a family in no particular order). */
  *entries(): Generator<Match<V>> {
    yield* this.v4.entries();
    yield* this.v6.entries();
  }

  get size(): number {
    return this.v4.size + this.v6.size;
  }
}

/**
 * The reference the fast table is tested against, and the LPM for tables of a
 * handful of entries: scan everything, keep the longest prefix containing
 * `addr`; on equal length the first entry wins.
 */
export function lpmScan<T>(entries: readonly T[], prefixOf: (e: T) => Prefix | null, addr: Addr): T | null {
  let best: T | null = null;
  let bestBits = -1;
  for (const e of entries) {
    const p = prefixOf(e);
    if (p && p.bits > bestBits && p.contains(addr)) {
      best = e;
      bestBits = p.bits;
    }
  }
  return best;
}
