// The path tracer (SPEC §5): moves one packet through the simulated network,
// namespace by namespace, by longest-prefix match over the generated tables,
// ARP/bridge resolution on each L2 segment, encapsulation in tunnel devices
// and TTL. Nothing here knows whether two pods share a node: the shapes of
// SPEC §5 are what the tables produce.
import type { Addr, Family } from './ip.js';
import type { Datapath } from './datapath.js';
import { type Target, addressOf, endpointError, parseEndpoint } from './endpoints.js';
import { POD_DEVICE, ipipDevice, podMtu, tunnelMtu, vxlanDevice } from './devices.js';
import { localMatch } from './tables.js';
import { ROUTER_UPLINK, type NodeFacts, type PodFacts, type Route, routeText, text } from './routes.js';

export type Disposition = 'DELIVERED' | 'NO_ROUTE' | 'NULL_ROUTED' | 'NEIGHBOR_UNREACHABLE' | 'LOOP' | 'EXITS_NETWORK';
export type HopKind = 'pod-eth' | 'veth' | 'bridge' | 'physical' | 'vxlan' | 'ipip' | 'router';
/**
 * What the packet does at a hop: `send` (leaves the namespace that built it),
 * `forward` (L2: veth, bridge port), `receive` (arrives, addressed to this
 * host's tunnel endpoint), `route` (routing lookup and forward),
 * `encapsulate`, `decapsulate`, `deliver`, `drop` (the disposition says why),
 * `exit` (leaves the modelled network through the router's default route).
 */
export type HopAction = 'send' | 'forward' | 'receive' | 'route' | 'encapsulate' | 'decapsulate' | 'deliver' | 'drop' | 'exit';

export interface OuterHeader {
  src: string;
  dst: string;
  /** 'udp' for VXLAN; 'ipip' (IP protocol 4) or 'ip6ip6' (IPv6 in IPv6, protocol 41) for IP-in-IP. */
  protocol: 'udp' | 'ipip' | 'ip6ip6';
  port?: number;
  vni?: number;
}

export interface Hop {
  index: number;
  /** The node the device is on; null for the router. */
  node: string | null;
  /** `pod:ns/name`, `host`, or null for the router. */
  netns: string | null;
  dev: string | null;
  kind: HopKind;
  action: HopAction;
  /** The `ip route` text of the route matched here, where a lookup happened. */
  route?: string;
  /** The inner (pod) packet; `ttl` as seen on this device (a routing hop decrements it for the next). */
  packet: { src: string; dst: string; ttl: number };
  /** The tunnel header, on every hop while the packet is encapsulated. */
  outer?: OuterHeader;
}

/** A resolved path endpoint. An IP literal resolves to whatever owns it. */
export type Endpoint =
  | { kind: 'pod'; ref: string; node: string; ip: string }
  | { kind: 'node'; name: string; ip: string }
  | { kind: 'router'; subnet: string; ip: string }
  | { kind: 'external'; ip: string };

export interface Path {
  from: Endpoint;
  to: Endpoint;
  disposition: Disposition;
  /** Both endpoints are on one node (pods or the node's own addresses). */
  sameNode: boolean;
  encapsulation: 'vxlan' | 'ipip' | null;
  /** packet.src / packet.dst identical on every hop. */
  natFree: boolean;
  /** The smallest MTU of the devices on the path; null when there is no hop. */
  mtu: number | null;
  hops: Hop[];
}

const INITIAL_TTL = 64;

/**
 * routeText, once per route object: the datapath's lookups hand out the same
 * objects path after path (a node's local routes, the router's, a node's
 * route to a block, a node's pods' default route), and a path records four
 * or five of them. Entries go with their routes.
 */
const routeTexts = new WeakMap<Route, string>();
function textOf(r: Route): string {
  let t = routeTexts.get(r);
  if (t === undefined) routeTexts.set(r, (t = routeText(r)));
  return t;
}
/** A guard only: TTL ends every loop long before this many hops. */
const MAX_HOPS = 1024;


/**
 * The path from `from` to `to`. The family is the destination literal's,
 * else the source literal's, else the cluster's primary family. Throws
 * NetError ('INVALID_ENDPOINT', 'ENDPOINT_NOT_FOUND', or 'FAMILY_MISMATCH'
 * when an endpoint has no address of that family).
 */
export function tracePath(dp: Datapath, from: string, to: string): Path {
  const src = parseEndpoint(dp, from);
  const dst = parseEndpoint(dp, to);
  const family = dst.literal?.family ?? src.literal?.family ?? dp.topology.podCidrs[0]?.family ?? 4;
  const srcIp = addressOf(src, family);
  if (!srcIp) throw endpointError('FAMILY_MISMATCH', from, `has no IPv${family} address (the family of ${JSON.stringify(to)})`);
  const dstIp = addressOf(dst, family);
  if (!dstIp) throw endpointError('FAMILY_MISMATCH', to, `has no IPv${family} address`);
  return traceTargets(dp, src, srcIp, dst, dstIp);
}

/** The path between resolved targets, with their addresses already chosen (same family). */
export function traceTargets(dp: Datapath, src: Target, srcIp: Addr, dst: Target, dstIp: Addr): Path {
  const sim = new Simulation(dp, srcIp, dstIp);
  sim.run(src);
  const hops = sim.hops;
  const first = hops[0];
  const srcNode = nodeOfTarget(src);
  return {
    from: describe(src, srcIp),
    to: describe(dst, dstIp),
    disposition: sim.disposition,
    sameNode: srcNode !== null && srcNode === nodeOfTarget(dst),
    encapsulation: hops.find((h) => h.outer)?.kind === 'ipip' ? 'ipip' : hops.some((h) => h.outer) ? 'vxlan' : null,
    natFree: !first || hops.every((h) => h.packet.src === first.packet.src && h.packet.dst === first.packet.dst),
    mtu: hops.length === 0 ? null : Math.min(...hops.map((h) => mtuOf(dp, h.kind, dstIp.family))),
    hops,
  };
}

function nodeOfTarget(t: Target): NodeFacts | null {
  return t.kind === 'pod' ? t.pod.node : t.kind === 'node' ? t.node : null;
}

function describe(t: Target, ip: Addr): Endpoint {
  switch (t.kind) {
    case 'pod': return { kind: 'pod', ref: t.pod.ref, node: t.pod.node.name, ip: text(ip) };
    case 'node': return { kind: 'node', name: t.node.name, ip: text(ip) };
    case 'router': return { kind: 'router', subnet: t.subnet.name, ip: text(ip) };
    case 'external': return { kind: 'external', ip: text(ip) };
  }
}

function mtuOf(dp: Datapath, kind: HopKind, family: Family): number {
  const net = dp.topology.network;
  switch (kind) {
    case 'pod-eth':
    case 'veth':
    case 'bridge':
      return podMtu(net, family);
    case 'vxlan':
      return tunnelMtu(net, 'vxlan', family);
    case 'ipip':
      return tunnelMtu(net, 'ipip', family);
    case 'physical':
    case 'router':
      return net.mtu;
  }
}

interface Tunnel {
  kind: 'vxlan' | 'ipip';
  src: Addr;
  dst: Addr;
  ttl: number;
  /** VXLAN: the inner frame's destination MAC (the remote VTEP's). */
  mac: string | null;
  header: OuterHeader;
}

/** Where the packet is next: each step pushes hops and returns the following step, or null when done. */
type Step =
  | { at: 'host'; node: NodeFacts; ingress: Hop | null }
  | { at: 'router'; ingress: string | null };

class Simulation {
  readonly hops: Hop[] = [];
  disposition: Disposition = 'NO_ROUTE';
  private ttl = INITIAL_TTL;
  /** The last hop's packet: the next hop's too while the TTL is the same. */
  private packet: Hop['packet'] | null = null;
  private tunnel: Tunnel | null = null;
  private readonly srcText: string;
  private readonly dstText: string;

  constructor(
    private readonly dp: Datapath,
    private readonly src: Addr,
    private readonly dst: Addr,
  ) {
    this.srcText = text(src);
    this.dstText = text(dst);
  }

  run(from: Target): void {
    let step: Step | null;
    switch (from.kind) {
      case 'pod': step = this.fromPod(from.pod); break;
      case 'node': step = { at: 'host', node: from.node, ingress: null }; break;
      case 'router': step = { at: 'router', ingress: null }; break;
      case 'external': step = this.dp.cluster.flat ? null : { at: 'router', ingress: ROUTER_UPLINK }; break;
    }
    while (step) {
      if (this.hops.length > MAX_HOPS) {
        this.disposition = 'LOOP';
        return;
      }
      step = step.at === 'host' ? this.atHost(step.node, step.ingress) : this.atRouter(step.ingress);
    }
  }

  private push(h: Omit<Hop, 'index' | 'packet' | 'outer'>): Hop {
    // Built field by field, optional ones only when present: hops keep a few
    // stable shapes, which keeps tracing and JSON encoding fast.
    // Hops the packet crosses with the same TTL share one packet object (nothing changes a hop's packet once made).
    let packet = this.packet;
    if (packet === null || packet.ttl !== this.ttl) this.packet = packet = { src: this.srcText, dst: this.dstText, ttl: this.ttl };
    const hop: Hop = { index: this.hops.length, node: h.node, netns: h.netns, dev: h.dev, kind: h.kind, action: h.action, packet };
    if (h.route !== undefined) hop.route = h.route;
    if (this.tunnel) hop.outer = this.tunnel.header;
    this.hops.push(hop);
    return hop;
  }

  private end(d: Disposition, hop: Hop | null, action: HopAction): null {
    this.disposition = d;
    if (hop) hop.action = action;
    return null;
  }

  /** The address routing decisions look at: the outer header's while encapsulated. */
  private current(): Addr {
    return this.tunnel ? this.tunnel.dst : this.dst;
  }

  /** Decrements the TTL of the outermost header for a forwarding hop; false when it is exhausted. */
  private decrementTtl(): boolean {
    if (this.tunnel) {
      if (this.tunnel.ttl <= 1) return false;
      this.tunnel.ttl--;
      return true;
    }
    if (this.ttl <= 1) return false;
    this.ttl--;
    return true;
  }

  private podHop(p: PodFacts, action: HopAction, route?: Route | null): Hop {
    return this.push({ node: p.node.name, netns: `pod:${p.ref}`, dev: POD_DEVICE, kind: 'pod-eth', action, route: route ? textOf(route) : undefined });
  }

  private vethHop(p: PodFacts): Hop {
    return this.push({ node: p.node.name, netns: 'host', dev: this.dp.vethOf(p), kind: 'veth', action: 'forward' });
  }

  private bridgeHop(n: NodeFacts, action: HopAction, route?: Route | null): Hop {
    return this.push({ node: n.name, netns: 'host', dev: this.dp.topology.network.bridge, kind: 'bridge', action, route: route ? textOf(route) : undefined });
  }

  private fromPod(p: PodFacts): Step | null {
    // The pod's local table first, as its kernel does: its own IP is
    // delivered at once; its block's broadcast address goes out of eth0 as a
    // link-layer broadcast, which the node's bridge receives.
    const own = this.dp.podLocalMatch(p, this.dst);
    if (own?.type === 'local') return this.end('DELIVERED', this.podHop(p, 'deliver'), 'deliver');
    const r = own ? null : this.dp.lookupPodRoute(p, this.dst);
    const hop = this.podHop(p, 'send', r);
    if (!r && !own) return this.end('NO_ROUTE', hop, 'drop');
    if (r?.type === 'blackhole') return this.end('NULL_ROUTED', hop, 'drop');
    if (r?.type === 'local') return this.end('DELIVERED', hop, 'deliver');
    // L2 on the node's bridge: an address of the bridge itself (the gateway,
    // the block's broadcast or anycast address) or a pod on it answers.
    const nh = r?.via ?? this.dst;
    const n = p.node;
    if (localMatch(this.dp.nodeLocal(n), nh)?.dev === this.dp.topology.network.bridge) {
      this.vethHop(p);
      return { at: 'host', node: n, ingress: this.bridgeHop(n, 'receive') };
    }
    const q = this.podOnBridge(n, nh);
    if (!q || q === p) return this.end('NEIGHBOR_UNREACHABLE', hop, 'drop');
    this.vethHop(p);
    this.bridgeHop(n, 'forward');
    return this.intoPod(q);
  }

  private podOnBridge(n: NodeFacts, ip: Addr): PodFacts | null {
    const o = this.dp.owner(ip);
    return o?.kind === 'pod' && o.pod.node === n ? o.pod : null;
  }

  /** From the bridge through the pod's veth into its namespace. Pods do not forward. */
  private intoPod(q: PodFacts): null {
    this.vethHop(q);
    const mine = !this.tunnel && q.ip(this.dst.family)?.equals(this.dst);
    const hop = this.podHop(q, 'deliver');
    return mine ? this.end('DELIVERED', hop, 'deliver') : this.end('NO_ROUTE', hop, 'drop');
  }

  private physicalHop(n: NodeFacts, action: HopAction, route?: Route | null): Hop {
    return this.push({ node: n.name, netns: 'host', dev: n.iface, kind: 'physical', action, route: route ? textOf(route) : undefined });
  }

  /**
   * Routing in node `n`'s host namespace. `ingress` is the hop the packet
   * arrived on (the lookup is recorded there), or null when the host itself
   * sends it (the lookup is recorded on the first egress hop, and the TTL is
   * not decremented).
   */
  private atHost(n: NodeFacts, ingress: Hop | null): Step | null {
    const cur = this.current();
    const f = cur.family;
    // The local table first, as the kernel does: the node's own addresses and
    // its blocks' and subnets' broadcast/anycast addresses are received by the
    // host. (`ip route get` reports these on `lo`, so no route is recorded.)
    const own = localMatch(this.dp.nodeLocal(n), cur);
    if (own) {
      if (this.tunnel) return this.decapsulate(n, ingress);
      const kind: HopKind = own.dev === this.dp.topology.network.bridge ? 'bridge' : 'physical';
      if (ingress?.kind === kind) return this.end('DELIVERED', ingress, 'deliver');
      const hop = kind === 'bridge' ? this.bridgeHop(n, 'deliver') : this.physicalHop(n, 'deliver');
      return this.end('DELIVERED', hop, 'deliver');
    }
    const o = this.dp.owner(cur);
    const r = this.dp.lookupNodeRoute(n, cur);
    // Without subnets the underlay prefix is unknown, so no connected route
    // for it is generated; the flat segment is on-link all the same.
    const flatOnLink = !r && this.dp.cluster.flat && o?.kind === 'node' && n.fam[f].addr !== null && o.node.fam[f].addr?.equals(cur) === true;
    if (!flatOnLink && (!r || r.type !== 'unicast')) {
      const at = ingress ?? this.physicalHop(n, 'send', r);
      if (ingress && r) ingress.route = textOf(r);
      if (!r) return this.end('NO_ROUTE', at, 'drop');
      return r.type === 'blackhole' ? this.end('NULL_ROUTED', at, 'drop') : this.end('DELIVERED', at, 'deliver');
    }
    if (ingress) {
      if (r) ingress.route = textOf(r);
      if (ingress.action === 'receive') ingress.action = 'route';
      if (!this.decrementTtl()) return this.end('LOOP', ingress, 'drop');
    }
    return r ? this.egress(n, ingress, r, r.dev, r.via ?? cur) : this.egress(n, ingress, null, n.iface, cur);
  }

  /** Sends the packet out of `dev` on node `n` towards next hop `nh`. */
  private egress(n: NodeFacts, ingress: Hop | null, r: Route | null, dev: string | null, nh: Addr): Step | null {
    const net = this.dp.topology.network;
    const f = nh.family;
    const origin = ingress === null;
    const action = (a: HopAction): HopAction => (origin ? 'send' : a);
    const lookup = origin ? r : null;
    if (dev === net.bridge) {
      const q = this.podOnBridge(n, nh);
      const hop = this.bridgeHop(n, action('forward'), lookup);
      return q ? this.intoPod(q) : this.end('NEIGHBOR_UNREACHABLE', hop, 'drop');
    }
    if (dev === n.iface) return this.onWire(n, nh, this.physicalHop(n, 'send', lookup));
    if (dev === vxlanDevice(net, f) && hasVxlan(this.dp, n, f)) return this.encapsulateVxlan(n, dev, nh, lookup);
    if (dev === ipipDevice(f) && hasIpip(this.dp, n, f)) return this.encapsulateIpip(n, dev, nh, lookup);
    return this.end('NO_ROUTE', ingress ?? this.physicalHop(n, 'send', lookup), 'drop');
  }

  /** ARP on node `n`'s underlay segment: another node's address, or the subnet gateway (the router). */
  private onWire(n: NodeFacts, nh: Addr, sent: Hop): Step | null {
    const f = nh.family;
    const mine = n.fam[f];
    const subnet = this.dp.cluster.flat ? null : mine.subnet;
    if (mine.addr && subnet?.gateway?.equals(nh)) return { at: 'router', ingress: subnet.name };
    const o = this.dp.owner(nh);
    const m = o?.kind === 'node' && o.node !== n ? o.node : null;
    const reachable = m !== null && mine.addr !== null && m.fam[f].addr?.equals(nh) && (this.dp.cluster.flat || (subnet !== null && m.fam[f].subnet === subnet));
    if (!reachable) return this.end('NEIGHBOR_UNREACHABLE', sent, 'drop');
    return { at: 'host', node: m, ingress: this.physicalHop(m, 'receive') };
  }

  private encapsulateVxlan(n: NodeFacts, dev: string, nh: Addr, lookup: Route | null): Step | null {
    const f = nh.family;
    const mac = this.dp.neighborOf(n, dev, nh);
    const vtep = mac ? this.dp.fdbOf(n, dev, mac) : null;
    const src = n.fam[f].addr;
    if (this.tunnel || !mac || !vtep || !src) {
      return this.end('NEIGHBOR_UNREACHABLE', this.push({ node: n.name, netns: 'host', dev, kind: 'vxlan', action: 'drop', route: lookup ? textOf(lookup) : undefined }), 'drop');
    }
    const { port, vni } = this.dp.topology.network.vxlan;
    this.tunnel = { kind: 'vxlan', src, dst: vtep, ttl: INITIAL_TTL, mac, header: { src: text(src), dst: text(vtep), protocol: 'udp', port, vni } };
    this.push({ node: n.name, netns: 'host', dev, kind: 'vxlan', action: 'encapsulate', route: lookup ? textOf(lookup) : undefined });
    return { at: 'host', node: n, ingress: null };
  }

  private encapsulateIpip(n: NodeFacts, dev: string, nh: Addr, lookup: Route | null): Step | null {
    const src = n.fam[nh.family].addr;
    if (this.tunnel || !src) {
      return this.end('NO_ROUTE', this.push({ node: n.name, netns: 'host', dev, kind: 'ipip', action: 'drop', route: lookup ? textOf(lookup) : undefined }), 'drop');
    }
    const protocol = nh.family === 4 ? 'ipip' : 'ip6ip6';
    this.tunnel = { kind: 'ipip', src, dst: nh, ttl: INITIAL_TTL, mac: null, header: { src: text(src), dst: text(nh), protocol } };
    this.push({ node: n.name, netns: 'host', dev, kind: 'ipip', action: 'encapsulate', route: lookup ? textOf(lookup) : undefined });
    return { at: 'host', node: n, ingress: null };
  }

  /** The outer packet reached its tunnel endpoint `n`: hand the inner packet to the tunnel device. */
  private decapsulate(n: NodeFacts, ingress: Hop | null): Step | null {
    const t = this.tunnel!;
    const f = this.dst.family;
    const net = this.dp.topology.network;
    const ok = t.kind === 'vxlan' ? hasVxlan(this.dp, n, f) && t.mac === (f === 6 ? n.vtepMac6 : n.vtepMac) : hasIpip(this.dp, n, f);
    const at = ingress ?? this.physicalHop(n, 'receive');
    if (!ok) return this.end(t.kind === 'vxlan' ? 'NEIGHBOR_UNREACHABLE' : 'NO_ROUTE', at, 'drop');
    at.action = 'receive';
    const dev = t.kind === 'vxlan' ? vxlanDevice(net, f) : ipipDevice(f);
    const hop = this.push({ node: n.name, netns: 'host', dev, kind: t.kind, action: 'decapsulate' });
    this.tunnel = null;
    return { at: 'host', node: n, ingress: hop };
  }

  private atRouter(ingress: string | null): Step | null {
    const cur = this.current();
    const hop = this.push({ node: null, netns: null, dev: ingress, kind: 'router', action: ingress ? 'route' : 'send' });
    // The router's own addresses and its subnets' broadcast/anycast addresses.
    if (this.dp.routerLocalMatch(cur)) return this.end('DELIVERED', hop, 'deliver');
    const r = this.dp.lookupRouterRoute(cur);
    if (!r) return this.end('NO_ROUTE', hop, 'drop');
    hop.route = textOf(r);
    if (r.type === 'blackhole') return this.end('NULL_ROUTED', hop, 'drop');
    if (r.type === 'local') return this.end('DELIVERED', hop, 'deliver');
    if (ingress && !this.decrementTtl()) return this.end('LOOP', hop, 'drop');
    if (r.dev === ROUTER_UPLINK) {
      // Private pod ranges are not routed to the outside world.
      return this.dp.inPodCidrs(cur) ? this.end('NO_ROUTE', hop, 'drop') : this.end('EXITS_NETWORK', hop, 'exit');
    }
    const subnet = r.dev === null ? null : this.dp.routedSubnet(r.dev);
    const nh = r.via ?? cur;
    const o = this.dp.owner(nh);
    const m = o?.kind === 'node' ? o.node : null;
    if (!subnet || !m || m.fam[nh.family].subnet !== subnet || !m.fam[nh.family].addr?.equals(nh)) {
      return this.end(subnet ? 'NEIGHBOR_UNREACHABLE' : 'NO_ROUTE', hop, 'drop');
    }
    return { at: 'host', node: m, ingress: this.physicalHop(m, 'receive') };
  }
}

/** The node has the VXLAN device of `family`: an overlay mode, and an underlay address of the family. */
function hasVxlan(dp: Datapath, n: NodeFacts, family: Family): boolean {
  const mode = dp.topology.network.mode;
  return (mode === 'vxlan' || mode === 'cross-subnet') && n.fam[family].addr !== null;
}

function hasIpip(dp: Datapath, n: NodeFacts, family: Family): boolean {
  return dp.topology.network.mode === 'ipip' && n.fam[family].addr !== null;
}
