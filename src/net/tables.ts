// The generated tables (SPEC §1): what a node holds for each peer (the mode
// table), its own routes, a pod's table, the router's, and the kernel's
// local table of each. Pure functions of the facts in routes.ts.
//
// A node's table is {peerRoute(A, B) for every other node B} ∪ localRoutes(A).
// Both halves are exported separately so the datapath can evaluate a table by
// longest-prefix match without materialising it (5,000 nodes would mean 25M
// routes); Datapath.nodeRoutes materialises one node's table on demand.
import { type Addr, type Family, Prefix } from './ip.js';
import { POD_DEVICE, ipipDevice, vxlanDevice } from './devices.js';
import {
  type ClusterFacts, type FdbEntry, type Neighbor, type NodeFacts, type PodFacts, type Route, type RouteScope, type RouteTable, type SubnetFacts,
  FAMILIES, ROUTER_UPLINK, compareRoutes,
} from './routes.js';

/** A unicast route through `via` (or on-link when null); every Route has this one shape. */
export const route = (dst: Prefix, via: Addr | null, dev: string | null, onlink = false, scope: RouteScope | null = null): Route => ({
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
  const mac = family === 6 ? b.vtepMac6 : b.vtepMac;
  return {
    neighbor: { dst: y.block!.addr, lladdr: mac, dev },
    fdb: { mac, dev, dst: y.addr! },
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

/**
 * A pod's table: per family, the default route to its node's bridge and the
 * node's block on-link, with the family's pod MTU where it is below the
 * devices' (a dual-stack VXLAN pod's IPv6 routes say `mtu 1430`).
 */
export function podRouteTable(c: ClusterFacts, p: PodFacts): RouteTable {
  return { routes: podRoutes(c, p).sort(compareRoutes), neighbors: [], fdb: [] };
}

/**
 * podRouteTable's routes in the order they are made, for a longest-prefix
 * match (the tracer's, once per path), which needs no order: no two of them
 * have the same family and length.
 */
export function podRoutes(c: ClusterFacts, p: PodFacts): Route[] {
  const routes: Route[] = [];
  for (const f of FAMILIES) {
    const ip = p.ip(f);
    const n = p.node.fam[f];
    if (!ip || !n.block || !n.gateway) continue;
    const mtu = c.podRouteMtu[f];
    if (mtu === undefined) {
      routes.push(route(defaultOf(ip), n.gateway, POD_DEVICE));
      routes.push(connected(n.block, POD_DEVICE, ip));
    } else {
      routes.push({ ...route(defaultOf(ip), n.gateway, POD_DEVICE), mtu });
      routes.push({ ...connected(n.block, POD_DEVICE, ip), mtu });
    }
  }
  return routes;
}

/**
 * The longest match for `dst` in podRoutes(c, p), made without making the
 * others: the block's connected route when the block holds `dst`, else the
 * default route of `dst`'s family (podRoutes has no other prefix lengths).
 * The tracer asks once per path.
 */
export function podRouteFor(c: ClusterFacts, p: PodFacts, dst: Addr): Route | null {
  const f = dst.family;
  const ip = p.ip(f);
  const n = p.node.fam[f];
  if (!ip || !n.block || !n.gateway) return null;
  const mtu = c.podRouteMtu[f];
  const r = n.block.bits > 0 && n.block.contains(dst) ? connected(n.block, POD_DEVICE, ip) : route(defaultOf(ip), n.gateway, POD_DEVICE);
  return mtu === undefined ? r : { ...r, mtu };
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
    const k = r.dst.toString();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/**
 * `a` as a host prefix (/32, /128). Not memoised per address object: a pod's
 * addresses are made per use from the snapshot's columns (a memo would miss,
 * and kept one prefix per pod ever traced), and making one costs no more
 * than a WeakMap lookup.
 */
const hostPrefix = (a: Addr): Prefix => Prefix.host(a);

const lastAddrs = new WeakMap<Prefix, Addr>();

/** `p.last`, memoised per prefix object: a pod's local table is made per trace, its block's broadcast address once (and so its host prefix). */
function lastOf(p: Prefix): Addr {
  let a = lastAddrs.get(p);
  if (!a) {
    a = p.last;
    lastAddrs.set(p, a);
  }
  return a;
}

/**
 * One entry the kernel makes in its local table, as `ip route show table
 * local` prints it: IPv4 `local A dev D proto kernel scope host src A`,
 * `broadcast B dev D proto kernel scope link src A`; IPv6 `local A dev D proto
 * kernel metric 0 pref medium`, `anycast N dev D …` (no scope, no src).
 */
function localEntry(type: 'local' | 'broadcast' | 'anycast', dst: Addr, dev: string, src: Addr): Route {
  const v4 = dst.family === 4;
  return {
    dst: hostPrefix(dst), via: null, dev, src: v4 ? src : null, proto: 'kernel',
    scope: v4 ? (type === 'broadcast' ? 'link' : 'host') : null, onlink: false, type,
  };
}

/**
 * What the kernel adds to the local table for address `addr` configured as
 * `addr/prefix.bits` on `dev` (prefix null: the length is not modelled, only
 * the address): `local addr`; for IPv4 below /31 the prefix's broadcast
 * address; for IPv6 on a forwarding host below /127 (RFC 6164) the prefix's
 * Subnet-Router anycast address (RFC 4291: its network address).
 */
function addressEntries(out: Route[], addr: Addr, prefix: Prefix | null, dev: string, forwarding: boolean): void {
  out.push(localEntry('local', addr, dev, addr));
  if (!prefix) return;
  if (addr.family === 4 && prefix.bits < 31) out.push(localEntry('broadcast', lastOf(prefix), dev, addr));
  if (addr.family === 6 && forwarding && prefix.bits < 127 && prefix.first.value !== 0n) out.push(localEntry('anycast', prefix.first, dev, addr));
}

/**
 * Node A's local table (SPEC §1): per family its underlay address on its NIC
 * (with the subnet's broadcast or anycast address when subnets are defined:
 * the address is configured with the subnet's length), and its block's
 * gateway on the bridge with the block's broadcast (IPv4) or anycast (IPv6)
 * address. Nodes forward, so IPv6 anycast entries exist. In dump order.
 */
export function nodeLocalTable(c: ClusterFacts, a: NodeFacts): Route[] {
  const out: Route[] = [];
  for (const f of FAMILIES) {
    const x = a.fam[f];
    if (x.addr) addressEntries(out, x.addr, c.flat ? null : (x.subnet?.cidr ?? null), a.iface, true);
    if (x.gateway && x.block) addressEntries(out, x.gateway, x.block, c.network.bridge, true);
  }
  return out.sort(compareRoutes);
}

/** A pod's local table: its IPs on `eth0`, with the block's IPv4 broadcast address (pods do not forward: no anycast). */
export function podLocalTable(p: PodFacts): Route[] {
  const out: Route[] = [];
  for (const f of FAMILIES) {
    const ip = p.ip(f);
    const block = p.node.fam[f].block;
    if (ip) addressEntries(out, ip, block?.contains(ip) ? block : null, POD_DEVICE, false);
  }
  return out.sort(compareRoutes);
}

/**
 * `localMatch(podLocalTable(p), dst)`: null at once unless `dst` is one of
 * the addresses the table holds (the pod's IP of its family, its block's
 * IPv4 broadcast address); the tracer asks once per path from a pod.
 */
export function podLocalMatch(p: PodFacts, dst: Addr): Route | null {
  const ip = p.ip(dst.family);
  if (!ip) return null;
  if (!ip.equals(dst)) {
    const block = p.node.fam[dst.family].block;
    // Outside the pod's block (every path to another node) it cannot be the block's broadcast address.
    if (dst.family !== 4 || !block || block.bits >= 31 || !block.contains(dst) || !block.contains(ip) || !lastOf(block).equals(dst)) return null;
  }
  return localMatch(podLocalTable(p), dst);
}

/** The router's local table: each subnet gateway on the subnet's interface, with the subnet's broadcast or anycast address. */
export function routerLocalTable(subnets: readonly SubnetFacts[]): Route[] {
  const out: Route[] = [];
  for (const s of subnets) if (s.gateway) addressEntries(out, s.gateway, s.cidr, s.name, true);
  return out.sort(compareRoutes);
}

/** The entry of a (short) local table for `dst`, or null. */
export function localMatch(table: readonly Route[], dst: Addr): Route | null {
  for (const r of table) if (r.dst.addr.equals(dst)) return r;
  return null;
}
