// First-fit allocation of node blocks inside a cluster range (SPEC §2), with
// Kubernetes' cidrset's three verbs (allocate next, occupy, release) and no
// limit on the mask difference: a word bitmap where the block count allows
// (see DENSE_LIMIT), sorted runs of bigints beyond.
import { AllocatorError, capacityOf, type Capacity } from './allocator-capacity.js';
import { Grid } from './allocator-grid.js';
import { DENSE_LIMIT, DenseIndexSet, SparseIndexSet } from './allocator-sets.js';
import { NetError, Prefix } from './ip.js';

/** The largest block count whose indices are all exact as numbers. */
const MAX_INDEX_COUNT = 2n ** 53n;

interface Conflict {
  reason: 'OUTSIDE_RANGE' | 'WRONG_SIZE' | 'EXCLUDED' | 'IN_USE';
  message: string;
  with: string | null;
}

/**
 * Allocates blocks of length `blockBits` inside `range`, first-fit: the
 * lowest-addressed aligned block that overlaps no used block and no excluded
 * range. Excluded ranges (reserved ranges, the service CIDR) of the other
 * family, or outside `range`, are ignored; a partly overlapping one takes
 * every block it touches.
 */
export class BlockAllocator {
  readonly range: Prefix;
  readonly blockBits: number;
  /** The excluded ranges that matter: same family, overlapping `range`. */
  readonly excluded: readonly Prefix[];
  private readonly blockCount: bigint;
  private readonly indexCount: number; // blockCount as a number, at most 2^53 (see checkIndex)
  // The IPv4 bitmap case, for occupy and release to reach without the grid:
  // `dense` when the range is IPv4, and the range's base (as Addr.int32 holds
  // it), its size and 1 / the block size (exact, a power of two).
  private readonly v4dense: DenseIndexSet | null;
  private readonly base32: number;
  private readonly span4: number;
  private readonly perStep4: number;
  private readonly grid: Grid;
  // Exactly one of the two holds the state, chosen by the block count.
  private readonly dense: DenseIndexSet | null;
  private readonly sparse: SparseIndexSet | null;
  // The last block released (the bitmap case) and its index: a Prefix is an
  // immutable value, so when first-fit hands that block out next (as it does
  // when a release is followed by an allocation below any other free block)
  // it hands out the same object instead of making two more.
  private lastReleased: Prefix | null = null;
  private lastReleasedIndex = -1;

  /** Throws NetError 'INVALID_PREFIX' unless range.bits <= blockBits <= the address length. */
  constructor(range: Prefix, blockBits: number, excluded: readonly Prefix[] = []) {
    if (!Number.isInteger(blockBits) || blockBits < range.bits || blockBits > range.addr.bitLen) {
      throw new NetError('INVALID_PREFIX', range.toString(), `BlockAllocator(${JSON.stringify(range.toString())}, ${blockBits}): block length must be between /${range.bits} and /${range.addr.bitLen}`);
    }
    this.range = range;
    this.blockBits = blockBits;
    this.blockCount = 1n << BigInt(blockBits - range.bits);
    const v4 = range.family === 4;
    this.base32 = v4 ? range.addr.int32 : 0;
    this.span4 = v4 ? Number(range.size) : 0;
    this.perStep4 = v4 ? 2 ** (blockBits - 32) : 0;
    this.indexCount = Number(this.blockCount < MAX_INDEX_COUNT ? this.blockCount : MAX_INDEX_COUNT);
    this.grid = new Grid(range, blockBits);
    this.excluded = excluded.filter((e) => e.overlaps(range));
    const spans = this.excluded.map((e) => this.blockSpan(e)).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    if (this.blockCount <= BigInt(DENSE_LIMIT)) {
      this.dense = new DenseIndexSet(Number(this.blockCount));
      this.sparse = null;
      for (const [lo, hi] of spans) this.dense.exclude(Number(lo), Number(hi));
      this.v4dense = v4 ? this.dense : null;
    } else {
      this.dense = null;
      this.sparse = new SparseIndexSet(this.blockCount);
      this.v4dense = null;
      for (const [lo, hi] of spans) this.sparse.exclude(lo, hi);
    }
  }

  /** Takes the lowest free block. Throws AllocatorError 'POD_CIDR_EXHAUSTED' when none is left. */
  allocateNext(): Prefix {
    const family = this.grid.family;
    if (this.dense !== null) {
      const i = this.dense.takeFirst();
      if (i >= 0) {
        if (i === this.lastReleasedIndex) return this.lastReleased as Prefix;
        return family === 4 ? Prefix.fromUint32(this.grid.uint32At(i), this.blockBits) : Prefix.fromCanonical(family, this.grid.valueAt(i), this.blockBits);
      }
    } else {
      const i = (this.sparse as SparseIndexSet).takeFirst();
      if (i >= 0n) return Prefix.fromCanonical(family, this.grid.bigValueAt(i), this.blockBits);
    }
    throw this.exhausted(1);
  }

  /**
   * Takes the `n` lowest free blocks, or none: throws 'POD_CIDR_EXHAUSTED'
   * (before taking any) when fewer than `n` are free.
   */
  allocateMany(n: number): Prefix[] {
    if (BigInt(n) > this.freeCount()) throw this.exhausted(n);
    const out: Prefix[] = [];
    for (let k = 0; k < n; k++) out.push(this.allocateNext());
    return out;
  }

  /**
   * Pins `block`. Throws AllocatorError 'POD_CIDR_CONFLICT' unless it lies in
   * the range, is exactly a /blockBits (and so aligned), overlaps no excluded
   * range and is not already in use; the message names the conflict.
   */
  occupy(block: Prefix): void {
    const i4 = this.v4Index(block);
    if (i4 >= 0 && (this.v4dense as DenseIndexSet).tryUse(i4)) return;
    if (block.bits === this.blockBits) {
      if (this.dense !== null) {
        const i = this.grid.indexOf(block.addr);
        if (i >= 0 && this.dense.tryUse(i)) return;
      } else {
        const i = this.grid.bigIndexOf(block.addr);
        const sparse = this.sparse as SparseIndexSet;
        if (i >= 0n && !sparse.isTaken(i)) {
          sparse.use(i);
          return;
        }
      }
    }
    const conflict = this.conflictOf(block) as Conflict;
    throw new AllocatorError('POD_CIDR_CONFLICT', block.toString(), `pod CIDR ${block.toString()} ${conflict.message}`, {
      block: block.toString(),
      range: this.range.toString(),
      reason: conflict.reason,
      conflictsWith: conflict.with,
    });
  }

  /**
   * The index API: the same three verbs on block indices, plain numbers with
   * no object per call, for callers that keep blocks as numbers and build a
   * Prefix only when they need one (blockAt). Block i is the range's i-th
   * /blockBits block; indices are exact up to 2^53, so an allocator of more
   * blocks than that (an IPv6 range cut more than 53 bits deeper) throws a
   * RangeError here and keeps only the Prefix API.
   *
   * allocateIndex: takes the lowest free block, as allocateNext, and returns
   * its index. Throws AllocatorError 'POD_CIDR_EXHAUSTED' when none is left.
   */
  allocateIndex(): number {
    if (this.dense !== null) {
      const i = this.dense.takeFirst();
      if (i >= 0) return i;
    } else {
      const sparse = this.indexableSparse();
      const i = sparse.takeFirst();
      if (i >= 0n) return Number(i);
    }
    throw this.exhausted(1);
  }

  /** Pins block `i`, as occupy(blockAt(i)): the same AllocatorError 'POD_CIDR_CONFLICT' when it is excluded or in use. */
  occupyIndex(i: number): void {
    const dense = this.dense;
    // (i | 0) === i: an integer, exactly, for the at most 2^20 indices of a bitmap.
    if (dense !== null && i >= 0 && i < dense.count && (i | 0) === i && dense.tryUse(i)) return;
    this.checkIndex(i);
    if (dense === null) {
      const sparse = this.indexableSparse();
      if (!sparse.isTaken(BigInt(i))) {
        sparse.use(BigInt(i));
        return;
      }
    }
    this.occupy(this.blockAt(i)); // taken: occupy throws the conflict, named
  }

  /** Frees block `i`. Returns false (and changes nothing) when it was not used. */
  releaseIndex(i: number): boolean {
    const dense = this.dense;
    if (dense !== null && i >= 0 && i < dense.count && (i | 0) === i) return dense.release(i);
    this.checkIndex(i);
    return this.indexableSparse().release(BigInt(i));
  }

  /** The index of `block` when it is a /blockBits block of the range, else -1. */
  indexOf(block: Prefix): number {
    if (this.v4dense !== null) return this.v4Index(block);
    if (block.bits !== this.blockBits) return -1;
    if (this.dense !== null) return this.grid.indexOf(block.addr);
    this.indexableSparse();
    return Number(this.grid.bigIndexOf(block.addr));
  }

  /** Block `i` of the range (0 ≤ i < the block count) as a Prefix. */
  blockAt(i: number): Prefix {
    this.checkIndex(i);
    if (this.grid.family === 4) return Prefix.fromUint32(this.grid.uint32At(i), this.blockBits);
    return Prefix.fromCanonical(6, this.grid.valueAt(i), this.blockBits);
  }

  /** Frees `block`. Returns false (and changes nothing) when it was not an allocated block of this allocator. */
  release(block: Prefix): boolean {
    const i4 = this.v4Index(block);
    if (i4 >= 0) return (this.v4dense as DenseIndexSet).release(i4) && this.recycle(i4, block);
    if (block.bits !== this.blockBits) return false;
    if (this.dense !== null) {
      const i = this.grid.indexOf(block.addr);
      return i >= 0 && this.dense.release(i) && this.recycle(i, block);
    }
    const i = this.grid.bigIndexOf(block.addr);
    return i >= 0n && (this.sparse as SparseIndexSet).release(i);
  }

  /** Keeps released block `i` (which `block` is, exactly) for an allocateNext of it; true. */
  private recycle(i: number, block: Prefix): true {
    this.lastReleased = block;
    this.lastReleasedIndex = i;
    return true;
  }

  /** True when `block` is a block of this allocator that is neither used nor excluded. */
  isFree(block: Prefix): boolean {
    if (block.bits !== this.blockBits) return false;
    if (this.dense !== null) {
      const i = this.grid.indexOf(block.addr);
      return i >= 0 && !this.dense.isTaken(i);
    }
    const i = this.grid.bigIndexOf(block.addr);
    return i >= 0n && !(this.sparse as SparseIndexSet).isTaken(i);
  }

  /** The used blocks, lowest first. */
  allocated(): Prefix[] {
    const family = this.grid.family;
    if (this.dense !== null) return this.dense.usedIndices().map((i) => Prefix.fromCanonical(family, this.grid.valueAt(i), this.blockBits));
    return (this.sparse as SparseIndexSet).usedIndices().map((i) => Prefix.fromCanonical(family, this.grid.bigValueAt(i), this.blockBits));
  }

  capacity(): Capacity {
    const excluded = this.excludedCount();
    return capacityOf(this.blockCount - excluded, this.usedCount(), excluded);
  }

  /**
   * The index of `block` in the IPv4 bitmap, or -1 (not a block of this range,
   * or not the IPv4 bitmap case). The offset is taken modulo 2^32: an address
   * below the base wraps to at least 2^32 − base ≥ the range's size.
   */
  private v4Index(block: Prefix): number {
    const u = block.u32; // -1 for IPv6
    if (this.v4dense === null || u < 0 || block.bits !== this.blockBits) return -1;
    const off = ((u | 0) - this.base32) >>> 0;
    return off < this.span4 ? Math.floor(off * this.perStep4) : -1;
  }

  /** Throws a RangeError unless `i` is an index of this allocator's blocks. */
  private checkIndex(i: number): void {
    if (!(i >= 0 && i < this.indexCount && Number.isInteger(i))) {
      throw new RangeError(`BlockAllocator(${this.range.toString()}, /${this.blockBits}): block index ${i} is not in 0 … ${this.blockCount - 1n}`);
    }
  }

  /** The sparse state, for the index API: a RangeError when its indices do not all fit in a number. */
  private indexableSparse(): SparseIndexSet {
    if (this.blockCount > MAX_INDEX_COUNT) {
      throw new RangeError(`BlockAllocator(${this.range.toString()}, /${this.blockBits}): ${this.blockCount} blocks, more than the index API's 2^53`);
    }
    return this.sparse as SparseIndexSet;
  }

  private usedCount(): number {
    return this.dense !== null ? this.dense.usedCount : (this.sparse as SparseIndexSet).usedCount;
  }

  private excludedCount(): bigint {
    return this.dense !== null ? BigInt(this.dense.excludedCount) : (this.sparse as SparseIndexSet).excludedCount;
  }

  private freeCount(): bigint {
    return this.blockCount - this.excludedCount() - BigInt(this.usedCount());
  }

  /** Inclusive block indices touched by `e`, which overlaps the range. */
  private blockSpan(e: Prefix): [bigint, bigint] {
    if (e.containsPrefix(this.range)) return [0n, this.blockCount - 1n];
    return [this.grid.bigIndexOf(e.first), this.grid.bigIndexOf(e.last)];
  }

  /** Why `block` cannot be pinned (the slow path of occupy, for its message), or null. */
  private conflictOf(block: Prefix): Conflict | null {
    const range = this.range.toString();
    if (!this.range.containsPrefix(block)) {
      return { reason: 'OUTSIDE_RANGE', message: `is not inside the cluster range ${range}`, with: range };
    }
    if (block.bits !== this.blockBits) {
      return { reason: 'WRONG_SIZE', message: `is not a /${this.blockBits} block (the node mask size)`, with: null };
    }
    const ex = this.excluded.find((e) => e.overlaps(block));
    if (ex) return { reason: 'EXCLUDED', message: `overlaps the reserved range ${ex.toString()}`, with: ex.toString() };
    if (!this.isFree(block)) return { reason: 'IN_USE', message: 'is already allocated', with: block.toString() };
    return null;
  }

  private exhausted(wanted: number): AllocatorError {
    const cap = this.capacity();
    return new AllocatorError(
      'POD_CIDR_EXHAUSTED',
      this.range.toString(),
      `no free /${this.blockBits} block left in ${this.range.toString()} for ${wanted} more (capacity ${cap.total}, used ${cap.used}, free ${cap.free})`,
      { range: this.range.toString(), blockBits: this.blockBits, requested: wanted, ...cap },
    );
  }
}
