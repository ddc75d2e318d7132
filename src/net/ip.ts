// IP addresses and prefixes as small immutable values, in the manner of Go's
// net/netip: parse at the edge, compare and contain with plain arithmetic on a
// bigint, and print one canonical form. Pure: no I/O, no global caches.

import { formatV4, formatV6, parseAddrText, parseBits } from './ip-text.js';
import { quoted } from './clip.js';

export type Family = 4 | 6;

/**
 * An expected, user-facing failure of the address core. `code` is stable
 * (UPPER_SNAKE) and `input` is the offending text, which `message` quotes:
 * `ParsePrefix("10.0.0.0/33"): prefix length out of range`.
 *
 * Codes used here: 'INVALID_ADDRESS', 'INVALID_PREFIX',
 * 'PREFIX_HOST_BITS_SET', 'FAMILY_MISMATCH'.
 */
export class NetError extends Error {
  readonly code: string;
  readonly input: string;

  constructor(code: string, input: string, message: string) {
    super(message);
    this.name = 'NetError';
    this.code = code;
    this.input = input;
  }
}

const MAX4 = (1n << 32n) - 1n;
const MAX6 = (1n << 128n) - 1n;

const maxOf = (family: Family): bigint => (family === 4 ? MAX4 : MAX6);

/**
 * An IPv4 or IPv6 address. IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) stay
 * IPv6: they are never equal to, nor contained in prefixes of, the IPv4
 * address they embed. Zones (`fe80::1%eth0`) are not supported.
 */
export class Addr {
  /**
   * `int32`: for IPv4, the address as a signed 32-bit number (`int32 >>> 0`
   * is the address), so that index arithmetic (the allocators), comparison
   * and printing need no bigint; 0 for IPv6. Equal addresses have equal
   * fields (deep-equal too).
   */
  private constructor(
    readonly family: Family,
    /** IPv6: the value; IPv4: 0n (the value is `int32`, no bigint held per address). */
    private readonly v6: bigint,
    readonly int32: number,
  ) {}

  /**
   * The address as an unsigned integer of `bitLen` bits. For IPv4 made on
   * each call from `int32` (an IPv4 address holds no bigint: ~24 bytes less
   * per pod IP in memory, and none to allocate when an allocator or a parser
   * makes one); hot IPv4 paths read `int32`.
   */
  get value(): bigint {
    return this.family === 4 ? BigInt(this.int32 >>> 0) : this.v6;
  }

  /**
   * Parses an IPv4 dotted quad (`10.1.2.3`: four decimal fields 0–255, no
   * leading zeros, since `010` is octal to some parsers) or an IPv6 address
   * (`::`, `2001:db8::1`, embedded IPv4 `::ffff:1.2.3.4`, hex in either case).
   * Throws NetError 'INVALID_ADDRESS' quoting the input.
   */
  static parse = (s: string): Addr => settle(parseAddr(s));

  /** As `parse`, but returns null instead of throwing. */
  static tryParse = (s: string): Addr | null => orNull(parseAddr(s));

  /** The address of `family` whose integer value is `value`; throws NetError if it does not fit. */
  static from(family: Family, value: bigint): Addr {
    if (family !== 4 && family !== 6) {
      throw new NetError('INVALID_ADDRESS', String(family), `AddrFrom: unknown family ${String(family)}`);
    }
    if (value < 0n || value > maxOf(family)) {
      throw new NetError('INVALID_ADDRESS', value.toString(), `AddrFrom(${family}, ${value}): value out of range for IPv${family}`);
    }
    return Addr.fromCanonical(family, value);
  }

  /**
   * The address of `family` whose integer value is `value`, unchecked: for
   * callers that computed `value` inside a range they already know (an
   * allocator's i-th pod IP). A value out of the family's range is a bug.
   */
  static fromCanonical(family: Family, value: bigint): Addr {
    return family === 4 ? new Addr(4, 0n, Number(value) | 0) : new Addr(6, value, 0);
  }

  /** The IPv4 address whose value is `u32`, unchecked: an integer in 0 … 2^32 − 1 (no bigint arithmetic). */
  static fromUint32(u32: number): Addr {
    return new Addr(4, 0n, u32 | 0);
  }

  get bitLen(): 32 | 128 {
    return this.family === 4 ? 32 : 128;
  }

  /**
   * Canonical text: dotted quad for IPv4; RFC 5952 for IPv6 (lowercase, no
   * leading zeros, the longest run of two or more zero groups as `::`, the
   * first such run on a tie, and IPv4-mapped addresses as `::ffff:a.b.c.d`).
   */
  toString(): string {
    return this.family === 4 ? formatV4(this.int32 >>> 0) : formatV6(this.v6);
  }

  /** JSON carries the canonical text (a bigint would not serialize). */
  toJSON(): string {
    return this.toString();
  }

  /** Orders IPv4 before IPv6, then by numeric value. Returns -1, 0 or 1. */
  compare(o: Addr): number {
    if (this.family !== o.family) return this.family < o.family ? -1 : 1;
    if (this.family === 4) {
      const a = this.int32 >>> 0;
      const b = o.int32 >>> 0;
      return a < b ? -1 : a > b ? 1 : 0;
    }
    return this.v6 < o.v6 ? -1 : this.v6 > o.v6 ? 1 : 0;
  }

  equals(o: Addr): boolean {
    return this.family === o.family && this.int32 === o.int32 && this.v6 === o.v6;
  }

  /** The address `n` further on (`n` may be negative); throws NetError when leaving the family's range. */
  add(n: bigint): Addr {
    const v = this.value + n;
    if (v < 0n || v > maxOf(this.family)) {
      throw new NetError('INVALID_ADDRESS', this.toString(), `Addr(${quote(this.toString())}).add(${n}): out of range for IPv${this.family}`);
    }
    return Addr.fromCanonical(this.family, v);
  }
}

/**
 * A CIDR prefix, always canonical: the host bits of `addr` are zero. Build
 * one from text with `parse` (which rejects host bits) or from an address with
 * `from` (which masks them off: the explicit canonicalisation step).
 *
 * Containment never crosses families: an IPv4 address is never inside an IPv6
 * prefix, even `::/0` or `::ffff:0:0/96`. `/0` contains every address of its
 * own family.
 */
export class Prefix {
  /**
   * For IPv4 the network address as an unsigned number (`addr.int32 >>> 0`),
   * for IPv6 -1: read beside `bits` from the prefix itself, so that pinning a
   * block (the allocators' index of it) costs one object read, not two.
   */
  readonly u32: number;

  private constructor(
    readonly addr: Addr,
    readonly bits: number,
  ) {
    this.u32 = addr.family === 4 ? addr.int32 >>> 0 : -1;
  }

  /** The prefix of length `bits` holding `addr`, host bits masked off. Throws NetError for a bad length. */
  static from(addr: Addr, bits: number): Prefix {
    if (!Number.isInteger(bits) || bits < 0 || bits > addr.bitLen) {
      throw new NetError('INVALID_PREFIX', `${addr.toString()}/${bits}`, `PrefixFrom(${quote(addr.toString())}, ${bits}): prefix length out of range`);
    }
    if (addr.family === 4) {
      const masked = bits === 0 ? 0 : addr.int32 & (-1 << (32 - bits));
      return new Prefix(masked === addr.int32 ? addr : Addr.fromUint32(masked >>> 0), bits);
    }
    const masked = maskValue(addr.value, addr.bitLen - bits);
    return new Prefix(masked === addr.value ? addr : Addr.from(addr.family, masked), bits);
  }

  /**
   * Parses `a.b.c.d/n` or `<ipv6>/n`. Rejects a bare address, a length out of
   * range or with leading zeros ('INVALID_PREFIX'), and host bits set
   * ('PREFIX_HOST_BITS_SET', naming the canonical form): `10.1.0.1/16` is an
   * error, never silently `10.1.0.0/16`.
   */
  static parse = (s: string): Prefix => settle(parsePrefix(s));

  /** As `parse`, but returns null instead of throwing. */
  static tryParse = (s: string): Prefix | null => orNull(parsePrefix(s));

  get family(): Family {
    return this.addr.family;
  }

  /** The network address (all host bits zero). */
  get first(): Addr {
    return this.addr;
  }

  /** The last address (all host bits one); for IPv4 the broadcast address. */
  get last(): Addr {
    const hb = this.hostBits;
    if (this.addr.family === 4) return Addr.fromUint32((this.addr.int32 | (hb === 32 ? -1 : (1 << hb) - 1)) >>> 0);
    return Addr.fromCanonical(6, this.addr.value | hostMask(hb));
  }

  /** Number of addresses: 2^(bitLen − bits). */
  get size(): bigint {
    return 1n << BigInt(this.hostBits);
  }

  /** True when `a` is inside this prefix; always false for an address of the other family. */
  contains(a: Addr): boolean {
    if (a.family !== this.addr.family) return false;
    // IPv4 on int32 (no bigint allocated): the network bits agree when the XOR has none set.
    if (a.family === 4) return this.bits === 0 || (a.int32 ^ this.addr.int32) >>> (32 - this.bits) === 0;
    const hb = BigInt(this.hostBits);
    return a.value >> hb === this.addr.value >> hb;
  }

  /** True when `p` lies entirely inside this prefix (same family, `p.bits >= bits`). */
  containsPrefix(p: Prefix): boolean {
    return p.bits >= this.bits && this.contains(p.addr);
  }

  /** True when the two prefixes share an address; always false across families. */
  overlaps(p: Prefix): boolean {
    if (p.addr.family !== this.addr.family) return false;
    return p.bits >= this.bits ? this.contains(p.addr) : p.contains(this.addr);
  }

  /**
   * The `index`-th (0-based) subnet of length `newBits` inside this prefix.
   * Throws NetError 'INVALID_PREFIX' when `newBits` is shorter than `bits` or
   * longer than the address, or `index` is outside 0 … 2^(newBits−bits)−1.
   */
  subnet(newBits: number, index: bigint): Prefix {
    const bitLen = this.addr.bitLen;
    if (!Number.isInteger(newBits) || newBits < this.bits || newBits > bitLen) {
      throw new NetError('INVALID_PREFIX', this.toString(), `Prefix(${quote(this.toString())}).subnet(${newBits}, ${index}): subnet length out of range`);
    }
    if (index < 0n || index >= 1n << BigInt(newBits - this.bits)) {
      throw new NetError('INVALID_PREFIX', this.toString(), `Prefix(${quote(this.toString())}).subnet(${newBits}, ${index}): subnet index out of range`);
    }
    const value = this.addr.value | (index << BigInt(bitLen - newBits));
    return new Prefix(Addr.from(this.addr.family, value), newBits);
  }

  /**
   * The prefix `value/bits` of `family`, unchecked: for callers that computed
   * a canonical value themselves (an allocator's i-th block), `value` must fit
   * the family and have no host bits set. Costs two small objects, no bigint
   * arithmetic.
   */
  static fromCanonical(family: Family, value: bigint, bits: number): Prefix {
    return new Prefix(Addr.fromCanonical(family, value), bits);
  }

  /** The host prefix of `a` (/32, /128): no host bits to mask, one object made. */
  static host(a: Addr): Prefix {
    return new Prefix(a, a.bitLen);
  }

  /** As fromCanonical, for an IPv4 network address given as a number (see Addr.fromUint32). */
  static fromUint32(u32: number, bits: number): Prefix {
    return new Prefix(Addr.fromUint32(u32), bits);
  }

  /** Orders by family (IPv4 first), then network address, then length (shorter first). */
  compare(o: Prefix): number {
    return this.addr.compare(o.addr) || (this.bits < o.bits ? -1 : this.bits > o.bits ? 1 : 0);
  }

  equals(o: Prefix): boolean {
    return this.bits === o.bits && this.addr.equals(o.addr);
  }

  /** Canonical `addr/bits`. */
  toString(): string {
    return `${this.addr.toString()}/${this.bits}`;
  }

  /** JSON carries the canonical text. */
  toJSON(): string {
    return this.toString();
  }

  private get hostBits(): number {
    return this.addr.bitLen - this.bits;
  }
}

/** Input quoted for a message, clipped (a megabyte of input is not echoed back). */
const quote = quoted;

/**
 * What a parser returns: the value, or its refusal as a thunk (an Error's
 * stack trace costs more than the parse, and tryParse never needs it).
 */
type Parsed<T extends object> = T | (() => NetError);

const settle = <T extends object>(r: Parsed<T>): T => {
  if (typeof r === 'function') throw r();
  return r;
};

const orNull = <T extends object>(r: Parsed<T>): T | null => (typeof r === 'function' ? null : r);

const hostMask = (hostBits: number): bigint => (1n << BigInt(hostBits)) - 1n;

const maskValue = (v: bigint, hostBits: number): bigint => (v >> BigInt(hostBits)) << BigInt(hostBits);

/** Parses an address, or returns the NetError describing why it is not one. */
function parseAddr(s: string): Parsed<Addr> {
  const r = parseAddrText(s);
  if (typeof r === 'string') return () => new NetError('INVALID_ADDRESS', s, `ParseAddr(${quote(s)}): ${r}`);
  return typeof r === 'number' ? Addr.fromUint32(r) : Addr.fromCanonical(6, r);
}

/** Why `s` is not an address (only called on a refusal, so parsing twice costs nothing on the good path). */
const reasonOf = (s: string): string => String(parseAddrText(s));

/** Parses a prefix, or returns the NetError describing why it is not one. */
function parsePrefix(s: string): Parsed<Prefix> {
  const fail = (code: string, why: string) => (): NetError => new NetError(code, s, `ParsePrefix(${quote(s)}): ${why}`);
  const slash = s.lastIndexOf('/');
  if (slash < 0) return fail('INVALID_PREFIX', "no '/'");
  const addrText = s.slice(0, slash);
  if (addrText.includes('%')) return fail('INVALID_PREFIX', 'IPv6 zones cannot be present in a prefix');
  const addr = parseAddr(addrText);
  if (typeof addr === 'function') return fail('INVALID_PREFIX', `ParseAddr(${quote(addrText)}): ${reasonOf(addrText)}`);
  const bits = parseBits(s, slash + 1);
  if (bits < 0) return fail('INVALID_PREFIX', `bad bits after slash: ${quote(s.slice(slash + 1))}`);
  if (bits > addr.bitLen) return fail('INVALID_PREFIX', 'prefix length out of range');
  const p = Prefix.from(addr, bits);
  if (p.addr !== addr) {
    return () => new NetError('PREFIX_HOST_BITS_SET', s, `${s} has host bits set; did you mean ${p.toString()}?`);
  }
  return p;
}
