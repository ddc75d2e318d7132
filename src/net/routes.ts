// Route tables as the kernels of the nodes, pods and the underlay router hold
// them (SPEC §1): the values, the facts they are generated from (tables.ts
// generates them), and their three renderings: JSON, `ip route show` text,
// and `ip -batch` / `bridge -batch` scripts.
import { Addr, type Family, type Prefix } from './ip.js';
import type { NetworkConfig, NodeSpec, PodSpec, SubnetSpec } from './model.js';

export type RouteProto = 'kernel' | 'boot' | 'static';
export type RouteScope = 'link' | 'host' | 'global';
/** `local`, `broadcast` and `anycast` are the local table's types (local.ts); `local` may also be an extra route. */
export type RouteType = 'unicast' | 'blackhole' | 'local' | 'broadcast' | 'anycast';
/** Which table a route listing shows (`?table=`): the main table (default), the kernel's local table, or both. */
export type TableName = 'main' | 'local' | 'all';
export const TABLE_NAMES: readonly TableName[] = ['main', 'local', 'all'];
/** How a table is rendered (`?format=`, `podnet routes --format`): JSON, `ip route show` text, an `ip -batch` or a `bridge -batch` file. */
export const ROUTE_FORMATS = ['json', 'text', 'script', 'fdb-script'] as const;
export type RouteFormat = (typeof ROUTE_FORMATS)[number];

/**
 * One kernel route. `dst` is always a prefix: the default route is the `/0` of
 * its family (`0.0.0.0/0`, `::/0`), printed `default`. `dev` is null only for
 * blackhole routes. `proto` null means the kernel's default (`boot`, which
 * `ip route show` does not print); `scope` null means `global`.
 */
export interface Route {
  dst: Prefix;
  via: Addr | null;
  dev: string | null;
  src: Addr | null;
  proto: RouteProto | null;
  scope: RouteScope | null;
  onlink: boolean;
  type: RouteType;
  /** The route's `mtu` metric, on pod routes of a family whose pod MTU is below the devices' (podDeviceMtu). */
  mtu?: number;
}

/** A permanent neighbor (ARP/NDP) entry: `ip neigh replace DST lladdr MAC dev DEV nud permanent`. */
export interface Neighbor {
  dst: Addr;
  lladdr: string;
  dev: string;
}

/** A VXLAN forwarding entry: frames for `mac` go to the VTEP at `dst`. */
export interface FdbEntry {
  mac: string;
  dev: string;
  dst: Addr;
}

export interface RouteTable {
  routes: Route[];
  neighbors: Neighbor[];
  fdb: FdbEntry[];
  /** The kernel's local table (local.ts), where a listing asked for it. */
  local?: Route[];
}

export interface RouteJson {
  dst: string; // 'default' for a /0
  via: string | null;
  dev: string | null;
  src: string | null;
  proto: RouteProto | null;
  scope: RouteScope | null;
  onlink: boolean;
  type: RouteType;
  mtu?: number;
  text: string;
}
export interface NeighborJson { dst: string; lladdr: string; dev: string }
export interface FdbJson { mac: string; dev: string; dst: string }
export interface RouteTableJson { routes: RouteJson[]; neighbors: NeighborJson[]; fdb: FdbJson[] }

// Addr and Prefix are immutable and the topology reuses the same objects in
// every table it generates, so their canonical text is computed once. Not
// for IPv4 addresses: printing one from its int32 costs about what the
// lookup does, and memoising every pod's (150,000 at k8s-5k) kept ~9 MB of
// strings and table alive per datapath.
const textCache = new WeakMap<Addr | Prefix, string>();

/** Canonical text of an address or prefix (memoised per object, but for IPv4 addresses). */
export function text(x: Addr | Prefix): string {
  if (x instanceof Addr && x.family === 4) return x.toString();
  let s = textCache.get(x);
  if (s === undefined) {
    s = x.toString();
    textCache.set(x, s);
  }
  return s;
}

/** As iproute2 prints a destination: `default` for a /0, a host route (/32, /128) without its length. */
const dstText = (dst: Prefix): string => (dst.bits === 0 ? 'default' : dst.bits === dst.addr.bitLen ? text(dst.addr) : text(dst));

/**
 * The route exactly as one line of `ip route show` (IPv4) or `ip -6 route
 * show` (IPv6) prints it. IPv6 routes always carry a metric (256 for the
 * kernel's connected routes, 1024 for the rest) and `pref medium`, and never a
 * scope; `proto boot` is not printed.
 */
export function routeText(r: Route): string {
  return routeLine(r, dstText(r.dst));
}

/** True for the entries the kernel makes in its local table (they have no metric to speak of: IPv6 prints 0). */
export const isLocalTableEntry = (r: Route): boolean => r.proto === 'kernel' && (r.type === 'local' || r.type === 'broadcast' || r.type === 'anycast');

function routeLine(r: Route, dst: string, table: string | null = null): string {
  let s = r.type === 'unicast' ? dst : `${r.type} ${dst}`;
  if (r.via) s += ` via ${text(r.via)}`;
  if (r.dev !== null) s += ` dev ${r.dev}`;
  if (table) s += ` table ${table}`;
  if (r.proto !== null && r.proto !== 'boot') s += ` proto ${r.proto}`;
  const v6 = r.dst.family === 6;
  if (r.scope !== null && r.scope !== 'global' && !v6) s += ` scope ${r.scope}`;
  if (r.src) s += ` src ${text(r.src)}`;
  if (v6) s += r.proto !== 'kernel' ? ' metric 1024' : isLocalTableEntry(r) ? ' metric 0' : ' metric 256';
  if (r.onlink) s += ' onlink';
  if (r.mtu !== undefined) s += ` mtu ${r.mtu}`;
  if (v6) s += ' pref medium';
  return s;
}

export function routeJson(r: Route): RouteJson {
  const j = {
    dst: dstText(r.dst),
    via: r.via ? text(r.via) : null,
    dev: r.dev,
    src: r.src ? text(r.src) : null,
    proto: r.proto,
    scope: r.scope,
    onlink: r.onlink,
    type: r.type,
  };
  return r.mtu === undefined ? { ...j, text: routeText(r) } : { ...j, mtu: r.mtu, text: routeText(r) };
}

/** The routes a listing of `table` shows: the main table, then (`all`) the local table's entries. */
const listed = (t: RouteTable, table: TableName): Route[] =>
  table === 'main' ? t.routes : table === 'local' ? (t.local ?? []) : [...t.routes, ...(t.local ?? [])];

/** The JSON of `table` (neighbor and FDB entries belong to the main table's routes: none for `local`). */
export function routeTableJson(t: RouteTable, table: TableName = 'main'): RouteTableJson {
  const l = table === 'local';
  return {
    routes: listed(t, table).map(routeJson),
    neighbors: l ? [] : t.neighbors.map(neighborJson),
    fdb: l ? [] : t.fdb.map(fdbJson),
  };
}

// JSON text per entry object. The datapath hands every node that reaches a
// peer the same way the same entry objects, so a 5,000-route table is mostly
// cache hits; entries leave with the datapath that made them.
const jsonCache = new WeakMap<object, string>();

function cachedJson<T extends object>(x: T, render: (x: T) => unknown): string {
  let s = jsonCache.get(x);
  if (s === undefined) {
    s = JSON.stringify(render(x));
    jsonCache.set(x, s);
  }
  return s;
}

export const neighborJson = (n: Neighbor): NeighborJson => ({ dst: text(n.dst), lladdr: n.lladdr, dev: n.dev });
export const fdbJson = (f: FdbEntry): FdbJson => ({ mac: f.mac, dev: f.dev, dst: text(f.dst) });

/** `JSON.stringify(routeTableJson(t, table))`, with each entry's JSON rendered once per entry object. */
export function formatRoutesJson(t: RouteTable, table: TableName = 'main'): string {
  const l = table === 'local';
  const neighbors = l ? '' : t.neighbors.map((n) => cachedJson(n, neighborJson)).join(',');
  const fdb = l ? '' : t.fdb.map((f) => cachedJson(f, fdbJson)).join(',');
  return `{"routes":[${listed(t, table).map((r) => cachedJson(r, routeJson)).join(',')}],"neighbors":[${neighbors}],"fdb":[${fdb}]}`;
}

/**
 * The kernel's dump order, IPv4 before IPv6 (as `ip route; ip -6 route`).
 * IPv4 (FIB trie): by network address, so the default route comes first, and
 * for one address the longer prefix first. IPv6 (radix tree, walked
 * post-order): a prefix after every prefix inside it, i.e. by last address,
 * then the longer prefix first — so the default route comes last.
 */
export function compareRoutes(a: Route, b: Route): number {
  return compareDestinations(a.dst, b.dst);
}

/** The order of compareRoutes, on destinations. */
export function compareDestinations(x: Prefix, y: Prefix): number {
  if (x.family !== y.family) return x.family - y.family;
  if (x.family === 4) {
    const xa = x.addr.int32 >>> 0;
    const ya = y.addr.int32 >>> 0;
    if (xa !== ya) return xa < ya ? -1 : 1;
    return y.bits - x.bits;
  }
  const xv = lastOf(x);
  const yv = lastOf(y);
  if (xv !== yv) return xv < yv ? -1 : 1;
  return y.bits - x.bits;
}

const lastOf = (p: Prefix): bigint => p.addr.value | ((1n << BigInt(128 - p.bits)) - 1n);

/**
 * The table as `ip route show` (then `ip -6 route show`) prints it, one line
 * per route; `local` as `ip route show table local` (then `-6`); `all` as
 * `ip route show table all`: per family the main table, then the local
 * table's entries, which name their table (`… dev cni0 table local proto …`).
 */
export function formatRoutesText(t: RouteTable, table: TableName = 'main'): string {
  if (table === 'main') {
    let s = '';
    for (const r of t.routes) s += routeText(r) + '\n';
    return s;
  }
  let s = '';
  for (const f of FAMILIES) {
    if (table === 'all') for (const r of t.routes) if (r.dst.family === f) s += routeText(r) + '\n';
    for (const r of t.local ?? []) if (r.dst.family === f) s += routeLine(r, dstText(r.dst), table === 'all' ? 'local' : null) + '\n';
  }
  return s;
}

/**
 * An `ip -batch` file that installs the table: `route replace …` for every
 * route (those without a gateway first, so that gateways are on-link when the
 * routes through them arrive), then `neigh replace … nud permanent` for every
 * neighbor. The IPv6 default route is written `::/0`, because `default` alone
 * does not tell `ip` the family; IPv6 routes name their metric, so that a
 * connected route replaces the kernel's own (metric 256) instead of adding a
 * second one. Applying the file twice leaves the same tables. FDB entries
 * cannot go in this file (`ip` has no `fdb` command): they are
 * `formatFdbScript`'s, for `bridge -batch`.
 */
export function formatRoutesScript(t: RouteTable, table: TableName = 'main'): string {
  // The kernel makes the local table's entries itself, from the addresses.
  if (table === 'local') return '';
  let direct = '';
  let gatewayed = '';
  for (const r of t.routes) {
    if (isLocalTableEntry(r)) continue;
    const dst = r.dst.bits === 0 && r.dst.family === 6 ? '::/0' : dstText(r.dst);
    const line = `route replace ${routeLine(r, dst)}\n`;
    if (r.via) gatewayed += line;
    else direct += line;
  }
  let neigh = '';
  for (const n of t.neighbors) neigh += `neigh replace ${text(n.dst)} lladdr ${n.lladdr} dev ${n.dev} nud permanent\n`;
  return direct + gatewayed + neigh;
}

/** A `bridge -batch` file installing the VXLAN FDB: `fdb replace MAC dev DEV dst ADDR self permanent`. */
export function formatFdbScript(t: RouteTable, table: TableName = 'main'): string {
  if (table === 'local') return '';
  let s = '';
  for (const f of t.fdb) s += `fdb replace ${f.mac} dev ${f.dev} dst ${text(f.dst)} self permanent\n`;
  return s;
}

export interface SubnetFacts {
  index: number;
  spec: SubnetSpec;
  name: string;
  cidr: Prefix;
  /** Null when the subnet has no gateway, or the gateway is not of the subnet's family. */
  gateway: Addr | null;
}

/** What one node has in one address family. */
export interface NodeFamilyFacts {
  /** Underlay address of this family, or null. */
  addr: Addr | null;
  /** The subnet holding `addr` (null without subnets, or without `addr`). */
  subnet: SubnetFacts | null;
  /** Pod block of this family, or null. */
  block: Prefix | null;
  /** The block's gateway (first usable address, held by the bridge), or null. */
  gateway: Addr | null;
}

export interface NodeFacts {
  index: number;
  spec: NodeSpec;
  name: string;
  iface: string;
  /** The MAC of the node's IPv4 VXLAN device (and of the IPv6 one unless it has its own). */
  vtepMac: string;
  /** The MAC of its IPv6 VXLAN device (flannel-v6.1). */
  vtepMac6: string;
  fam: Record<Family, NodeFamilyFacts>;
}

export interface PodFacts {
  readonly spec: PodSpec;
  /** `namespace/name`. */
  readonly ref: string;
  readonly node: NodeFacts;
  /** The pod's IP of `family`, or null. */
  ip(family: Family): Addr | null;
}

/** Cluster-wide facts the route generators need. */
export interface ClusterFacts {
  network: NetworkConfig;
  /** True when the cluster defines no subnets: one flat L2 underlay, no router. */
  flat: boolean;
  /** Per family, the `mtu` its pod routes carry: its pod MTU where that is below the pod devices' MTU (podDeviceMtu), else undefined. */
  podRouteMtu: Record<Family, number | undefined>;
}

export const FAMILIES: readonly Family[] = [4, 6];

/** The router's interface towards the outside world. */
export const ROUTER_UPLINK = 'uplink';
