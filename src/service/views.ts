// What clients see: the JSON shapes of SPEC §3 built from core values.
import { BlockAllocator, capacityOf, gatewayOf, type Count } from '../net/allocator.js';
import { nodeVtepMac, podMtu, podMtus, vethName } from '../net/devices.js';
import { excludedRanges, type ClusterSettings, type NodeSpec, type PodSpec, type Topology } from '../net/model.js';
import type { ClusterRecord } from '../store/records.js';

export interface NodeView {
  name: string; address: string; addresses: string[]; interface: string; subnet: string | null;
  podCidrs: string[]; gateways: string[]; vtepMac: string;
  /** Nodes with an IPv6 block: the IPv6 VXLAN device's MAC. */
  vtepMac6?: string;
}
export interface PodView { name: string; namespace: string; ref: string; node: string; ips: string[]; vethName: string }
export interface FamilyCapacity {
  family: 'ipv4' | 'ipv6'; cidr: string; nodeMaskSize: number;
  total: Count; used: number; free: Count; excluded: Count; utilization: number;
}
export interface CapacityView { maxNodes: Count; used: number; free: Count; utilization: number; families: FamilyCapacity[] }

export function nodeView(n: NodeSpec): NodeView {
  return {
    name: n.name,
    address: n.addresses[0]!.toString(),
    addresses: n.addresses.map(String),
    interface: n.interface,
    subnet: n.subnet,
    podCidrs: n.podCidrs.map(String),
    gateways: n.podCidrs.map((p) => gatewayOf(p).toString()),
    vtepMac: nodeVtepMac(n),
    ...(n.podCidrs.some((b) => b.family === 6) ? { vtepMac6: nodeVtepMac(n, 6) } : {}),
  };
}

export function podView(p: PodSpec): PodView {
  return {
    name: p.name, namespace: p.namespace, ref: `${p.namespace}/${p.name}`, node: p.node,
    ips: p.ips.map(String), vethName: vethName(p.namespace, p.name),
  };
}

/** SPEC §2: maxNodes = 2^(nodeMask − clusterPrefix) minus blocks taken by reserved/service ranges. */
export function capacityView(s: ClusterSettings, nodes: readonly NodeSpec[]): CapacityView {
  const excluded = excludedRanges(s);
  const families: FamilyCapacity[] = s.podCidrs.map((range) => {
    const bits = range.family === 4 ? s.nodeMaskSize.ipv4 : s.nodeMaskSize.ipv6;
    const alloc = new BlockAllocator(range, bits, excluded);
    let used = 0;
    for (const n of nodes) {
      for (const b of n.podCidrs) {
        if (b.family !== range.family) continue;
        try {
          alloc.occupy(b);
        } catch {
          // Counted anyway: a stored block that conflicts is still a node's block.
        }
        used++;
      }
    }
    const c = alloc.capacity();
    return {
      family: range.family === 4 ? 'ipv4' : 'ipv6', cidr: range.toString(), nodeMaskSize: bits,
      total: c.total, used, free: c.free, excluded: c.excluded, utilization: c.utilization,
    };
  });
  const primary = families[0]!;
  return { maxNodes: primary.total, used: primary.used, free: primary.free, utilization: primary.utilization, families };
}

export interface FamilyUtilization { cluster: string; family: 'ipv4' | 'ipv6'; used: number; total: Count; utilization: number }

/** As capacityView's figures, from a count of the node blocks each family has taken. */
export function familyUtilization(s: ClusterSettings, blocks: { ipv4: number; ipv6: number }): FamilyUtilization[] {
  const excluded = [...s.reserved, ...(s.serviceCidr ? [s.serviceCidr] : [])];
  return s.podCidrs.map((range) => {
    const family = range.family === 4 ? 'ipv4' : 'ipv6';
    const empty = new BlockAllocator(range, range.family === 4 ? s.nodeMaskSize.ipv4 : s.nodeMaskSize.ipv6, excluded).capacity();
    const c = capacityOf(BigInt(empty.total), blocks[family], BigInt(empty.excluded));
    return { cluster: s.name, family, used: c.used, total: c.total, utilization: c.utilization };
  });
}

export function settingsView(s: ClusterSettings) {
  return {
    name: s.name,
    podCidrs: s.podCidrs.map(String),
    nodeMaskSize: { ...s.nodeMaskSize },
    serviceCidr: s.serviceCidr?.toString() ?? null,
    network: { mode: s.network.mode, mtu: s.network.mtu, bridge: s.network.bridge, vxlan: { ...s.network.vxlan } },
    subnets: s.subnets.map((x) => ({ name: x.name, cidr: x.cidr.toString(), gateway: x.gateway?.toString() ?? null })),
    reserved: s.reserved.map(String),
  };
}

export type ClusterView = ReturnType<typeof clusterView>;
type Stamp = Pick<ClusterRecord, 'version' | 'createdAt' | 'updatedAt'> | null;

export function clusterView(t: Topology, row: Stamp) {
  return {
    ...settingsView(t),
    nodes: t.nodes.map(nodeView),
    pods: t.pods.map(podView),
    ...clusterFacts(t, row),
  };
}

/** Pods as clusterViewPieces reads them: by index, so a pod table need not make a row per pod at once. */
export interface PodSource { readonly length: number; row(i: number): PodSpec }

/**
 * clusterView's JSON text in pieces: the same bytes as
 * `JSON.stringify(clusterView(t, row))` joined, made `per` nodes or pods at a
 * time, so that a caller can yield between pieces and never holds the whole
 * text, or a view object per pod, at once (k8s-65k: ~280 MB of text).
 */
export function* clusterViewPieces(t: ClusterSettings & { nodes: readonly NodeSpec[] }, pods: PodSource, row: Stamp, per = 2048): Generator<string> {
  const head = JSON.stringify(settingsView(t));
  const facts = JSON.stringify(clusterFacts(t, row));
  yield `${head.slice(0, -1)},"nodes":[`;
  for (let i = 0; i < t.nodes.length; i += per) {
    const parts: string[] = [];
    for (let k = i; k < Math.min(i + per, t.nodes.length); k++) parts.push(JSON.stringify(nodeView(t.nodes[k]!)));
    yield (i > 0 ? ',' : '') + parts.join(',');
  }
  yield '],"pods":[';
  for (let i = 0; i < pods.length; i += per) {
    const parts: string[] = [];
    for (let k = i; k < Math.min(i + per, pods.length); k++) parts.push(JSON.stringify(podView(pods.row(k))));
    yield (i > 0 ? ',' : '') + parts.join(',');
  }
  yield `],${facts.slice(1)}`;
}

function clusterFacts(t: ClusterSettings & { nodes: readonly NodeSpec[] }, row: Stamp) {
  return {
    podMtu: podMtu(t.network, t.podCidrs[0]?.family ?? 4),
    ...(t.podCidrs.length > 1 ? { podMtus: podMtus(t.network, t.podCidrs.map((c) => c.family)) } : {}),
    capacity: capacityView(t, t.nodes),
    ...(row ? { version: Number(row.version), createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() } : {}),
  };
}

/**
 * An apply's answer leaves out the node and pod lists (the summary view)
 * when asked to, or by default when the cluster holds more nodes and pods
 * than this: a 65,000-node apply would otherwise echo ~300 MB. The whole
 * cluster stays at its GET. README and the OpenAPI document say the same.
 */
export const SUMMARY_ABOVE = 50_000;
/** The summary view lists at most this many changes; changeCounts has them all. */
export const SUMMARY_CHANGES = 100;

export type ApplyView = 'full' | 'summary';

/** What the summary view and applyViewFor read: a Topology, or a snapshot's settings, nodes and pod table (its pods only counted). */
export type ClusterShape = ClusterSettings & { nodes: readonly NodeSpec[]; pods: { readonly length: number } };

export function applyViewFor(requested: ApplyView | undefined, t: ClusterShape): ApplyView {
  return requested ?? (t.nodes.length + t.pods.length > SUMMARY_ABOVE ? 'summary' : 'full');
}

/** The cluster view without its nodes and pods: their counts instead, and `view: "summary"`. */
export function clusterSummaryView(t: ClusterShape, row: Stamp) {
  return { view: 'summary' as const, ...settingsView(t), counts: { nodes: t.nodes.length, pods: t.pods.length }, ...clusterFacts(t, row) };
}

type KindCounts = Record<'cluster' | 'node' | 'pod', number>;
export type ChangeCounts = Record<'create' | 'update' | 'delete', KindCounts>;
