// IP addresses and prefixes as small immutable values, in the manner of Go's
// net/netip: parse at the edge, compare and contain with plain arithmetic on a
// bigint, and print one canonical form. Pure: no I/O, no global caches.

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
  readonly family: Family;
  /** The address as an unsigned integer of `bitLen` bits. */
  readonly value: bigint;

  private constructor(family: Family, value: bigint) {
    this.family = family;
    this.value = value;
  }

  /**
   * Parses an IPv4 dotted quad (`10.1.2.3`: four decimal fields 0–255, no
   * leading zeros, since `010` is octal to some parsers) or an IPv6 address
   * (`::`, `2001:db8::1`, embedded IPv4 `::ffff:1.2.3.4`, hex in either case).
   * Throws NetError 'INVALID_ADDRESS' quoting the input.
   */
  static parse(s: string): Addr {
    const r = parseAddr(s);
    if (typeof r === 'string') throw new NetError('INVALID_ADDRESS', s, `ParseAddr(${quote(s)}): ${r}`);
    return r;
  }

  /** As `parse`, but returns null instead of throwing. */
  static tryParse(s: string): Addr | null {
    const r = parseAddr(s);
    return typeof r === 'string' ? null : r;
  }

  /** The address of `family` whose integer value is `value`; throws NetError if it does not fit. */
  static from(family: Family, value: bigint): Addr {
    if (family !== 4 && family !== 6) {
      throw new NetError('INVALID_ADDRESS', String(family), `AddrFrom: unknown family ${String(family)}`);
    }
    if (value < 0n || value > maxOf(family)) {
      throw new NetError('INVALID_ADDRESS', value.toString(), `AddrFrom(${family}, ${value}): value out of range for IPv${family}`);
    }
    return new Addr(family, value);
  }

  /**
   * The address of `family` whose integer value is `value`, unchecked: for
   * callers that computed `value` inside a range they already know (an
   * allocator's i-th pod IP). A value out of the family's range is a bug.
   */
  static fromCanonical(family: Family, value: bigint): Addr {
    return new Addr(family, value);
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
    return this.family === 4 ? formatV4(Number(this.value)) : formatV6(this.value);
  }

  /** JSON carries the canonical text (a bigint would not serialize). */
  toJSON(): string {
    return this.toString();
  }

  /** Orders IPv4 before IPv6, then by numeric value. Returns -1, 0 or 1. */
  compare(o: Addr): number {
    if (this.family !== o.family) return this.family < o.family ? -1 : 1;
    return this.value < o.value ? -1 : this.value > o.value ? 1 : 0;
  }

  equals(o: Addr): boolean {
    return this.family === o.family && this.value === o.value;
  }

  /** The address `n` further on (`n` may be negative); throws NetError when leaving the family's range. */
  add(n: bigint): Addr {
    const v = this.value + n;
    if (v < 0n || v > maxOf(this.family)) {
      throw new NetError('INVALID_ADDRESS', this.toString(), `Addr(${quote(this.toString())}).add(${n}): out of range for IPv${this.family}`);
    }
    return new Addr(this.family, v);
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
  readonly addr: Addr;
  readonly bits: number;

  private constructor(addr: Addr, bits: number) {
    this.addr = addr;
    this.bits = bits;
  }

  /**
   * Parses `a.b.c.d/n` or `<ipv6>/n`. Rejects a bare address, a length out of
   * range or with leading zeros ('INVALID_PREFIX'), and host bits set
   * ('PREFIX_HOST_BITS_SET', naming the canonical form): `10.1.0.1/16` is an
   * error, never silently `10.1.0.0/16`.
   */
  static parse(s: string): Prefix {
    const r = parsePrefix(s);
    if (r instanceof Prefix) return r;
    throw r();
  }

  /** As `parse`, but returns null instead of throwing. */
  static tryParse(s: string): Prefix | null {
    const r = parsePrefix(s);
    return r instanceof Prefix ? r : null;
  }

  /** The prefix of length `bits` holding `addr`, host bits masked off. Throws NetError for a bad length. */
  static from(addr: Addr, bits: number): Prefix {
    if (!Number.isInteger(bits) || bits < 0 || bits > addr.bitLen) {
      throw new NetError('INVALID_PREFIX', `${addr.toString()}/${bits}`, `PrefixFrom(${quote(addr.toString())}, ${bits}): prefix length out of range`);
    }
    const masked = maskValue(addr.value, addr.bitLen - bits);
    return new Prefix(masked === addr.value ? addr : Addr.from(addr.family, masked), bits);
  }

  get family(): Family {
    return this.addr.family;
  }

  /** The network address (all host bits zero). */
  get first(): Addr {
    return this.addr;
  }

  /** The last address (all host bits one); for IPv4 the broadcast address. */
  get last(): Addr {
    return Addr.from(this.addr.family, this.addr.value | hostMask(this.hostBits));
  }

  /** Number of addresses: 2^(bitLen − bits). */
  get size(): bigint {
    return 1n << BigInt(this.hostBits);
  }

  /** True when `a` is inside this prefix; always false for an address of the other family. */
  contains(a: Addr): boolean {
    if (a.family !== this.addr.family) return false;
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

const quote = (s: string): string => JSON.stringify(s);

const hostMask = (hostBits: number): bigint => (1n << BigInt(hostBits)) - 1n;

const maskValue = (v: bigint, hostBits: number): bigint => (v >> BigInt(hostBits)) << BigInt(hostBits);

/** Parses an address, or returns the reason it is not one. */
function parseAddr(s: string): Addr | string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e /* . */) {
      const v = parseV4(s, 0, s.length);
      return v < 0 ? v4Reason(v) : Addr.from(4, BigInt(v));
    }
    if (c === 0x3a /* : */) return parseV6(s);
    if (c === 0x25 /* % */) break;
  }
  return s.length === 0 ? 'empty string' : 'unable to parse IP';
}

const V4_NO_DIGIT = -1;
const V4_TOO_BIG = -2;
const V4_LEADING_ZERO = -3;
const V4_TOO_SHORT = -4;
const V4_TOO_LONG = -5;
const V4_BAD_CHAR = -6;

function v4Reason(code: number): string {
  switch (code) {
    case V4_NO_DIGIT: return 'IPv4 field must have at least one digit';
    case V4_TOO_BIG: return 'IPv4 field has value >255';
    case V4_LEADING_ZERO: return 'IPv4 field has octet with leading zero';
    case V4_TOO_SHORT: return 'IPv4 address too short';
    case V4_TOO_LONG: return 'IPv4 address too long';
    default: return 'unexpected character in IPv4 address';
  }
}

/** Dotted quad in s[start, end) as a 32-bit unsigned number, or a negative V4_* code. */
function parseV4(s: string, start: number, end: number): number {
  let result = 0;
  let field = 0;
  let digits = 0;
  let fields = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && field === 0) return V4_LEADING_ZERO;
      field = field * 10 + (c - 0x30);
      if (field > 255) return V4_TOO_BIG;
      digits++;
    } else if (c === 0x2e) {
      if (digits === 0) return V4_NO_DIGIT;
      if (fields === 3) return V4_TOO_LONG;
      result = result * 256 + field;
      fields++;
      field = 0;
      digits = 0;
    } else {
      return V4_BAD_CHAR;
    }
  }
  if (digits === 0) return fields === 3 ? V4_NO_DIGIT : V4_TOO_SHORT;
  if (fields < 3) return V4_TOO_SHORT;
  return result * 256 + field;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/** IPv6 text to an Addr, or the reason it is not one (after Go's parseIPv6). */
function parseV6(s: string): Addr | string {
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  const n = s.length;
  let ellipsis = -1; // group index where '::' stands
  let i = 0;
  let j = 0;
  if (n >= 2 && s.charCodeAt(0) === 0x3a && s.charCodeAt(1) === 0x3a) {
    ellipsis = 0;
    i = 2;
  }
  while (i < n && j < 8) {
    const off = i;
    let acc = 0;
    while (i < n) {
      const d = hexDigit(s.charCodeAt(i));
      if (d < 0) break;
      acc = acc * 16 + d;
      i++;
    }
    if (i < n && s.charCodeAt(i) === 0x2e) {
      if (ellipsis < 0 && j !== 6) return 'embedded IPv4 address must replace the final 2 fields of the address';
      if (j > 6) return 'too many hex fields to fit an embedded IPv4 at the end of the address';
      const v4 = parseV4(s, off, n);
      if (v4 < 0) return `embedded IPv4 address: ${v4Reason(v4)}`;
      groups[j++] = Math.floor(v4 / 0x10000);
      groups[j++] = v4 & 0xffff;
      i = n;
      break;
    }
    if (i === off) {
      return s.charCodeAt(i) === 0x25 ? 'IPv6 zones are not supported' : 'each colon-separated field must have at least one digit';
    }
    if (i - off > 4) return 'each colon-separated field must have at most 4 hex digits';
    groups[j++] = acc;
    if (i === n) break;
    const c = s.charCodeAt(i);
    if (c === 0x25) return 'IPv6 zones are not supported';
    if (c !== 0x3a) return 'unexpected character, want colon';
    i++;
    if (i === n) return 'trailing colon';
    if (s.charCodeAt(i) === 0x3a) {
      if (ellipsis >= 0) return 'multiple :: in address';
      ellipsis = j;
      i++;
    }
  }
  if (i !== n) return s.charCodeAt(i) === 0x25 ? 'IPv6 zones are not supported' : 'trailing garbage after address';
  if (j < 8) {
    if (ellipsis < 0) return 'address string too short';
    const shift = 8 - j;
    for (let k = j - 1; k >= ellipsis; k--) {
      groups[k + shift] = groups[k] as number;
      groups[k] = 0;
    }
  } else if (ellipsis >= 0) {
    return ':: must expand to at least one field of zeros';
  }
  const g = groups as [number, number, number, number, number, number, number, number];
  const value =
    (BigInt(g[0] * 0x10000 + g[1]) << 96n) |
    (BigInt(g[2] * 0x10000 + g[3]) << 64n) |
    (BigInt(g[4] * 0x10000 + g[5]) << 32n) |
    BigInt(g[6] * 0x10000 + g[7]);
  return Addr.from(6, value);
}

/** Parses a prefix, or returns the NetError describing why it is not one. */
/** A refusal is returned as a thunk: an Error's stack trace costs more than the parse, and tryParse never needs it. */
function parsePrefix(s: string): Prefix | (() => NetError) {
  const fail = (code: string, why: string) => (): NetError => new NetError(code, s, `ParsePrefix(${quote(s)}): ${why}`);
  const slash = s.lastIndexOf('/');
  if (slash < 0) return fail('INVALID_PREFIX', "no '/'");
  const addrText = s.slice(0, slash);
  if (addrText.includes('%')) return fail('INVALID_PREFIX', 'IPv6 zones cannot be present in a prefix');
  const addr = parseAddr(addrText);
  if (typeof addr === 'string') return fail('INVALID_PREFIX', `ParseAddr(${quote(addrText)}): ${addr}`);
  const bits = parseBits(s, slash + 1);
  if (bits < 0) return fail('INVALID_PREFIX', `bad bits after slash: ${quote(s.slice(slash + 1))}`);
  if (bits > addr.bitLen) return fail('INVALID_PREFIX', 'prefix length out of range');
  const p = Prefix.from(addr, bits);
  if (p.addr.value !== addr.value) {
    return () => new NetError('PREFIX_HOST_BITS_SET', s, `${s} has host bits set; did you mean ${p.toString()}?`);
  }
  return p;
}

/** Decimal prefix length in s[start..]: digits only, no sign, no leading zero; -1 if malformed. */
function parseBits(s: string, start: number): number {
  const n = s.length;
  if (start >= n || n - start > 3) return -1;
  if (s.charCodeAt(start) === 0x30 && n - start > 1) return -1;
  let v = 0;
  for (let i = start; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v;
}

function formatV4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

function formatV6(value: bigint): string {
  if (value >> 32n === 0xffffn) return `::ffff:${formatV4(Number(value & MAX4))}`;
  const groups: number[] = new Array<number>(8);
  for (let k = 0; k < 4; k++) {
    const w = Number((value >> BigInt(96 - 32 * k)) & MAX4);
    groups[2 * k] = Math.floor(w / 0x10000);
    groups[2 * k + 1] = w & 0xffff;
  }
  // Longest run of at least two zero groups; the first wins a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let k = 0; k < 8; ) {
    if (groups[k] !== 0) {
      k++;
      continue;
    }
    let e = k;
    while (e < 8 && groups[e] === 0) e++;
    if (e - k > bestLen) {
      bestStart = k;
      bestLen = e - k;
    }
    k = e;
  }
  const hex = (k: number): string => (groups[k] as number).toString(16);
  if (bestStart < 0) return groups.map((_, k) => hex(k)).join(':');
  let out = '';
  for (let k = 0; k < bestStart; k++) out += (k > 0 ? ':' : '') + hex(k);
  out += '::';
  for (let k = bestStart + bestLen; k < 8; k++) out += (k > bestStart + bestLen ? ':' : '') + hex(k);
  return out;
}
