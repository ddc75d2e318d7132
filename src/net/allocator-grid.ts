// Index arithmetic of a range cut into equal blocks: block i's network
// address, and the block an address falls in. IPv4 runs on plain numbers
// (exact below 2^53); IPv6 needs bigints for the addresses, not for the indices.
import type { Addr, Family, Prefix } from './ip.js';

/** The 2^(blockBits − range.bits) blocks of length `blockBits` in `range`, by index (pod IPs: blockBits = address length). */
export class Grid {
  readonly family: Family;
  private readonly base: bigint; // the range's network address
  private readonly span: bigint; // addresses in the range
  private readonly shift: bigint; // host bits of one block
  private readonly base4: number; // the same three as numbers, IPv4 only
  private readonly span4: number;
  private readonly step4: number;

  constructor(range: Prefix, blockBits: number) {
    this.family = range.family;
    this.base = range.addr.value;
    this.span = range.size;
    this.shift = BigInt(range.addr.bitLen - blockBits);
    const v4 = this.family === 4;
    this.base4 = v4 ? Number(this.base) : 0;
    this.span4 = v4 ? Number(this.span) : 0;
    this.step4 = v4 ? 2 ** (32 - blockBits) : 0;
  }

  /** The network address of block `i` (0 ≤ i < the block count, i < 2^53). */
  valueAt(i: number): bigint {
    return this.family === 4 ? BigInt(this.base4 + i * this.step4) : this.base + (BigInt(i) << this.shift);
  }

  /** The index of the block holding `a`, or -1 when `a` is outside the range (or of the other family). */
  indexOf(a: Addr): number {
    if (a.family !== this.family) return -1;
    if (this.family === 4) {
      const off = Number(a.value) - this.base4;
      return off >= 0 && off < this.span4 ? Math.floor(off / this.step4) : -1;
    }
    const off = a.value - this.base;
    return off >= 0n && off < this.span ? Number(off >> this.shift) : -1;
  }

  /** As valueAt, for indices of any size. */
  bigValueAt(i: bigint): bigint {
    return this.base + (i << this.shift);
  }

  /** As indexOf, for indices of any size (-1n when outside). */
  bigIndexOf(a: Addr): bigint {
    if (a.family !== this.family) return -1n;
    const off = a.value - this.base;
    return off >= 0n && off < this.span ? off >> this.shift : -1n;
  }
}
