// Small topologies for the datapath tests, built directly as core values.
import fc from 'fast-check';
import { Addr, Prefix } from '../../src/net/ip.js';
import { DEFAULT_NETWORK, MODES, type Mode, type Topology } from '../../src/net/model.js';
import type { Route } from '../../src/net/routes.js';

export interface NodeDef {
  name: string;
  /** Underlay addresses (at most one per family). */
  addrs?: string[];
  /** Pinned blocks; otherwise the i-th block of each pod CIDR. */
  blocks?: string[];
  iface?: string;
}

export interface PodDef {
  name: string;
  ns?: string;
  node: string;
  /** Pinned IPs; otherwise block + 2 + (index of the pod on its node). */
  ips?: string[];
}

export interface TopoDef {
  mode?: Mode;
  mtu?: number;
  podCidrs?: string[];
  mask?: { ipv4: number; ipv6: number };
  subnets?: { name: string; cidr: string; gateway?: string | null }[];
  reserved?: string[];
  serviceCidr?: string;
  nodes: NodeDef[];
  pods?: PodDef[];
}

export function buildTopology(d: TopoDef): Topology {
  const podCidrs = (d.podCidrs ?? ['10.1.0.0/16']).map((s) => Prefix.parse(s));
  const mask = d.mask ?? { ipv4: 24, ipv6: 64 };
  const subnets = (d.subnets ?? []).map((s) => ({
    name: s.name,
    cidr: Prefix.parse(s.cidr),
    gateway: s.gateway ? Addr.parse(s.gateway) : null,
  }));
  const nodes = d.nodes.map((n, i) => {
    const addresses = (n.addrs ?? []).map((a) => Addr.parse(a));
    const subnet = subnets.find((s) => addresses.some((a) => s.cidr.contains(a)))?.name ?? null;
    const blocks = n.blocks
      ? n.blocks.map((b) => Prefix.parse(b))
      : podCidrs.map((p) => p.subnet(p.family === 4 ? mask.ipv4 : mask.ipv6, BigInt(i + 1)));
    return { name: n.name, addresses, interface: n.iface ?? 'eth0', subnet, podCidrs: blocks };
  });
  const perNode = new Map<string, number>();
  const pods = (d.pods ?? []).map((p) => {
    const k = perNode.get(p.node) ?? 0;
    perNode.set(p.node, k + 1);
    const node = nodes.find((n) => n.name === p.node);
    const ips = p.ips
      ? p.ips.map((s) => Addr.parse(s))
      : (node?.podCidrs ?? []).map((b) => b.addr.add(BigInt(2 + k)));
    return { namespace: p.ns ?? 'default', name: p.name, node: p.node, ips };
  });
  return {
    name: 'test',
    podCidrs,
    serviceCidr: d.serviceCidr ? Prefix.parse(d.serviceCidr) : null,
    nodeMaskSize: mask,
    network: { ...DEFAULT_NETWORK, mode: d.mode ?? 'host-gw', mtu: d.mtu ?? 1500 },
    subnets,
    reserved: (d.reserved ?? []).map((s) => Prefix.parse(s)),
    nodes,
    pods,
  };
}

// ---- the three-node cluster most tests use ----------------------------------------

export type Stack = 'ipv4' | 'ipv6' | 'dual';

/**
 * Nodes a and b share subnet rack1, c is alone in rack2 (or all three share a
 * flat underlay when `flat`); pods x and y run on a, z on b, w on c.
 * IPv4: pod range 10.1.0.0/16, blocks 10.1.{1,2,3}.0/24, nodes 192.168.0.11,
 * 192.168.0.12, 192.168.1.13, gateways .1. IPv6: pod range fd00:10:1::/48,
 * blocks fd00:10:1:{1,2,3}::/64, nodes fd00:ff::11, fd00:ff::12,
 * fd00:ff:0:1::13, gateways ::1.
 */
export function threeNodes(mode: Mode, stack: Stack = 'ipv4', flat = false): TopoDef {
  const v4 = stack !== 'ipv6';
  const v6 = stack !== 'ipv4';
  const subnets: TopoDef['subnets'] = [];
  if (!flat && v4) subnets.push({ name: 'rack1', cidr: '192.168.0.0/24', gateway: '192.168.0.1' }, { name: 'rack2', cidr: '192.168.1.0/24', gateway: '192.168.1.1' });
  if (!flat && v6) subnets.push({ name: 'rack1-v6', cidr: 'fd00:ff::/64', gateway: 'fd00:ff::1' }, { name: 'rack2-v6', cidr: 'fd00:ff:0:1::/64', gateway: 'fd00:ff:0:1::1' });
  const addrs = (a4: string, a6: string): string[] => [...(v4 ? [a4] : []), ...(v6 ? [a6] : [])];
  return {
    mode,
    podCidrs: [...(v4 ? ['10.1.0.0/16'] : []), ...(v6 ? ['fd00:10:1::/48'] : [])],
    subnets,
    nodes: [
      { name: 'a', addrs: addrs('192.168.0.11', 'fd00:ff::11') },
      { name: 'b', addrs: addrs('192.168.0.12', 'fd00:ff::12') },
      { name: 'c', addrs: addrs(flat ? '192.168.0.13' : '192.168.1.13', flat ? 'fd00:ff::13' : 'fd00:ff:0:1::13') },
    ],
    pods: [
      { name: 'x', node: 'a' },
      { name: 'y', node: 'a' },
      { name: 'z', node: 'b' },
      { name: 'w', node: 'c' },
    ],
  };
}

// ---- random small clusters for the oracle tests --------------------------------------

export interface RandomCluster {
  def: TopoDef;
  /** Extra routes per node name (blackholes and detours), sometimes. */
  extra: Record<string, Route[]>;
}

const nodeArb = fc.record({
  addr4: fc.integer({ min: 0, max: 9 }), // 0: no address; 9: outside every subnet
  addr6: fc.integer({ min: 0, max: 9 }),
  subnet: fc.nat(),
  host: fc.integer({ min: 0, max: 60 }), // collisions are rare but possible
  block4: fc.integer({ min: 0, max: 19 }), // 0: none; 19: collide with node 0's block
  block6: fc.integer({ min: 0, max: 19 }),
  pods: fc.integer({ min: 0, max: 2 }),
});

const extraArb = fc.record({ node: fc.nat(), target: fc.nat(), kind: fc.constantFrom('blackhole', 'detour', 'wide') });

export const randomClusterArb: fc.Arbitrary<RandomCluster> = fc
  .record({
    mode: fc.constantFrom(...MODES),
    stack: fc.constantFrom<Stack>('ipv4', 'ipv6', 'dual'),
    subnets: fc.integer({ min: 0, max: 3 }),
    gateways: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    nodes: fc.array(nodeArb, { minLength: 2, maxLength: 6 }),
    extras: fc.array(extraArb, { maxLength: 2 }),
    withExtras: fc.integer({ min: 0, max: 4 }),
  })
  .map((r) => {
    const v4 = r.stack !== 'ipv6';
    const v6 = r.stack !== 'ipv4';
    const subnets: NonNullable<TopoDef['subnets']> = [];
    for (let i = 0; i < r.subnets; i++) {
      const gw = r.gateways[i] !== false;
      if (v4) subnets.push({ name: `s${i}`, cidr: `192.168.${i}.0/24`, gateway: gw ? `192.168.${i}.1` : null });
      if (v6) subnets.push({ name: `s${i}-v6`, cidr: `fd00:ff:0:${i}::/64`, gateway: gw ? `fd00:ff:0:${i}::1` : null });
    }
    const nodes: NodeDef[] = r.nodes.map((n, i) => {
      const s = r.subnets === 0 ? 0 : n.subnet % r.subnets;
      const host = n.host + 10;
      const addrs: string[] = [];
      if (v4 && n.addr4 > 0) addrs.push(n.addr4 === 9 ? `10.200.0.${host}` : `192.168.${s}.${host}`);
      if (v6 && n.addr6 > 0) addrs.push(n.addr6 === 9 ? `fd00:200::${host.toString(16)}` : `fd00:ff:0:${s}::${host.toString(16)}`);
      const blocks: string[] = [];
      if (v4 && n.block4 > 0) blocks.push(`10.1.${n.block4 === 19 && i > 0 ? 1 : i + 1}.0/24`);
      if (v6 && n.block6 > 0) blocks.push(`fd00:10:1:${n.block6 === 19 && i > 0 ? 1 : i + 1}::/64`);
      return { name: `n${i}`, addrs, blocks };
    });
    const pods: PodDef[] = [];
    r.nodes.forEach((n, i) => {
      for (let k = 0; k < n.pods; k++) pods.push({ name: `p${i}-${k}`, ns: k % 2 ? 'kube-system' : 'default', node: `n${i}` });
    });
    const def: TopoDef = { mode: r.mode, podCidrs: [...(v4 ? ['10.1.0.0/16'] : []), ...(v6 ? ['fd00:10:1::/48'] : [])], subnets, nodes, pods };
    const extra: Record<string, Route[]> = {};
    if (r.withExtras === 0) {
      const topo = buildTopology(def);
      for (const e of r.extras) {
        const a = topo.nodes[e.node % topo.nodes.length]!;
        const b = topo.nodes[e.target % topo.nodes.length]!;
        const block = b.podCidrs[0];
        if (!block) continue;
        const list = (extra[a.name] ??= []);
        if (e.kind === 'blackhole') list.push(staticRoute(block, null, null, 'blackhole'));
        else if (e.kind === 'wide') list.push(staticRoute(Prefix.from(block.addr, block.bits - 8), null, null, 'blackhole'));
        else {
          const via = b.addresses.find((x) => x.family === block.family);
          if (via) list.push(staticRoute(Prefix.from(block.addr, block.bits - 4), via, a.interface));
        }
      }
    }
    return { def, extra };
  });

/** A hand-made route, as `ip route replace` would add it. */
export function staticRoute(dst: Prefix, via: Addr | null, dev: string | null, type: Route['type'] = 'unicast'): Route {
  return { dst, via, dev, src: null, proto: 'static', scope: null, onlink: false, type };
}
