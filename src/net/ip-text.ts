// The text forms of IP addresses: parsing dotted quads and RFC 4291 IPv6
// text into plain numbers, and printing the canonical forms (RFC 5952). The
// value types in ip.ts wrap these; nothing here allocates an address object.

const MAX4 = (1n << 32n) - 1n;

/**
 * An address's text as its value: a number (0 … 2^32−1) for IPv4, a bigint
 * for IPv6, or the reason it is neither.
 */
export function parseAddrText(s: string): number | bigint | string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e /* . */) {
      const v = parseV4(s, 0, s.length);
      return v < 0 ? v4Reason(v) : v;
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

export function v4Reason(code: number): string {
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
export function parseV4(s: string, start: number, end: number): number {
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

/** IPv6 text to its 128-bit value, or the reason it is not one (after Go's parseIPv6). */
export function parseV6(s: string): bigint | string {
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
  return value;
}

/** Decimal prefix length in s[start..]: digits only, no sign, no leading zero; -1 if malformed. */
export function parseBits(s: string, start: number): number {
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

export function formatV4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

export function formatV6(value: bigint): string {
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
