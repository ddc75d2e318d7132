// What the path picture shows besides the hops themselves: the addresses,
// blocks and subnets of the namespaces a path crosses. Plain values, so the
// renderer can be fed by a datapath (pathScene) or by a test directly.
import type { Datapath } from '../net/datapath.js';
import { podMtu, tunnelMtu } from '../net/devices.js';
import { Addr, type Family } from '../net/ip.js';
import type { Mode } from '../net/model.js';
import { text } from '../net/routes.js';
import type { HopKind, Path } from '../net/trace.js';

export interface SceneNode {
  name: string;
  /** Underlay address of the path's family, or null. */
  address: string | null;
  iface: string;
  subnet: string | null;
  /** Pod block of the path's family and its gateway (held by the bridge). */
  block: string | null;
  gateway: string | null;
}

export interface ScenePod {
  ref: string;
  node: string;
  ip: string | null;
}

export interface SceneSubnet {
  name: string;
  cidr: string;
  gateway: string | null;
}

export interface PathScene {
  cluster: string;
  mode: Mode;
  family: Family;
  bridge: string;
  /** The MTU of each kind of device, for the path's family. */
  mtu: Record<HopKind, number>;
  /** The nodes and pods the path visits. */
  nodes: SceneNode[];
  pods: ScenePod[];
  /** The router's interfaces the path touches, and how many subnets it connects in all. */
  subnets: SceneSubnet[];
  routerSubnets: number;
}

/** The family a path's packet belongs to: its destination address's. */
export function pathFamily(path: Path): Family {
  return Addr.tryParse(path.to.ip)?.family ?? Addr.tryParse(path.from.ip)?.family ?? 4;
}

export function deviceMtus(underlay: number, pod: number, vxlan: number, ipip: number): Record<HopKind, number> {
  return { 'pod-eth': pod, veth: pod, bridge: pod, vxlan, ipip, physical: underlay, router: underlay };
}

/** The scene of `path`, traced on `dp`. */
export function pathScene(dp: Datapath, path: Path): PathScene {
  const family = pathFamily(path);
  const net = dp.topology.network;
  const nodeNames = new Set<string>();
  const podRefs = new Set<string>();
  const touched = new Set<string>();
  for (const h of path.hops) {
    if (h.node !== null) nodeNames.add(h.node);
    if (h.netns?.startsWith('pod:')) podRefs.add(h.netns.slice(4));
    if (h.kind === 'router' && h.dev !== null) touched.add(h.dev);
  }
  const nodes: SceneNode[] = [];
  for (const name of nodeNames) {
    const n = dp.node(name);
    if (!n) continue;
    const f = n.fam[family];
    if (f.subnet) touched.add(f.subnet.name);
    nodes.push({
      name, iface: n.iface, address: f.addr ? text(f.addr) : null, subnet: f.subnet?.name ?? null,
      block: f.block ? text(f.block) : null, gateway: f.gateway ? text(f.gateway) : null,
    });
  }
  const pods: ScenePod[] = [];
  for (const ref of podRefs) {
    const p = dp.pod(ref);
    if (p) pods.push({ ref, node: p.node.name, ip: p.ip(family) ? text(p.ip(family)!) : null });
  }
  const ofFamily = dp.subnets.filter((s) => s.cidr.family === family);
  return {
    cluster: dp.topology.name,
    mode: net.mode,
    family,
    bridge: net.bridge,
    mtu: deviceMtus(net.mtu, podMtu(net, family), tunnelMtu(net, 'vxlan', family), tunnelMtu(net, 'ipip', family)),
    nodes,
    pods,
    subnets: ofFamily.filter((s) => touched.has(s.name)).map((s) => ({ name: s.name, cidr: text(s.cidr), gateway: s.gateway ? text(s.gateway) : null })),
    routerSubnets: ofFamily.length,
  };
}
