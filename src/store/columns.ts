// Core values <-> the per-family column pairs (address_v4/address_v6,
// pod_cidr_v4/pod_cidr_v6, ip_v4/ip_v6) both database clients read and write.
import { Addr, Prefix, type Family } from '../net/ip.js';

/** The present values of a family pair, `first` family first. */
export function familyPair<T>(first: Family, v4: T | null, v6: T | null): T[] {
  return (first === 6 ? [v6, v4] : [v4, v6]).filter((x): x is T => x !== null);
}

/** The column value of family `f`: the canonical text of that family's member, or null. */
export const columnOf = (xs: readonly (Addr | Prefix)[], f: Family): string | null => xs.find((x) => x.family === f)?.toString() ?? null;

export const addrOrNull = (s: string | null): Addr | null => (s ? Addr.parse(s) : null);
export const prefixOrNull = (s: string | null): Prefix | null => (s ? Prefix.parse(s) : null);

/** A node read back: its pinned VTEP MACs only where the columns hold one (absent means derived, as in a definition). */
export function withVtepMac<T extends object>(node: T, mac: string | null, mac6: string | null = null): T & { vtepMac?: string; vtepMac6?: string } {
  if (mac === null && mac6 === null) return node;
  return { ...node, ...(mac === null ? {} : { vtepMac: mac }), ...(mac6 === null ? {} : { vtepMac6: mac6 }) };
}
