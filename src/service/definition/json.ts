// Readers of JSON values at a path: each reports what is wrong with its
// input (quoting it) and returns undefined, so a reader can go on and find
// every problem of a definition in one pass.
import { Addr, NetError, Prefix, type Family } from '../../net/ip.js';
import { parseMac } from '../../net/devices.js';
import { dnsNameProblem } from '../../net/names.js';
import { clip, quoted, QUOTED_MAX } from '../../net/clip.js';
import type { Problems } from './problems.js';

export type Json = Record<string, unknown>;
export interface Located<T> { value: T; path: string }
export interface Fields { known: ReadonlySet<string>; readOnly: ReadonlySet<string> }

export const fields = (known: string[], readOnly: string[] = []): Fields => ({ known: new Set(known), readOnly: new Set(readOnly) });

/** `list[index]`, spelled out only when a problem is reported there (one per pod: 150,000 strings saved). */
export class ItemPath {
  constructor(readonly list: string, readonly index: number) {}

  toString(): string {
    return `${this.list}[${this.index}]`;
  }
}
export type Base = string | ItemPath;
export const resolve = (base: Base): string => (typeof base === 'string' ? base : base.toString());
export const at = (base: Base, key: string): string => {
  const b = resolve(base);
  const k = clip(key, QUOTED_MAX); // an unknown key is the client's text
  return b ? `${b}.${k}` : k;
};
export const isAbsent = (v: unknown): v is null | undefined => v === undefined || v === null;
/** Input text quoted for a message, cut short so one huge value cannot flood the answer. */
export const q = (s: string): string => quoted(s);
export const famName = (f: Family): string => (f === 4 ? 'IPv4' : 'IPv6');
export const famKey = (f: Family): 'ipv4' | 'ipv6' => (f === 4 ? 'ipv4' : 'ipv6');

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  const t = typeof v;
  return t === 'object' ? 'an object' : t === 'undefined' ? 'nothing' : `a ${t}`;
}

/** The object at `path`, with every unknown field reported; null (and reported) when `v` is not an object. */
export function readObject(p: Problems, v: unknown, path: Base, f: Fields): Json | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    p.add(resolve(path), `expected an object, got ${describe(v)}`);
    return null;
  }
  for (const k in v) if (!f.known.has(k)) p.add(at(path, k), unknownField(k, f)); // JSON objects: own members only
  return v as Json;
}

function unknownField(k: string, f: Fields): string {
  if (f.readOnly.has(k)) return `unknown field (${k} is computed by podnet, not part of a definition)`;
  for (const known of f.known) if (editDistanceAtMost2(k.toLowerCase(), known.toLowerCase())) return `unknown field; did you mean "${known}"?`;
  return `unknown field; expected one of ${[...f.known].join(', ')}`;
}

function editDistanceAtMost2(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 2) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return (prev[b.length] as number) <= 2;
}

export function readString(p: Problems, v: unknown, path: string): string | undefined {
  if (typeof v === 'string') return v;
  p.add(path, `expected a string, got ${describe(v)}`);
  return undefined;
}

/** A list; absent (undefined or null) is the empty list. */
export function readOptionalList(p: Problems, v: unknown, path: string): unknown[] {
  if (isAbsent(v)) return [];
  if (Array.isArray(v)) return v;
  p.add(path, `expected a list, got ${describe(v)}`);
  return [];
}

export function readInt(p: Problems, v: unknown, path: string, min: number, max: number): number | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    p.add(path, `expected an integer, got ${typeof v === 'number' ? String(v) : describe(v)}`);
    return undefined;
  }
  if (v < min || v > max) {
    p.add(path, `${v} is out of range: must be between ${min} and ${max}`);
    return undefined;
  }
  return v;
}


const IFNAME_BAD_RE = /[\s/:]/;

/** The name at `base`.`key`; the path is only built for a problem (this runs for every pod). */
export function readName(p: Problems, v: unknown, base: Base, key: string, kind: 'label' | 'subdomain'): string | undefined {
  const why = isAbsent(v) ? 'required' : typeof v !== 'string' ? `expected a string, got ${describe(v)}` : dnsNameProblem(kind, v);
  if (why) p.add(at(base, key), why);
  return why ? undefined : (v as string);
}

/** Linux `dev_valid_name`: 1..15 bytes (IFNAMSIZ − 1), not `.`/`..`, no '/', ':' or whitespace. */
export function readIfname(p: Problems, v: unknown, path: string, fallback: string): string | undefined {
  if (isAbsent(v)) return fallback;
  const s = readString(p, v, path);
  if (s === undefined) return undefined;
  let why: string | null = null;
  if (s.length === 0) why = 'must not be empty';
  else if (Buffer.byteLength(s) > 15) why = `${q(s)} is too long: a Linux interface name has at most 15 characters`;
  else if (s === '.' || s === '..' || IFNAME_BAD_RE.test(s)) why = `${q(s)} is not a valid Linux interface name: no whitespace, '/' or ':'`;
  if (why) p.add(path, why);
  return why ? undefined : s;
}

/** `::ffff:0:0/96`: IPv6's spelling of every IPv4 address. */
const V4_MAPPED = Prefix.parse('::ffff:0:0/96');

/** The IPv4 address an IPv4-mapped IPv6 address embeds, else null. */
function mappedV4(a: Addr): Addr | null {
  return a.family === 6 && V4_MAPPED.contains(a) ? Addr.fromUint32(Number(a.value & 0xffffffffn)) : null;
}

export function readAddr(p: Problems, v: unknown, path: string): Addr | undefined {
  const s = readString(p, v, path);
  if (s === undefined) return undefined;
  const a = Addr.tryParse(s);
  if (a) {
    const v4 = mappedV4(a);
    if (!v4) return a;
    p.add(path, `${q(s)} is an IPv4-mapped IPv6 address; write the IPv4 address ${v4.toString()} (Kubernetes counts it as IPv4, and podnet will not hold one address in two families)`);
    return undefined;
  }
  const slash = s.indexOf('/');
  if (slash >= 0 && Addr.tryParse(s.slice(0, slash))) p.add(path, `${q(s)} is a prefix; expected an address without /length`);
  else p.add(path, netMessage(() => Addr.parse(s), `${q(s)} is not an IP address`));
  return undefined;
}

/** A unicast MAC, in its canonical lower-case form (devices.parseMac). */
export function readMac(p: Problems, v: unknown, path: string): string | undefined {
  const s = readString(p, v, path);
  if (s === undefined) return undefined;
  try {
    return parseMac(s);
  } catch (e) {
    p.add(path, e instanceof NetError ? e.message : `${q(s)} is not a MAC address`);
    return undefined;
  }
}

export function readPrefix(p: Problems, v: unknown, path: string): Prefix | undefined {
  const s = readString(p, v, path);
  if (s === undefined) return undefined;
  const r = Prefix.tryParse(s);
  if (r) {
    const v4 = r.bits >= 96 ? mappedV4(r.addr) : null;
    if (!v4) return r;
    p.add(path, `${q(s)} is a range of IPv4-mapped IPv6 addresses; write the IPv4 prefix ${Prefix.from(v4, r.bits - 96).toString()} (Kubernetes counts them as IPv4)`);
    return undefined;
  }
  const a = s.includes('/') ? null : Addr.tryParse(s);
  if (a) p.add(path, `${q(s)} is an address, not a prefix; did you mean ${s}/${a.bitLen}?`);
  else p.add(path, netMessage(() => Prefix.parse(s), `${q(s)} is not a prefix`));
  return undefined;
}

/** The message of the NetError `parse` throws (it quotes the input and names the canonical form). */
function netMessage(parse: () => unknown, fallback: string): string {
  try {
    parse();
  } catch (e) {
    if (e instanceof NetError) return e.message;
  }
  return fallback;
}

/**
 * A list of one value per family at most (`min` .. 2 items); a second value of
 * a family is reported and dropped.
 */
export function readPerFamilyList<T extends Addr | Prefix>(
  p: Problems, v: unknown, path: string, min: number, what: string,
  readOne: (p: Problems, v: unknown, path: string) => T | undefined,
): Located<T>[] {
  if (!Array.isArray(v)) {
    p.add(path, `expected a list, got ${describe(v)}`);
    return [];
  }
  if (v.length < min) p.add(path, `must list one or two ${what}s (at most one per family)`);
  const out: Located<T>[] = [];
  for (let i = 0; i < v.length; i++) {
    const path_i = `${path}[${i}]`;
    const x = readOne(p, v[i], path_i);
    if (!x) continue;
    const twin = out.find((o) => o.value.family === x.family);
    if (twin) p.add(path_i, `a second ${famName(x.family)} ${what} (${twin.value.toString()} is already ${twin.path}): at most one per family`);
    else out.push({ value: x, path: path_i });
  }
  return out;
}
