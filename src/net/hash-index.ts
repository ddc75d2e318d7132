// Compact lookup tables for the per-pod indexes of a datapath. A JavaScript
// Map of 150,000 entries costs ~7 MB (a hash table of 2^18 buckets of boxed
// entries); these hold the same 150,000 entries as int32 slots in 1–2 MB, and
// keep the keys where they already are (the pods themselves).
//
// Both are open addressing with linear probing, at most half full; slots
// hold an item's index + 1 (0 is empty). Nothing is ever removed: a datapath
// is built once and read.

/** FNV-1a over UTF-16 code units, as a uint32. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** Fibonacci hashing of a 32-bit key (spreads consecutive addresses over the table). */
const mix32 = (k: number): number => Math.imul(k, 0x9e3779b1) >>> 0;

const capacityFor = (n: number): number => {
  let c = 16;
  while (c < n * 2) c *= 2;
  return c;
};

/**
 * Items (by index) under a string key that each item has; several items may
 * share a key (pods of one name in several namespaces). The key is read back
 * through `keyOf`, so the table stores no strings. A slot holds the item + 1
 * in its low bits and, above them, bits of the key's hash that its position
 * does not say: a probe that meets another key's item skips it on those
 * bits, mostly without reading that item's key (at 150,000 pods a read of a
 * pod's name is a few cache misses).
 */
export class StringKeyIndex {
  private slots: Int32Array;
  private count = 0;
  /** Bits of a slot holding the item + 1: log2(slots.length), which the item + 1 never reaches (half full at most). */
  private itemBits = 0;

  constructor(private readonly keyOf: (item: number) => string, expected = 0) {
    this.slots = new Int32Array(capacityFor(expected));
    this.itemBits = Math.log2(this.slots.length);
  }

  /** The hash bits a slot keeps beside the item: those above the position's, as many as fit in 31 bits. */
  private tagOf(hash: number): number {
    const b = this.itemBits;
    return b >= 31 ? 0 : ((hash >>> b) & ((1 << (31 - b)) - 1)) << b;
  }

  /** Items 0 … count − 1, all of them, by their key. */
  static of(count: number, keyOf: (item: number) => string): StringKeyIndex {
    const index = new StringKeyIndex(keyOf, count);
    for (let i = 0; i < count; i++) index.add(i);
    return index;
  }

  get size(): number {
    return this.count;
  }

  add(item: number): void {
    if ((this.count + 1) * 2 > this.slots.length) this.grow();
    this.place(this.slots, item, hashString(this.keyOf(item)));
    this.count++;
  }

  /** The items under `key`, in the order they were added. */
  all(key: string): number[] {
    const out: number[] = [];
    const h = hashString(key);
    const mask = this.slots.length - 1;
    const tag = this.tagOf(h);
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = this.slots[i]!;
      if (v === 0) break;
      const item = (v & mask) - 1;
      if ((v & ~mask) === tag && this.keyOf(item) === key) out.push(item);
    }
    // Probing meets them in slot order, which wraps around the table's end.
    return out.length > 1 ? out.sort((a, b) => a - b) : out;
  }

  /** The first-added item under `key` that `match` accepts, or -1 (no array built: one call per pod of an apply). */
  find(key: string, match: (item: number) => boolean): number {
    let best = -1;
    const h = hashString(key);
    const mask = this.slots.length - 1;
    const tag = this.tagOf(h);
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = this.slots[i]!;
      if (v === 0) return best;
      const item = (v & mask) - 1;
      if ((best < 0 || item < best) && (v & ~mask) === tag && this.keyOf(item) === key && match(item)) best = item;
    }
  }

  /** The one item under `key`, or -1 when there is none or several. */
  only(key: string): number {
    let found = -1;
    const h = hashString(key);
    const mask = this.slots.length - 1;
    const tag = this.tagOf(h);
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const v = this.slots[i]!;
      if (v === 0) return found;
      const item = (v & mask) - 1;
      if ((v & ~mask) === tag && this.keyOf(item) === key) {
        if (found >= 0) return -1;
        found = item;
      }
    }
  }

  private place(slots: Int32Array, item: number, hash: number): void {
    const mask = slots.length - 1;
    let i = hash & mask;
    while (slots[i] !== 0) i = (i + 1) & mask;
    slots[i] = (item + 1) | this.tagOf(hash);
  }

  private grow(): void {
    const old = this.slots;
    const mask = old.length - 1;
    this.slots = new Int32Array(old.length * 2);
    this.itemBits = Math.log2(this.slots.length);
    for (const v of old) if (v !== 0) this.place(this.slots, (v & mask) - 1, hashString(this.keyOf((v & mask) - 1)));
  }
}

/** A map from distinct int32 keys (IPv4 addresses) to item indexes. */
export class Int32Map {
  private keys: Int32Array;
  private values: Int32Array;
  private count = 0;

  constructor(expected = 0) {
    const c = capacityFor(expected);
    this.keys = new Int32Array(c);
    this.values = new Int32Array(c);
  }

  get size(): number {
    return this.count;
  }

  /** The item under `key`, or -1. */
  get(key: number): number {
    const mask = this.keys.length - 1;
    for (let i = mix32(key) & mask; ; i = (i + 1) & mask) {
      const v = this.values[i]!;
      if (v === 0) return -1;
      if (this.keys[i] === (key | 0)) return v - 1;
    }
  }

  /** Sets `key` to `item` unless the key is present; answers whether it was set. */
  setIfAbsent(key: number, item: number): boolean {
    if (this.get(key) >= 0) return false;
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    this.place(this.keys, this.values, key | 0, item + 1);
    this.count++;
    return true;
  }

  private place(keys: Int32Array, values: Int32Array, key: number, stored: number): void {
    const mask = keys.length - 1;
    let i = mix32(key) & mask;
    while (values[i] !== 0) i = (i + 1) & mask;
    keys[i] = key;
    values[i] = stored;
  }

  private grow(): void {
    const keys = new Int32Array(this.keys.length * 2);
    const values = new Int32Array(this.keys.length * 2);
    for (let i = 0; i < this.keys.length; i++) if (this.values[i] !== 0) this.place(keys, values, this.keys[i]!, this.values[i]!);
    this.keys = keys;
    this.values = values;
  }
}
