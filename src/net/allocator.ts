// First-fit allocation of node blocks inside a cluster range, and of pod IPs
// inside a node block (SPEC §2). Like Kubernetes' cidrset, but the state is a
// set of sorted, disjoint intervals instead of a bitmap, so an IPv6 /32 split
// into /64s (2^32 blocks) or a /64 of pod IPs (2^64 addresses) costs memory
// and time in proportion to what is used, never to what could be.
import { Addr, NetError, Prefix } from './ip.js';

/**
 * A count as JSON can carry it exactly: a number when it is at most
 * Number.MAX_SAFE_INTEGER (every realistic cluster), otherwise its decimal
 * string (e.g. the 2^64 − 2 pod IPs of an IPv6 /64).
 */
export type Count = number | string;

/**
 * Capacity figures, JSON-ready. `total` is what can ever be handed out
 * (for blocks: 2^(blockBits − rangeBits) minus `excluded`), `free = total − used`,
 * `utilization = used / total` as a ratio in [0, 1] (1 when `total` is 0: nothing
 * can be allocated). `excluded` counts blocks lost to reserved and service
 * ranges (always 0 for pod IPs).
 */
export interface Capacity {
  total: Count;
  used: number;
  free: Count;
  excluded: Count;
  utilization: number;
}

/**
 * An expected allocation outcome that the caller turns into a 409: exhaustion
 * ('POD_CIDR_EXHAUSTED', 'NODE_POD_CIDR_EXHAUSTED', with the capacity figures
 * in `details`) or a pin that cannot be honoured ('POD_CIDR_CONFLICT',
 * 'POD_IP_CONFLICT', with the reason and the conflicting range in `details`).
 */
export class AllocatorError extends NetError {
  readonly details: Record<string, unknown>;

  constructor(code: string, input: string, message: string, details: Record<string, unknown>) {
    super(code, input, message);
    this.name = 'AllocatorError';
    this.details = details;
  }
}

/** Converts an exact count to its JSON-safe form (see Count). */
export function toCount(n: bigint): Count {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

function capacityOf(total: bigint, used: bigint, excluded: bigint): Capacity {
  return {
    total: toCount(total),
    used: Number(used),
    free: toCount(total - used),
    excluded: toCount(excluded),
    utilization: total === 0n ? 1 : Number(used) / Number(total),
  };
}

/**
 * The pods' gateway in `block`: its first usable address, network + 1
 * (`10.1.1.1` for `10.1.1.0/24`). Throws NetError 'INVALID_PREFIX' for a
 * single-address block (/32, /128), which has no room for one.
 */
export function gatewayOf(block: Prefix): Addr {
  if (block.bits === block.addr.bitLen) {
    throw new NetError('INVALID_PREFIX', block.toString(), `gatewayOf(${JSON.stringify(block.toString())}): block has no address after the network address`);
  }
  return block.first.add(1n);
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
  private readonly shift: bigint; // host bits of a block
  private readonly excludedBlocks = new IntervalSet();
  private readonly used = new IntervalSet();
  private cursor = 0n; // every block below it is used or excluded

  /** Throws NetError 'INVALID_PREFIX' unless range.bits <= blockBits <= the address length. */
  constructor(range: Prefix, blockBits: number, excluded: readonly Prefix[] = []) {
    if (!Number.isInteger(blockBits) || blockBits < range.bits || blockBits > range.addr.bitLen) {
      throw new NetError('INVALID_PREFIX', range.toString(), `BlockAllocator(${JSON.stringify(range.toString())}, ${blockBits}): block length must be between /${range.bits} and /${range.addr.bitLen}`);
    }
    this.range = range;
    this.blockBits = blockBits;
    this.blockCount = 1n << BigInt(blockBits - range.bits);
    this.shift = BigInt(range.addr.bitLen - blockBits);
    this.excluded = excluded.filter((e) => e.overlaps(range));
    const spans = this.excluded.map((e) => this.blockSpan(e)).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (const [lo, hi] of spans) this.excludedBlocks.addRange(lo, hi);
  }

  /** Takes the lowest free block. Throws AllocatorError 'POD_CIDR_EXHAUSTED' when none is left. */
  allocateNext(): Prefix {
    const i = this.firstFree();
    if (i === null) throw this.exhausted(1);
    this.used.add(i);
    this.cursor = i + 1n;
    return this.blockAt(i);
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
    const conflict = this.conflictOf(block);
    if (conflict) {
      throw new AllocatorError('POD_CIDR_CONFLICT', block.toString(), `pod CIDR ${block.toString()} ${conflict.message}`, {
        block: block.toString(),
        range: this.range.toString(),
        reason: conflict.reason,
        conflictsWith: conflict.with,
      });
    }
    this.used.add(this.indexOf(block));
  }

  /** Frees `block`. Returns false (and changes nothing) when it was not an allocated block of this allocator. */
  release(block: Prefix): boolean {
    if (!this.isBlock(block)) return false;
    const i = this.indexOf(block);
    if (!this.used.has(i)) return false;
    this.used.delete(i);
    if (i < this.cursor) this.cursor = i;
    return true;
  }

  /** True when `block` is a block of this allocator that is neither used nor excluded. */
  isFree(block: Prefix): boolean {
    if (!this.isBlock(block)) return false;
    const i = this.indexOf(block);
    return !this.used.has(i) && !this.excludedBlocks.has(i);
  }

  /** The used blocks, lowest first. */
  allocated(): Prefix[] {
    return this.used.values().map((i) => this.blockAt(i));
  }

  capacity(): Capacity {
    return capacityOf(this.blockCount - this.excludedBlocks.size, this.used.size, this.excludedBlocks.size);
  }

  private freeCount(): bigint {
    return this.blockCount - this.excludedBlocks.size - this.used.size;
  }

  private firstFree(): bigint | null {
    let i = this.cursor;
    for (;;) {
      const afterExcluded = this.excludedBlocks.endOfRunAt(i);
      if (afterExcluded !== null) {
        i = afterExcluded + 1n;
        continue;
      }
      const afterUsed = this.used.endOfRunAt(i);
      if (afterUsed !== null) {
        i = afterUsed + 1n;
        continue;
      }
      return i < this.blockCount ? i : null;
    }
  }

  private isBlock(p: Prefix): boolean {
    return p.bits === this.blockBits && this.range.contains(p.addr);
  }

  private indexOf(block: Prefix): bigint {
    return (block.addr.value - this.range.addr.value) >> this.shift;
  }

  private blockAt(i: bigint): Prefix {
    return this.range.subnet(this.blockBits, i);
  }

  /** Inclusive block indices touched by `e`, which overlaps the range. */
  private blockSpan(e: Prefix): [bigint, bigint] {
    if (e.containsPrefix(this.range)) return [0n, this.blockCount - 1n];
    const base = this.range.addr.value;
    return [(e.first.value - base) >> this.shift, (e.last.value - base) >> this.shift];
  }

  private conflictOf(block: Prefix): { reason: string; message: string; with: string | null } | null {
    const range = this.range.toString();
    if (!this.range.containsPrefix(block)) {
      return { reason: 'OUTSIDE_RANGE', message: `is not inside the cluster range ${range}`, with: range };
    }
    if (block.bits !== this.blockBits) {
      return { reason: 'WRONG_SIZE', message: `is not a /${this.blockBits} block (the node mask size)`, with: null };
    }
    const ex = this.excluded.find((e) => e.overlaps(block));
    if (ex) return { reason: 'EXCLUDED', message: `overlaps the reserved range ${ex.toString()}`, with: ex.toString() };
    if (this.used.has(this.indexOf(block))) {
      return { reason: 'IN_USE', message: 'is already allocated', with: block.toString() };
    }
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

/** Offset of the first pod IP: after the network address (0) and the gateway (1). */
const FIRST_POD_OFFSET = 2n;

/**
 * Allocates pod IPs inside one node block, lowest free first. Never hands out
 * the network address, nor the gateway (network + 1), nor, for IPv4, the
 * broadcast (last) address; for IPv6 the last address is an ordinary one.
 * Usable addresses: IPv4 2^h − 3 for h >= 2 host bits (a /30 has exactly one),
 * else none (/31, /32); IPv6 2^h − 2 for h >= 1 (a /127 or /128 has none).
 */
export class IpAllocator {
  readonly block: Prefix;
  private readonly lastOffset: bigint; // highest usable offset from the network address
  private readonly used = new IntervalSet(); // offsets from the network address
  private cursor = FIRST_POD_OFFSET;

  constructor(block: Prefix) {
    this.block = block;
    this.lastOffset = block.size - (block.family === 4 ? 2n : 1n);
  }

  /** Takes the lowest free address. Throws AllocatorError 'NODE_POD_CIDR_EXHAUSTED' when none is left. */
  allocateNext(): Addr {
    const off = this.firstFree();
    if (off === null) throw this.exhausted(1);
    this.used.add(off);
    this.cursor = off + 1n;
    return this.block.first.add(off);
  }

  /** Takes the `n` lowest free addresses, or none (throws 'NODE_POD_CIDR_EXHAUSTED' first). */
  allocateMany(n: number): Addr[] {
    if (BigInt(n) > this.totalCount() - this.used.size) throw this.exhausted(n);
    const out: Addr[] = [];
    for (let k = 0; k < n; k++) out.push(this.allocateNext());
    return out;
  }

  /**
   * Pins `ip`. Throws AllocatorError 'POD_IP_CONFLICT' unless it is in the
   * block, is not the network, gateway or IPv4 broadcast address, and is free.
   */
  occupy(ip: Addr): void {
    const conflict = this.conflictOf(ip);
    if (conflict) {
      throw new AllocatorError('POD_IP_CONFLICT', ip.toString(), `pod IP ${ip.toString()} ${conflict.message}`, {
        ip: ip.toString(),
        block: this.block.toString(),
        reason: conflict.reason,
      });
    }
    this.used.add(this.offsetOf(ip));
  }

  /** Frees `ip`. Returns false (and changes nothing) when it was not allocated here. */
  release(ip: Addr): boolean {
    if (!this.block.contains(ip)) return false;
    const off = this.offsetOf(ip);
    if (!this.used.has(off)) return false;
    this.used.delete(off);
    if (off < this.cursor) this.cursor = off;
    return true;
  }

  /** True when `ip` is a usable address of the block and not allocated. */
  isFree(ip: Addr): boolean {
    return this.conflictOf(ip) === null;
  }

  /** The allocated addresses, lowest first. */
  allocated(): Addr[] {
    return this.used.values().map((off) => this.block.first.add(off));
  }

  capacity(): Capacity {
    return capacityOf(this.totalCount(), this.used.size, 0n);
  }

  private totalCount(): bigint {
    const n = this.lastOffset - FIRST_POD_OFFSET + 1n;
    return n > 0n ? n : 0n;
  }

  private firstFree(): bigint | null {
    let off = this.cursor;
    const end = this.used.endOfRunAt(off);
    if (end !== null) off = end + 1n; // used offsets form runs; one jump clears a run
    return off <= this.lastOffset ? off : null;
  }

  private offsetOf(ip: Addr): bigint {
    return ip.value - this.block.addr.value;
  }

  private conflictOf(ip: Addr): { reason: string; message: string } | null {
    const block = this.block.toString();
    if (!this.block.contains(ip)) return { reason: 'OUTSIDE_BLOCK', message: `is not inside the node block ${block}` };
    const off = this.offsetOf(ip);
    if (off === 0n) return { reason: 'NETWORK_ADDRESS', message: `is the network address of ${block}` };
    if (off === 1n) return { reason: 'GATEWAY', message: `is the gateway of ${block}` };
    if (off > this.lastOffset) return { reason: 'BROADCAST', message: `is the broadcast address of ${block}` };
    if (this.used.has(off)) return { reason: 'IN_USE', message: 'is already allocated' };
    return null;
  }

  private exhausted(wanted: number): AllocatorError {
    const cap = this.capacity();
    return new AllocatorError(
      'NODE_POD_CIDR_EXHAUSTED',
      this.block.toString(),
      `no free pod IP left in ${this.block.toString()} for ${wanted} more (capacity ${cap.total}, used ${cap.used}, free ${cap.free})`,
      { block: this.block.toString(), requested: wanted, ...cap },
    );
  }
}

/**
 * A set of non-negative bigints kept as sorted, disjoint, non-adjacent
 * inclusive runs [starts[k], ends[k]]. Membership and run lookup are binary
 * searches; adding or deleting one point touches at most two runs.
 */
class IntervalSet {
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
