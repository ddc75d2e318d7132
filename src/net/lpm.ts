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
// insert of a new length.
//
// The `/0` default route is kept apart from the maps: it matches every address
// of its family, needs no key, and being the shortest it is consulted last.
// An IPv4 address never matches an IPv6 prefix (nor `::/0`), and vice versa.
import type { Addr, Family, Prefix } from './ip.js';

export interface Match<V> {
  prefix: Prefix;
  value: V;
}

class FamilyTable<V> {
  readonly bitLen: number;
  /** Prefix length → (network bits → entry). Never holds length 0. */
  private readonly byLength = new Map<number, Map<bigint, Match<V>>>();
  /** Lengths present in byLength, longest first. */
  private lengths: number[] = [];
  /** Parallel to `lengths`: each length's table and key shift, so a probe allocates nothing. */
  private probes: { table: Map<bigint, Match<V>>; shift: bigint }[] = [];
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
      this.probes = this.lengths.map((b) => ({ table: this.byLength.get(b)!, shift: BigInt(this.bitLen - b) }));
    }
    const key = prefix.addr.value >> BigInt(this.bitLen - prefix.bits);
    if (!table.has(key)) this.size++;
    table.set(key, { prefix, value });
  }

  get(prefix: Prefix): Match<V> | null {
    if (prefix.bits === 0) return this.defaultRoute;
    const key = prefix.addr.value >> BigInt(this.bitLen - prefix.bits);
    return this.byLength.get(prefix.bits)?.get(key) ?? null;
  }

  lookup(value: bigint): Match<V> | null {
    for (const p of this.probes) {
      const hit = p.table.get(value >> p.shift);
      if (hit) return hit;
    }
    return this.defaultRoute;
  }

  *matches(value: bigint): Generator<Match<V>> {
    for (const p of this.probes) {
      const hit = p.table.get(value >> p.shift);
      if (hit) yield hit;
    }
    if (this.defaultRoute) yield this.defaultRoute;
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
    return this.table(addr.family).lookup(addr.value);
  }

  /** Every prefix containing `addr`, longest first. */
  matches(addr: Addr): Generator<Match<V>> {
    return this.table(addr.family).matches(addr.value);
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
