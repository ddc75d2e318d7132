// A cluster's pods held as columns: what a snapshot keeps for as long as it
// is cached. 150,000 pods as plain objects cost ~300 B each (the pod object,
// its `ips` array, an Addr and its bigint per IP, a string per namespace and
// node name); as columns they cost their name string and ~25 B of typed
// arrays. Namespaces and node names are interned (one string each, however
// many pods share it), IPv4 addresses are int32s, IPv6 ones two 64-bit halves
// in a column made only when some pod has one.
//
// Readers that want objects get flyweights (PodRow: a table and an index,
// its fields read from the columns on use), one per pod, made once per table.
// Pure: no I/O.
import { Addr, type Family } from './ip.js';
import type { PodSpec } from './model.js';

/** A pod with its row identity, as the store keeps it (structurally the store's StoredPod). */
export interface PodRecord extends PodSpec { id: number; ordinal: number }

// fam column bits
const HAS4 = 1;
const HAS6 = 2;
/** The pod's IPv6 address comes first in `ips` (a cluster whose primary family is IPv6). */
const SIX_FIRST = 4;

const MASK64 = (1n << 64n) - 1n;
const NO_IPS: readonly Addr[] = Object.freeze([]);

/** The tables behind the arrays their rows() made: a snapshot handed such an array keeps the table instead of rebuilding it. */
const tableOfRows = new WeakMap<readonly object[], PodTable>();

export class PodTable {
  /** The last rows() made, while anyone holds them: a table keeps no object per pod of its own. */
  private rowList: WeakRef<PodRow[]> | null = null;

  /** Use PodTable.of or PodTableBuilder. The columns are PodTableBuilder's to read (copy), no one else's. */
  constructor(
    readonly length: number,
    readonly names: readonly string[],
    readonly nsIndex: Int32Array,
    readonly namespaces: readonly string[],
    readonly nodeIndex: Int32Array,
    readonly nodeNames: readonly string[],
    readonly fam: Uint8Array,
    readonly ip4: Int32Array,
    readonly ip6hi: BigUint64Array | null,
    readonly ip6lo: BigUint64Array | null,
    readonly ids: Int32Array,
    readonly ordinals: Int32Array,
  ) {}

  /**
   * The table of `pods`, in their order: the one behind them if they are a
   * table's rows(), else built from them (ids and ordinals 0 for pods that
   * have none).
   */
  static of(pods: readonly (PodSpec | PodRecord)[]): PodTable {
    const have = tableOfRows.get(pods);
    if (have) return have;
    const b = new PodTableBuilder(pods.length);
    for (const p of pods) {
      if (p instanceof PodRow) b.addRow(p);
      else b.add(p.namespace, p.name, p.node, p.ips, 'id' in p ? p.id : 0, 'ordinal' in p ? p.ordinal : 0);
    }
    return b.finish();
  }

  /** The table behind `pods` if they are a table's rows(), else null. */
  static behind(pods: readonly object[]): PodTable | null {
    return tableOfRows.get(pods) ?? null;
  }

  /**
   * One flyweight per pod, in order: the same array as long as anyone holds
   * it, made again (40 B a pod) once it was collected. Readers of one pod
   * use row(i) instead.
   */
  rows(): PodRow[] {
    let rows = this.rowList?.deref();
    if (!rows) {
      rows = new Array<PodRow>(this.length);
      for (let i = 0; i < this.length; i++) rows[i] = new PodRow(this, i);
      this.rowList = new WeakRef(rows);
      tableOfRows.set(rows, this);
    }
    return rows;
  }

  /** Pod `i` as a flyweight (a new one each call). */
  row(i: number): PodRow {
    return new PodRow(this, i);
  }

  name(i: number): string {
    return this.names[i]!;
  }

  namespace(i: number): string {
    return this.namespaces[this.nsIndex[i]!]!;
  }

  node(i: number): string {
    return this.nodeNames[this.nodeIndex[i]!]!;
  }

  id(i: number): number {
    return this.ids[i]!;
  }

  ordinal(i: number): number {
    return this.ordinals[i]!;
  }

  /** The pod's IP of `family`, or null (a new Addr each call). */
  ip(i: number, family: Family): Addr | null {
    const f = this.fam[i]!;
    if (family === 4) return f & HAS4 ? Addr.fromUint32(this.ip4[i]! >>> 0) : null;
    return f & HAS6 ? Addr.fromCanonical(6, (this.ip6hi![i]! << 64n) | this.ip6lo![i]!) : null;
  }

  hasIp(i: number, family: Family): boolean {
    return (this.fam[i]! & (family === 4 ? HAS4 : HAS6)) !== 0;
  }

  /** The pod's IPv4 address as an int32 (Addr.int32), if it has one; else undefined. */
  ip4Int(i: number): number | undefined {
    return this.fam[i]! & HAS4 ? this.ip4[i]! : undefined;
  }

  /** The pod's IPs, primary family first (a new array each call). */
  ips(i: number): readonly Addr[] {
    const f = this.fam[i]!;
    if (f === 0) return NO_IPS;
    if (f === HAS4) return [this.ip(i, 4)!];
    if (f === HAS6 || f === (HAS6 | SIX_FIRST)) return [this.ip(i, 6)!];
    return f & SIX_FIRST ? [this.ip(i, 6)!, this.ip(i, 4)!] : [this.ip(i, 4)!, this.ip(i, 6)!];
  }

  /** How many IPs the pod has. */
  ipCount(i: number): number {
    const f = this.fam[i]!;
    return (f & HAS4 ? 1 : 0) + (f & HAS6 ? 1 : 0);
  }

  /** The largest ordinal plus one (0 when empty). */
  nextOrdinal(): number {
    let max = -1;
    for (let i = 0; i < this.length; i++) if (this.ordinals[i]! > max) max = this.ordinals[i]!;
    return max + 1;
  }

  /** The pods `keep` accepts, in order: a new table (the columns copied, the strings shared). */
  filter(keep: (i: number) => boolean): PodTable {
    const b = PodTableBuilder.after(this, 0);
    for (let i = 0; i < this.length; i++) if (keep(i)) b.copy(this, i);
    return b.finish();
  }

  /** This table with `pods` after its rows: a new table (the columns copied whole). */
  concat(pods: readonly PodRecord[]): PodTable {
    const b = PodTableBuilder.after(this, this.length, pods.length);
    for (const p of pods) b.add(p.namespace, p.name, p.node, p.ips, p.id, p.ordinal);
    return b.finish();
  }
}

/**
 * A pod of a PodTable: its fields read from the table's columns on use;
 * `ips` made on first read and kept by the row (rows are made per use, so
 * this holds the Addrs only as long as a reader holds the row).
 */
export class PodRow implements PodRecord {
  private ipList: Addr[] | undefined = undefined;

  constructor(
    readonly table: PodTable,
    readonly index: number,
  ) {}

  get id(): number {
    return this.table.id(this.index);
  }

  get ordinal(): number {
    return this.table.ordinal(this.index);
  }

  get namespace(): string {
    return this.table.namespace(this.index);
  }

  get name(): string {
    return this.table.name(this.index);
  }

  get node(): string {
    return this.table.node(this.index);
  }

  get ips(): Addr[] {
    return (this.ipList ??= this.table.ips(this.index) as Addr[]);
  }

  /** The IP of `family`, or null (from `ips`: a tracer asks a pod for its IP several times a path, one Addr made). */
  ip(family: Family): Addr | null {
    const ips = this.ips;
    for (let k = 0; k < ips.length; k++) if (ips[k]!.family === family) return ips[k]!;
    return null;
  }
}

/** The IP of `family` of any pod: through the columns for a PodRow, else from its `ips`. */
export function podIp(p: PodSpec, family: Family): Addr | null {
  if (p instanceof PodRow) return p.ip(family);
  for (const a of p.ips) if (a.family === family) return a;
  return null;
}

/** Grows typed-array columns row by row; finish() trims them to the row count. */
export class PodTableBuilder {
  private n = 0;
  private cap: number;
  private names: string[] = [];
  private nsIndex: Int32Array;
  private nodeIndex: Int32Array;
  private fam: Uint8Array;
  private ip4: Int32Array;
  private ip6hi: BigUint64Array | null = null;
  private ip6lo: BigUint64Array | null = null;
  private ids: Int32Array;
  private ordinals: Int32Array;
  private readonly namespaces: string[] = [];
  private readonly nsByName = new Map<string, number>();
  private readonly nodeNames: string[] = [];
  private readonly nodeByName = new Map<string, number>();
  /** The table whose namespace and node indexes this builder's are (see after). */
  private seeded: PodTable | null = null;

  constructor(expected = 16) {
    this.cap = Math.max(16, expected);
    this.nsIndex = new Int32Array(this.cap);
    this.nodeIndex = new Int32Array(this.cap);
    this.fam = new Uint8Array(this.cap);
    this.ip4 = new Int32Array(this.cap);
    this.ids = new Int32Array(this.cap);
    this.ordinals = new Int32Array(this.cap);
  }

  /**
   * A builder holding `t`'s first `keep` rows (copied whole) and its
   * namespaces and node names, so that copy() of its rows is a copy of
   * column values; room for `more` rows after them.
   */
  static after(t: PodTable, keep: number, more = 0): PodTableBuilder {
    const b = new PodTableBuilder(keep + more);
    b.names = t.names.slice(0, keep);
    b.nsIndex.set(t.nsIndex.subarray(0, keep));
    b.nodeIndex.set(t.nodeIndex.subarray(0, keep));
    b.fam.set(t.fam.subarray(0, keep));
    b.ip4.set(t.ip4.subarray(0, keep));
    b.ids.set(t.ids.subarray(0, keep));
    b.ordinals.set(t.ordinals.subarray(0, keep));
    if (t.ip6hi) {
      b.ip6hi = new BigUint64Array(b.cap);
      b.ip6lo = new BigUint64Array(b.cap);
      b.ip6hi.set(t.ip6hi.subarray(0, keep));
      b.ip6lo.set(t.ip6lo!.subarray(0, keep));
    }
    b.n = keep;
    t.namespaces.forEach((ns) => b.nsOf(ns));
    t.nodeNames.forEach((node) => b.nodeOf(node));
    b.seeded = t;
    return b;
  }

  get size(): number {
    return this.n;
  }

  /** A pod from its fields; `ips` at most one per family (as PodSpec says). */
  add(namespace: string, name: string, node: string, ips: readonly Addr[], id: number, ordinal: number): void {
    let ip4: number | null = null;
    let ip6: bigint | null = null;
    let sixFirst = false;
    for (let k = 0; k < ips.length; k++) {
      const a = ips[k]!;
      if (a.family === 4) ip4 = a.int32;
      else {
        ip6 = a.value;
        sixFirst = k === 0;
      }
    }
    this.addRaw(namespace, name, node, ip4, ip6, sixFirst, id, ordinal);
  }

  /**
   * A pod from raw columns: `ip4` as an int32 (Addr.int32) or null, `ip6` as
   * its value or null; `sixFirst`: the IPv6 address is listed first.
   */
  addRaw(namespace: string, name: string, node: string, ip4: number | null, ip6: bigint | null, sixFirst: boolean, id: number, ordinal: number): void {
    let f = 0;
    if (ip4 !== null) f |= HAS4;
    if (ip6 !== null) f |= HAS6 | (sixFirst ? SIX_FIRST : 0);
    this.push(this.nsOf(namespace), name, this.nodeOf(node), f, ip4 ?? 0, ip6, id, ordinal);
  }

  addRow(r: PodRow): void {
    this.copy(r.table, r.index);
  }

  /** Row `i` of `t` (its strings shared). */
  copy(t: PodTable, i: number): void {
    const f = t.fam[i]!;
    const ip6 = f & HAS6 ? (t.ip6hi![i]! << 64n) | t.ip6lo![i]! : null;
    const same = t === this.seeded;
    const ns = same ? t.nsIndex[i]! : this.nsOf(t.namespace(i));
    const node = same ? t.nodeIndex[i]! : this.nodeOf(t.node(i));
    this.push(ns, t.name(i), node, f, t.ip4[i]!, ip6, t.ids[i]!, t.ordinals[i]!);
  }

  finish(): PodTable {
    const n = this.n;
    const trim = <T extends Int32Array | Uint8Array | BigUint64Array>(a: T): T => (a.length === n ? a : (a.slice(0, n) as T));
    const t = new PodTable(
      n, this.names.length === n ? this.names.slice() : this.names.slice(0, n), trim(this.nsIndex), this.namespaces, trim(this.nodeIndex), this.nodeNames, trim(this.fam), trim(this.ip4),
      this.ip6hi && trim(this.ip6hi), this.ip6lo && trim(this.ip6lo), trim(this.ids), trim(this.ordinals),
    );
    this.names = [];
    return t;
  }

  private push(ns: number, name: string, node: number, f: number, ip4: number, ip6: bigint | null, id: number, ordinal: number): void {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    this.names.push(name);
    this.nsIndex[i] = ns;
    this.nodeIndex[i] = node;
    this.fam[i] = f;
    this.ip4[i] = ip4;
    if (ip6 !== null) {
      if (!this.ip6hi) {
        this.ip6hi = new BigUint64Array(this.cap);
        this.ip6lo = new BigUint64Array(this.cap);
      }
      this.ip6hi[i] = ip6 >> 64n;
      this.ip6lo![i] = ip6 & MASK64;
    }
    this.ids[i] = id;
    this.ordinals[i] = ordinal;
  }

  private grow(): void {
    this.cap *= 2;
    const grown = <T extends Int32Array | Uint8Array | BigUint64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(this.cap);
      b.set(a as never);
      return b;
    };
    this.nsIndex = grown(this.nsIndex);
    this.nodeIndex = grown(this.nodeIndex);
    this.fam = grown(this.fam);
    this.ip4 = grown(this.ip4);
    this.ids = grown(this.ids);
    this.ordinals = grown(this.ordinals);
    if (this.ip6hi) {
      this.ip6hi = grown(this.ip6hi);
      this.ip6lo = grown(this.ip6lo!);
    }
  }

  private nsOf(s: string): number {
    return intern(this.nsByName, this.namespaces, s);
  }

  private nodeOf(s: string): number {
    return intern(this.nodeByName, this.nodeNames, s);
  }
}

/** The index of `s` in `list`, appended (and indexed in `byName`) the first time it is seen. */
function intern(byName: Map<string, number>, list: string[], s: string): number {
  let k = byName.get(s);
  if (k === undefined) {
    k = list.push(s) - 1;
    byName.set(s, k);
  }
  return k;
}
