// Route tables as the kernels of the nodes, pods and the underlay router hold
// them (SPEC §1), and their three renderings: JSON, `ip route show` text, and
// `ip -batch` / `bridge -batch` scripts.
//
// A node's table is {peerRoute(A, B) for every other node B} ∪ localRoutes(A).
// Both halves are exported separately so the datapath can evaluate a table by
// longest-prefix match without materialising it (5,000 nodes would mean 25M
// routes); `nodeTable` materialises one node's table on demand.
import { Prefix } from './ip.js';
import type { Addr, Family } from './ip.js';
import type { NetworkConfig, NodeSpec, PodSpec, SubnetSpec } from './model.js';
import { POD_DEVICE, ipipDevice, vxlanDevice } from './devices.js';

export type RouteProto = 'kernel' | 'boot' | 'static';
export type RouteScope = 'link' | 'host' | 'global';
export type RouteType = 'unicast' | 'blackhole' | 'local';

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
  text: string;
}
export interface NeighborJson { dst: string; lladdr: string; dev: string }
export interface FdbJson { mac: string; dev: string; dst: string }
export interface RouteTableJson { routes: RouteJson[]; neighbors: NeighborJson[]; fdb: FdbJson[] }

// ---- canonical text, memoised ----------------------------------------------

// Addr and Prefix are immutable and the topology reuses the same objects in
// every table it generates, so their canonical text is computed once.
const textCache = new WeakMap<Addr | Prefix, string>();

/** Canonical text of an address or prefix (memoised per object). */
export function text(x: Addr | Prefix): string {
  let s = textCache.get(x);
  if (s === undefined) {
    s = x.toString();
    textCache.set(x, s);
  }
  return s;
}

const dstText = (dst: Prefix): string => (dst.bits === 0 ? 'default' : text(dst));

/**
 * The route exactly as one line of `ip route show` (IPv4) or `ip -6 route
 * show` (IPv6) prints it. IPv6 routes always carry a metric (256 for the
 * kernel's connected routes, 1024 for the rest) and `pref medium`, and never a
 * scope; `proto boot` is not printed.
 */
export function routeText(r: Route): string {
  return routeLine(r, dstText(r.dst));
}

function routeLine(r: Route, dst: string): string {
  let s = r.type === 'unicast' ? dst : `${r.type} ${dst}`;
  if (r.via) s += ` via ${text(r.via)}`;
  if (r.dev !== null) s += ` dev ${r.dev}`;
  if (r.proto !== null && r.proto !== 'boot') s += ` proto ${r.proto}`;
  const v6 = r.dst.family === 6;
  if (r.scope !== null && r.scope !== 'global' && !v6) s += ` scope ${r.scope}`;
  if (r.src) s += ` src ${text(r.src)}`;
  if (v6) s += r.proto === 'kernel' ? ' metric 256' : ' metric 1024';
  if (r.onlink) s += ' onlink';
  if (v6) s += ' pref medium';
  return s;
}

export function routeJson(r: Route): RouteJson {
  return {
    dst: dstText(r.dst),
    via: r.via ? text(r.via) : null,
    dev: r.dev,
    src: r.src ? text(r.src) : null,
    proto: r.proto,
    scope: r.scope,
    onlink: r.onlink,
    type: r.type,
    text: routeText(r),
  };
}

export function routeTableJson(t: RouteTable): RouteTableJson {
  return {
    routes: t.routes.map(routeJson),
    neighbors: t.neighbors.map(neighborJson),
    fdb: t.fdb.map(fdbJson),
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

const neighborJson = (n: Neighbor): NeighborJson => ({ dst: text(n.dst), lladdr: n.lladdr, dev: n.dev });
const fdbJson = (f: FdbEntry): FdbJson => ({ mac: f.mac, dev: f.dev, dst: text(f.dst) });

/** `JSON.stringify(routeTableJson(t))`, with each entry's JSON rendered once per entry object. */
export function formatRoutesJson(t: RouteTable): string {
  return `{"routes":[${t.routes.map((r) => cachedJson(r, routeJson)).join(',')}],"neighbors":[${t.neighbors.map((n) => cachedJson(n, neighborJson)).join(',')}],"fdb":[${t.fdb.map((f) => cachedJson(f, fdbJson)).join(',')}]}`;
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
  const xv = x.family === 4 ? x.addr.value : lastOf(x);
  const yv = y.family === 4 ? y.addr.value : lastOf(y);
  if (xv !== yv) return xv < yv ? -1 : 1;
  return y.bits - x.bits;
}

const lastOf = (p: Prefix): bigint => p.addr.value | ((1n << BigInt(128 - p.bits)) - 1n);

/** The table as `ip route show` (then `ip -6 route show`) prints it, one line per route. */
export function formatRoutesText(t: RouteTable): string {
  let s = '';
  for (const r of t.routes) s += routeText(r) + '\n';
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
export function formatRoutesScript(t: RouteTable): string {
  let direct = '';
  let gatewayed = '';
  for (const r of t.routes) {
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
export function formatFdbScript(t: RouteTable): string {
  let s = '';
  for (const f of t.fdb) s += `fdb replace ${f.mac} dev ${f.dev} dst ${text(f.dst)} self permanent\n`;
  return s;
}

// ---- the facts routes are generated from -------------------------------------

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
  vtepMac: string;
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
}

export const FAMILIES: readonly Family[] = [4, 6];

/** The router's interface towards the outside world. */
export const ROUTER_UPLINK = 'uplink';

/** A unicast route through `via` (or on-link when null); every Route has this one shape. */
const route = (dst: Prefix, via: Addr | null, dev: string | null, onlink = false, scope: RouteScope | null = null): Route => ({
  dst, via, dev, src: null, proto: null, scope, onlink, type: 'unicast',
});

/** The route the kernel adds for an address's subnet: `dst dev DEV proto kernel scope link src SRC` (IPv6: no scope). */
const connected = (dst: Prefix, dev: string, src: Addr): Route => ({
  dst, via: null, dev, src, proto: 'kernel', scope: dst.family === 4 ? 'link' : null, onlink: false, type: 'unicast',
});

/** True when A and B share an L2 underlay segment in `family` (both must have an address of it). */
export function sameSegment(c: ClusterFacts, a: NodeFacts, b: NodeFacts, family: Family): boolean {
  const x = a.fam[family];
  const y = b.fam[family];
  if (!x.addr || !y.addr) return false;
  return c.flat || (x.subnet !== null && x.subnet === y.subnet);
}

export type PeerRouteKind = 'direct' | 'vxlan' | 'ipip' | 'gateway';

/**
 * How node A routes to node B's block of `family` (SPEC §1 mode table), or
 * null when it installs no route for it: a route can only point at a node that
 * has an address of the family, host-gw cannot reach across subnets, and bgp
 * needs a gateway on A's subnet to send other subnets' blocks to.
 */
export function peerRouteKind(c: ClusterFacts, a: NodeFacts, b: NodeFacts, family: Family): PeerRouteKind | null {
  const x = a.fam[family];
  const y = b.fam[family];
  if (a === b || !y.block || !x.addr || !y.addr) return null;
  const same = sameSegment(c, a, b, family);
  switch (c.network.mode) {
    case 'host-gw':
      return same ? 'direct' : null;
    case 'vxlan':
      return 'vxlan';
    case 'ipip':
      return 'ipip';
    case 'cross-subnet':
      return same ? 'direct' : 'vxlan';
    case 'bgp':
      return same ? 'direct' : x.subnet?.gateway ? 'gateway' : null;
  }
}

/** Node A's route to node B's block of `family`, or null (see peerRouteKind). */
export function peerRoute(c: ClusterFacts, a: NodeFacts, b: NodeFacts, family: Family, kind = peerRouteKind(c, a, b, family)): Route | null {
  if (!kind) return null;
  const y = b.fam[family];
  const block = y.block!;
  switch (kind) {
    case 'direct':
      return route(block, y.addr, a.iface);
    case 'vxlan':
      return route(block, block.addr, vxlanDevice(c.network, family), true);
    case 'ipip':
      return route(block, y.addr, ipipDevice(family), true);
    case 'gateway':
      return route(block, a.fam[family].subnet!.gateway, a.iface);
  }
}

/** The VXLAN neighbor and FDB entries A holds for B in `family`, or null when A reaches B otherwise. */
export function peerVxlanEntries(c: ClusterFacts, a: NodeFacts, b: NodeFacts, family: Family, kind = peerRouteKind(c, a, b, family)): { neighbor: Neighbor; fdb: FdbEntry } | null {
  if (kind !== 'vxlan') return null;
  const y = b.fam[family];
  const dev = vxlanDevice(c.network, family);
  return {
    neighbor: { dst: y.block!.addr, lladdr: b.vtepMac, dev },
    fdb: { mac: b.vtepMac, dev, dst: y.addr! },
  };
}

/**
 * The routes of A's table that do not point at another node: its own block
 * on the bridge, its underlay subnet (connected) and its default route to the
 * subnet gateway, per family; plus any extra routes (which replace a
 * generated route of the same destination, as `ip route replace` would).
 */
export function localRoutes(c: ClusterFacts, a: NodeFacts, extra: readonly Route[] = []): Route[] {
  const out: Route[] = [];
  for (const f of FAMILIES) {
    const x = a.fam[f];
    if (x.block && x.gateway) out.push(connected(x.block, c.network.bridge, x.gateway));
    if (x.addr && x.subnet) {
      out.push(connected(x.subnet.cidr, a.iface, x.addr));
      if (x.subnet.gateway) out.push(route(defaultOf(x.subnet.gateway), x.subnet.gateway, a.iface));
    }
  }
  return mergeReplacing(out, extra);
}

const defaults = new WeakMap<Addr, Prefix>();

/** The `/0` of `a`'s family (memoised per address object). */
function defaultOf(a: Addr): Prefix {
  let p = defaults.get(a);
  if (!p) {
    p = Prefix.from(a, 0);
    defaults.set(a, p);
  }
  return p;
}

/** `base` with every route of `extra` added, replacing a route of equal destination. */
export function mergeReplacing(base: Route[], extra: readonly Route[]): Route[] {
  if (extra.length === 0) return base;
  const out = base.filter((r) => !extra.some((e) => e.dst.equals(r.dst)));
  out.push(...extra);
  return out;
}

/** A pod's table: per family, the default route to its node's bridge and the node's block on-link. */
export function podRouteTable(p: PodFacts): RouteTable {
  const routes: Route[] = [];
  for (const f of FAMILIES) {
    const ip = p.ip(f);
    const n = p.node.fam[f];
    if (!ip || !n.block || !n.gateway) continue;
    routes.push(route(defaultOf(ip), n.gateway, POD_DEVICE));
    routes.push(connected(n.block, POD_DEVICE, ip));
  }
  return { routes: routes.sort(compareRoutes), neighbors: [], fdb: [] };
}

/**
 * The router standing for all subnet gateways: a connected route per subnet
 * with a gateway (its interface is named after the subnet), in bgp a route to
 * every node block via that node, and a default route per family out of
 * `uplink`.
 */
export function routerRouteTable(c: ClusterFacts, subnets: readonly SubnetFacts[], nodes: readonly NodeFacts[], extra: readonly Route[] = []): RouteTable {
  const routes: Route[] = [];
  const families = new Set<Family>();
  for (const s of subnets) {
    if (!s.gateway) continue;
    routes.push(connected(s.cidr, s.name, s.gateway));
    if (!families.has(s.cidr.family)) {
      families.add(s.cidr.family);
      routes.push(route(defaultOf(s.gateway), null, ROUTER_UPLINK, false, s.gateway.family === 4 ? 'link' : null));
    }
  }
  if (c.network.mode === 'bgp') {
    for (const n of nodes) {
      for (const f of FAMILIES) {
        const x = n.fam[f];
        if (x.block && x.addr && x.subnet?.gateway) routes.push(route(x.block, x.addr, x.subnet.name));
      }
    }
  }
  return { routes: dedupe(mergeReplacing(routes, extra)).sort(compareRoutes), neighbors: [], fdb: [] };
}

/** Keeps the first route of each destination (a kernel table holds one per prefix). */
export function dedupe(routes: Route[]): Route[] {
  const seen = new Set<string>();
  return routes.filter((r) => {
    const k = `${r.dst.family}/${r.dst.addr.value}/${r.dst.bits}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
