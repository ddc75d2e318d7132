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
  private readonly base32: number; // base4 as Addr.int32 holds it
  private readonly perStep4: number; // 1 / step4, exact (a power of two): a product is cheaper than a quotient

  constructor(range: Prefix, blockBits: number) {
    this.family = range.family;
    this.base = range.addr.value;
    this.span = range.size;
    this.shift = BigInt(range.addr.bitLen - blockBits);
    const v4 = this.family === 4;
    this.base4 = v4 ? Number(this.base) : 0;
    this.span4 = v4 ? Number(this.span) : 0;
    this.step4 = v4 ? 2 ** (32 - blockBits) : 0;
    this.base32 = this.base4 | 0;
    this.perStep4 = v4 ? 2 ** (blockBits - 32) : 0;
  }

  /** The network address of block `i` (0 ≤ i < the block count, i < 2^53). */
  valueAt(i: number): bigint {
    return this.family === 4 ? BigInt(this.base4 + i * this.step4) : this.base + (BigInt(i) << this.shift);
  }

  /** IPv4 only: the network address of block `i` as a number (see Addr.fromUint32). */
  uint32At(i: number): number {
    return this.base4 + i * this.step4;
  }

  /** The index of the block holding `a`, or -1 when `a` is outside the range (or of the other family). */
  indexOf(a: Addr): number {
    if (a.family !== this.family) return -1;
    if (this.family === 4) {
      // The offset modulo 2^32: an address below the base wraps to at least 2^32 − base ≥ span.
      const off = (a.int32 - this.base32) >>> 0;
      return off < this.span4 ? Math.floor(off * this.perStep4) : -1;
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
