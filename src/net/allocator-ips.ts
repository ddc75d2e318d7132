// First-fit allocation of pod IPs inside one node block (SPEC §2), on the
// same index sets as the blocks; which addresses a pod may hold is podip.ts's.
import { AllocatorError, capacityOf, type Capacity } from './allocator-capacity.js';
import { Grid } from './allocator-grid.js';
import { DENSE_LIMIT, DenseIndexSet, SparseIndexSet } from './allocator-sets.js';
import { Addr, NetError, type Prefix } from './ip.js';
import { podIpProblem } from './podip.js';

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
 * Allocates pod IPs inside one node block, lowest free first, never one that
 * podIpProblem rejects. The unusable addresses are the index set's excluded
 * offsets, so that first-fit skips them without a check per call.
 */
export class IpAllocator {
  readonly block: Prefix;
  private readonly grid: Grid;
  private readonly total: bigint; // usable addresses
  // Exactly one of the two holds the state (offsets from the network address), chosen by the block size.
  private readonly dense: DenseIndexSet | null;
  private readonly sparse: SparseIndexSet | null;

  constructor(block: Prefix) {
    this.block = block;
    this.grid = new Grid(block, block.addr.bitLen);
    const size = block.size;
    const broadcast = block.family === 4 ? size - 1n : -1n;
    if (size <= BigInt(DENSE_LIMIT)) {
      this.dense = new DenseIndexSet(Number(size));
      this.sparse = null;
      this.dense.exclude(0, 1);
      if (broadcast >= 0n) this.dense.exclude(Number(broadcast), Number(broadcast));
      this.total = size - BigInt(this.dense.excludedCount);
    } else {
      this.dense = null;
      this.sparse = new SparseIndexSet(size);
      this.sparse.exclude(0n, 1n);
      if (broadcast >= 0n) this.sparse.exclude(broadcast, broadcast);
      this.total = size - this.sparse.excludedCount;
    }
  }

  /** Takes the lowest free address. Throws AllocatorError 'NODE_POD_CIDR_EXHAUSTED' when none is left. */
  allocateNext(): Addr {
    const family = this.grid.family;
    if (this.dense !== null) {
      const off = this.dense.takeFirst();
      if (off >= 0) return family === 4 ? Addr.fromUint32(this.grid.uint32At(off)) : Addr.fromCanonical(family, this.grid.valueAt(off));
    } else {
      const off = (this.sparse as SparseIndexSet).takeFirst();
      if (off >= 0n) return Addr.fromCanonical(family, this.grid.bigValueAt(off));
    }
    throw this.exhausted(1);
  }

  /** Takes the `n` lowest free addresses, or none (throws 'NODE_POD_CIDR_EXHAUSTED' first). */
  allocateMany(n: number): Addr[] {
    if (BigInt(n) > this.total - BigInt(this.usedCount())) throw this.exhausted(n);
    const out: Addr[] = [];
    for (let k = 0; k < n; k++) out.push(this.allocateNext());
    return out;
  }

  /**
   * Pins `ip`. Throws AllocatorError 'POD_IP_CONFLICT' unless it is in the
   * block, is not the network, gateway or IPv4 broadcast address, and is free.
   */
  occupy(ip: Addr): void {
    if (this.dense !== null) {
      const off = this.grid.indexOf(ip);
      if (off >= 0 && !this.dense.isTaken(off)) {
        this.dense.use(off);
        return;
      }
    } else {
      const off = this.grid.bigIndexOf(ip);
      const sparse = this.sparse as SparseIndexSet;
      if (off >= 0n && !sparse.isTaken(off)) {
        sparse.use(off);
        return;
      }
    }
    const problem = podIpProblem(ip, this.block) ?? { reason: 'IN_USE', message: 'is already allocated' };
    throw new AllocatorError('POD_IP_CONFLICT', ip.toString(), `pod IP ${ip.toString()} ${problem.message}`, {
      ip: ip.toString(),
      block: this.block.toString(),
      reason: problem.reason,
    });
  }

  /** Frees `ip`. Returns false (and changes nothing) when it was not allocated here. */
  release(ip: Addr): boolean {
    if (this.dense !== null) {
      const off = this.grid.indexOf(ip);
      return off >= 0 && this.dense.release(off);
    }
    const off = this.grid.bigIndexOf(ip);
    return off >= 0n && (this.sparse as SparseIndexSet).release(off);
  }

  /** True when `ip` is a usable address of the block and not allocated. */
  isFree(ip: Addr): boolean {
    if (this.dense !== null) {
      const off = this.grid.indexOf(ip);
      return off >= 0 && !this.dense.isTaken(off);
    }
    const off = this.grid.bigIndexOf(ip);
    return off >= 0n && !(this.sparse as SparseIndexSet).isTaken(off);
  }

  /** The allocated addresses, lowest first. */
  allocated(): Addr[] {
    const family = this.grid.family;
    if (this.dense !== null) return this.dense.usedIndices().map((off) => Addr.fromCanonical(family, this.grid.valueAt(off)));
    return (this.sparse as SparseIndexSet).usedIndices().map((off) => Addr.fromCanonical(family, this.grid.bigValueAt(off)));
  }

  capacity(): Capacity {
    return capacityOf(this.total, this.usedCount(), 0n);
  }

  private usedCount(): number {
    return this.dense !== null ? this.dense.usedCount : (this.sparse as SparseIndexSet).usedCount;
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
