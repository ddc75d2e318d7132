// The state of a first-fit allocator over the indices 0 … count − 1 (block
// indices, or offsets of pod IPs in a block): which are used, which are
// excluded (never handed out), and the lowest that may be free. Two forms of
// the same contract:
// - DenseIndexSet: word bitmaps over plain numbers, for counts up to
//   DENSE_LIMIT (every IPv4 case from a /8 into /28s down, an IPv6 /44 into
//   /64s). Taking the lowest free index starts at a cursor below which
//   everything is taken and skips full words 32 at a time through a summary
//   bitmap (one bit per word), so a hole far above the cursor is found in a
//   few steps; nothing is allocated per call.
// - SparseIndexSet: sorted runs of bigints, for counts a bitmap cannot hold
//   (an IPv6 /32 into /64s, the 2^64 addresses of a /64): memory and time in
//   proportion to what is used, never to what could be.
// Both are tested against a naive reference (test/net/allocator-sets.test.ts).

/** The largest index count kept as a bitmap (128 KiB per allocator at most). */
export const DENSE_LIMIT = 2 ** 20;

/** Set bits of a 32-bit word. */
function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/**
 * Indices 0 … count − 1 (count ≤ DENSE_LIMIT) as bitmaps: `taken` holds
 * used and excluded indices (and the bits past `count` in the last word, so
 * that a scan never hands them out), `excl` the excluded ones alone, and
 * `full` one bit per word of `taken`, set when that word is all ones (and
 * past the last word, likewise never a candidate).
 * Indices given to its methods must be in 0 … count − 1.
 */
export class DenseIndexSet {
  readonly count: number;
  private readonly taken: Int32Array;
  private readonly excl: Int32Array;
  private readonly full: Int32Array;
  private cursor = 0; // every index below it is taken
  private used = 0;
  private excludedN = 0;

  constructor(count: number) {
    this.count = count;
    const words = Math.ceil(count / 32);
    this.taken = new Int32Array(words);
    this.excl = new Int32Array(words);
    this.full = new Int32Array(Math.ceil(words / 32));
    if (words % 32 !== 0) this.full[this.full.length - 1] = ~((1 << (words % 32)) - 1);
    if (count % 32 !== 0) this.setWord(words - 1, ~((1 << (count % 32)) - 1));
  }

  get usedCount(): number {
    return this.used;
  }

  get excludedCount(): number {
    return this.excludedN;
  }

  /** Excludes lo … hi (inclusive, clipped to the set). Only before any index is used. */
  exclude(lo: number, hi: number): void {
    const end = Math.min(hi, this.count - 1);
    for (let i = Math.max(lo, 0); i <= end; ) {
      const w = i >>> 5;
      const from = i & 31;
      const to = Math.min(31, from + (end - i));
      const mask = to === 31 ? ~0 << from : ((1 << (to + 1)) - 1) & (~0 << from);
      this.excludedN += popcount(mask & ~(this.excl[w] as number));
      this.excl[w] = (this.excl[w] as number) | mask;
      this.setWord(w, (this.taken[w] as number) | mask);
      i += to - from + 1;
    }
  }

  /** Takes the lowest free index and returns it; -1 (nothing taken) when none is free. */
  takeFirst(): number {
    const taken = this.taken;
    let w = this.cursor >>> 5;
    if (w >= taken.length) return -1;
    if (taken[w] === -1) {
      w = this.nextNonFullWord(w + 1);
      if (w < 0) {
        this.cursor = taken.length << 5;
        return -1;
      }
    }
    const x = taken[w] as number;
    const bit = ~x & (x + 1); // the lowest zero bit of x, alone
    this.fill(w, x | bit);
    const i = (w << 5) | (31 - Math.clz32(bit));
    this.cursor = i + 1;
    this.used++;
    return i;
  }

  /** The first word at or after `w` with a zero bit, by the summary; -1 when there is none. */
  private nextNonFullWord(w: number): number {
    const full = this.full;
    let s = w >>> 5;
    if (s >= full.length) return -1;
    let x = (full[s] as number) | ((1 << (w & 31)) - 1); // words below w count as full
    while (x === -1) {
      if (++s >= full.length) return -1;
      x = full[s] as number;
    }
    return (s << 5) | (31 - Math.clz32(~x & (x + 1)));
  }

  /** Stores word `w` of `taken` that only gained bits, and marks it full in the summary when it is. */
  private fill(w: number, x: number): void {
    this.taken[w] = x;
    if (x === -1) this.full[w >>> 5] = (this.full[w >>> 5] as number) | (1 << (w & 31));
  }

  /** Stores word `w` of `taken` and keeps its summary bit in step. */
  private setWord(w: number, x: number): void {
    this.taken[w] = x;
    const bit = 1 << (w & 31);
    const s = w >>> 5;
    this.full[s] = x === -1 ? (this.full[s] as number) | bit : (this.full[s] as number) & ~bit;
  }

  /** True when `i` is used or excluded. */
  isTaken(i: number): boolean {
    return ((this.taken[i >>> 5] as number) & (1 << (i & 31))) !== 0;
  }

  isExcluded(i: number): boolean {
    return ((this.excl[i >>> 5] as number) & (1 << (i & 31))) !== 0;
  }

  isUsed(i: number): boolean {
    const w = i >>> 5;
    return ((this.taken[w] as number) & ~(this.excl[w] as number) & (1 << (i & 31))) !== 0;
  }

  /** Marks `i` used; it must be free (not taken). */
  use(i: number): void {
    this.fill(i >>> 5, (this.taken[i >>> 5] as number) | (1 << (i & 31)));
    this.used++;
  }

  /** Marks `i` used when it is free and returns true; false (nothing changed) when it is taken. */
  tryUse(i: number): boolean {
    const w = i >>> 5;
    const x = this.taken[w] as number;
    const bit = 1 << (i & 31);
    if ((x & bit) !== 0) return false;
    this.fill(w, x | bit);
    this.used++;
    return true;
  }

  /** Frees `i`. Returns false (and changes nothing) when it was not used. */
  release(i: number): boolean {
    if (!this.isUsed(i)) return false;
    this.setWord(i >>> 5, (this.taken[i >>> 5] as number) & ~(1 << (i & 31)));
    if (i < this.cursor) this.cursor = i;
    this.used--;
    return true;
  }

  /** The used indices, ascending. */
  usedIndices(): number[] {
    const out: number[] = [];
    for (let w = 0; w < this.taken.length; w++) {
      let x = (this.taken[w] as number) & ~(this.excl[w] as number);
      while (x !== 0) {
        const bit = x & -x;
        const i = (w << 5) | (31 - Math.clz32(bit));
        if (i < this.count) out.push(i);
        x ^= bit;
      }
    }
    return out;
  }
}

/**
 * Indices 0 … count − 1 of any count as sorted runs of bigints, for counts
 * beyond DENSE_LIMIT. Same contract as DenseIndexSet (-1n for "none").
 */
export class SparseIndexSet {
  readonly count: bigint;
  private readonly used = new RunSet();
  private readonly excl = new RunSet();
  private cursor = 0n; // every index below it is taken

  constructor(count: bigint) {
    this.count = count;
  }

  get usedCount(): number {
    return Number(this.used.size);
  }

  get excludedCount(): bigint {
    return this.excl.size;
  }

  /** Excludes lo … hi (inclusive, clipped to the set), in ascending order of `lo`. Only before any index is used. */
  exclude(lo: bigint, hi: bigint): void {
    const end = hi < this.count - 1n ? hi : this.count - 1n;
    const start = lo > 0n ? lo : 0n;
    if (start <= end) this.excl.addRange(start, end);
  }

  takeFirst(): bigint {
    let i = this.cursor;
    for (;;) {
      const afterExcluded = this.excl.endOfRunAt(i);
      if (afterExcluded !== null) {
        i = afterExcluded + 1n;
        continue;
      }
      const afterUsed = this.used.endOfRunAt(i);
      if (afterUsed !== null) {
        i = afterUsed + 1n;
        continue;
      }
      break;
    }
    this.cursor = i;
    if (i >= this.count) return -1n;
    this.used.add(i);
    this.cursor = i + 1n;
    return i;
  }

  isTaken(i: bigint): boolean {
    return this.used.has(i) || this.excl.has(i);
  }

  isExcluded(i: bigint): boolean {
    return this.excl.has(i);
  }

  isUsed(i: bigint): boolean {
    return this.used.has(i);
  }

  use(i: bigint): void {
    this.used.add(i);
  }

  release(i: bigint): boolean {
    if (!this.used.has(i)) return false;
    this.used.delete(i);
    if (i < this.cursor) this.cursor = i;
    return true;
  }

  usedIndices(): bigint[] {
    return this.used.values();
  }
}

/**
 * A set of non-negative bigints kept as sorted, disjoint, non-adjacent
 * inclusive runs [starts[k], ends[k]]. Membership and run lookup are binary
 * searches; adding or deleting one point touches at most two runs.
 */
class RunSet {
  private readonly starts: bigint[] = [];
  private readonly ends: bigint[] = [];
  private count = 0n;

  /** Number of points in the set. */
  get size(): bigint {
    return this.count;
  }

  has(x: bigint): boolean {
    return this.runAt(x) >= 0;
  }

  /** The last point of the run holding `x`, or null when `x` is not in the set. */
  endOfRunAt(x: bigint): bigint | null {
    const k = this.runAt(x);
    return k >= 0 ? (this.ends[k] as bigint) : null;
  }

  /** Adds `x`, which must not be in the set. */
  add(x: bigint): void {
    const k = this.floor(x); // run before x, or -1
    const joinsLeft = k >= 0 && this.ends[k] === x - 1n;
    const joinsRight = k + 1 < this.starts.length && this.starts[k + 1] === x + 1n;
    if (joinsLeft && joinsRight) {
      this.ends[k] = this.ends[k + 1] as bigint;
      this.starts.splice(k + 1, 1);
      this.ends.splice(k + 1, 1);
    } else if (joinsLeft) {
      this.ends[k] = x;
    } else if (joinsRight) {
      this.starts[k + 1] = x;
    } else {
      this.starts.splice(k + 1, 0, x);
      this.ends.splice(k + 1, 0, x);
    }
    this.count++;
  }

  /** Adds the run [lo, hi]; runs must be added in ascending order of `lo`. */
  addRange(lo: bigint, hi: bigint): void {
    const last = this.ends.length - 1;
    if (last >= 0 && lo <= (this.ends[last] as bigint) + 1n) {
      const end = this.ends[last] as bigint;
      if (hi > end) {
        this.count += hi - end;
        this.ends[last] = hi;
      }
      return;
    }
    this.starts.push(lo);
    this.ends.push(hi);
    this.count += hi - lo + 1n;
  }

  /** Deletes `x`, which must be in the set. */
  delete(x: bigint): void {
    const k = this.runAt(x);
    const start = this.starts[k] as bigint;
    const end = this.ends[k] as bigint;
    if (start === end) {
      this.starts.splice(k, 1);
      this.ends.splice(k, 1);
    } else if (x === start) {
      this.starts[k] = x + 1n;
    } else if (x === end) {
      this.ends[k] = x - 1n;
    } else {
      this.starts.splice(k + 1, 0, x + 1n);
      this.ends.splice(k + 1, 0, end);
      this.ends[k] = x - 1n;
    }
    this.count--;
  }

  /** Every point, ascending. Only for sets of a size that fits in memory (used blocks and IPs). */
  values(): bigint[] {
    const out: bigint[] = [];
    for (let k = 0; k < this.starts.length; k++) {
      for (let x = this.starts[k] as bigint; x <= (this.ends[k] as bigint); x++) out.push(x);
    }
    return out;
  }

  /** Index of the run holding `x`, or -1. */
  private runAt(x: bigint): number {
    const k = this.floor(x);
    return k >= 0 && (this.ends[k] as bigint) >= x ? k : -1;
  }

  /** Index of the last run starting at or before `x`, or -1. */
  private floor(x: bigint): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.starts[mid] as bigint) <= x) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
