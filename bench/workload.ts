// The SPEC §9 benchmark workload: a Kubernetes-sized cluster definition
// ("k8s-5k": 5,000 nodes in 20 underlay subnets of 250, 30 pods per node,
// mode cross-subnet, pod CIDR 10.0.0.0/11 with a /24 per node) and its
// scaled variants (1,000 and 20,000 nodes).
//
// Layout (deterministic, so every run applies byte-identical definitions):
// - underlay subnet k (0-based) is 172.(16 + k div 256).(k mod 256).0/24,
//   named `rack-<k>`, gateway .1; its nodes take .2 … .251 (250 nodes) and
//   .252 … .254 stay free for the "add one node" samples. 172.16.0.0/12 holds
//   4,096 such subnets (over a million nodes) and never overlaps 10.0.0.0/8.
// - node i is `node-<i>`, in subnet floor(i / nodesPerSubnet), in definition
//   order; on an empty database first-fit gives it the i-th /24 of the pod
//   CIDR (10.0.0.0/24, 10.0.1.0/24, …).
// - pod j (0-based) of node i is `ns-<j>/pod-<i>-<j>`: 30 namespaces, each
//   with one pod per node (like a DaemonSet-ish spread); first-fit gives it
//   the (j + 2)-th address of the node's /24 (.0 is the network, .1 the gateway).
// - pod CIDR: the SPEC's 10.0.0.0/11 (8,192 /24s) while the nodes fit with
//   headroom; above that the smallest 10.0.0.0/N (N ≥ 8) that holds the nodes
//   plus the same headroom: 20,000 nodes → 10.0.0.0/9 (32,768 /24s).
//   10.0.0.0/8 (65,536 /24s) is the largest; more nodes than that is an error.

export interface K8sWorkloadOptions {
  nodes: number;
  /** Default 30 (Kubernetes' 150,000 pods / 5,000 nodes). */
  podsPerNode?: number;
  /** Underlay subnets; default ceil(nodes / 250). At most 250 nodes fit in one. */
  subnets?: number;
  /** Default `k8s-<nodes/1000>k` (`k8s-5k`), or `k8s-<nodes>` below 1,000. */
  name?: string;
}

export interface SubnetDef { name: string; cidr: string; gateway: string }
export interface NodeDef { name: string; address: string }
export interface PodDef { name: string; namespace: string; node: string }

/** The JSON body of `POST /v1/clusters` (SPEC §3). */
export interface ClusterDefinition {
  name: string;
  podCidrs: string[];
  nodeMaskSize: { ipv4: number };
  network: { mode: 'cross-subnet' };
  subnets: SubnetDef[];
  nodes: NodeDef[];
  pods: PodDef[];
}

export const NODES_PER_SUBNET_MAX = 250;
/** Blocks kept free beyond the nodes (the bench adds up to this many nodes). */
export const HEADROOM_BLOCKS = 256;
/** Spare host addresses per subnet, after the 250 node addresses. */
export const SPARE_HOSTS = [252, 253, 254] as const;

export function defaultName(nodes: number): string {
  return nodes >= 1000 && nodes % 1000 === 0 ? `k8s-${nodes / 1000}k` : `k8s-${nodes}`;
}

/** The pod CIDR's prefix length for `nodes` /24 blocks (see the header). */
export function podCidrBits(nodes: number): number {
  for (let bits = 11; bits >= 8; bits--) {
    if (2 ** (24 - bits) >= nodes + HEADROOM_BLOCKS) return bits;
  }
  throw new Error(`${nodes} nodes (+${HEADROOM_BLOCKS} headroom) do not fit in 10.0.0.0/8 with a /24 per node`);
}

function subnetOctets(k: number): [number, number] {
  const second = 16 + Math.floor(k / 256);
  if (second > 31) throw new Error(`subnet ${k} is outside 172.16.0.0/12`);
  return [second, k % 256];
}

export function subnetCidr(k: number): string {
  const [b, c] = subnetOctets(k);
  return `172.${b}.${c}.0/24`;
}

/** Host `h` (1..254) of underlay subnet k. */
export function subnetHost(k: number, h: number): string {
  const [b, c] = subnetOctets(k);
  return `172.${b}.${c}.${h}`;
}

export function subnetLayout(nodes: number, subnets?: number): { subnets: number; perSubnet: number } {
  const count = subnets ?? Math.ceil(nodes / NODES_PER_SUBNET_MAX);
  if (!Number.isInteger(count) || count < 1) throw new Error(`subnets: expected a positive integer, got ${subnets}`);
  const perSubnet = Math.ceil(nodes / count);
  if (perSubnet > NODES_PER_SUBNET_MAX) {
    throw new Error(`${nodes} nodes in ${count} subnets is ${perSubnet} per subnet; at most ${NODES_PER_SUBNET_MAX} fit in a /24 with the gateway and spares`);
  }
  return { subnets: count, perSubnet };
}

export const nodeName = (i: number): string => `node-${i}`;
export const podName = (i: number, j: number): string => `pod-${i}-${j}`;
export const podNamespace = (j: number): string => `ns-${j}`;

export function k8sDefinition(opts: K8sWorkloadOptions): ClusterDefinition {
  const { nodes } = opts;
  const podsPerNode = opts.podsPerNode ?? 30;
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`nodes: expected a positive integer, got ${nodes}`);
  if (!Number.isInteger(podsPerNode) || podsPerNode < 0 || podsPerNode > 253) {
    throw new Error(`podsPerNode: expected 0..253 (a /24 minus network, gateway and broadcast), got ${podsPerNode}`);
  }
  const layout = subnetLayout(nodes, opts.subnets);
  const subnets: SubnetDef[] = [];
  for (let k = 0; k < layout.subnets; k++) {
    subnets.push({ name: `rack-${k}`, cidr: subnetCidr(k), gateway: subnetHost(k, 1) });
  }
  const nodeDefs: NodeDef[] = new Array(nodes);
  for (let i = 0; i < nodes; i++) {
    const k = Math.floor(i / layout.perSubnet);
    nodeDefs[i] = { name: nodeName(i), address: subnetHost(k, 2 + (i % layout.perSubnet)) };
  }
  const pods: PodDef[] = new Array(nodes * podsPerNode);
  for (let i = 0, p = 0; i < nodes; i++) {
    const node = nodeName(i);
    for (let j = 0; j < podsPerNode; j++) pods[p++] = { name: podName(i, j), namespace: podNamespace(j), node };
  }
  return {
    name: opts.name ?? defaultName(nodes),
    podCidrs: [`10.0.0.0/${podCidrBits(nodes)}`],
    nodeMaskSize: { ipv4: 24 },
    network: { mode: 'cross-subnet' },
    subnets,
    nodes: nodeDefs,
    pods,
  };
}

/** The /24 first-fit gives node i on an empty database (no reserved or service ranges). */
export function expectedBlock(i: number): string {
  return `10.${Math.floor(i / 256)}.${i % 256}.0/24`;
}

/** The IP first-fit gives pod j of node i on an empty database. */
export function expectedPodIp(i: number, j: number): string {
  return `10.${Math.floor(i / 256)}.${i % 256}.${j + 2}`;
}

/** Where the spare address s (0-based) of the "add one node" samples lives, and its name. */
export function extraNode(s: number, subnets: number, runTag: string): NodeDef {
  const k = s % subnets;
  const h = SPARE_HOSTS[Math.floor(s / subnets) % SPARE_HOSTS.length]!;
  return { name: `extra-${runTag}-${s}`, address: subnetHost(k, h) };
}

/**
 * Column arrays of every row the definition becomes on an empty database,
 * for the floor (one INSERT … SELECT FROM unnest(…) per table). Allocations
 * are computed here the way first-fit makes them (checked against the
 * service's answer by the bench).
 */
export interface RowColumns {
  subnets: { ordinal: number[]; name: string[]; cidr: string[]; gateway: string[] };
  nodes: { ordinal: number[]; name: string[]; address: string[]; subnet: string[]; block: string[] };
  pods: { ordinal: number[]; namespace: string[]; name: string[]; nodeOrdinal: number[]; ip: string[] };
}

export function expectedRows(def: ClusterDefinition): RowColumns {
  const subnetOf = new Map<string, string>();
  const layout = subnetLayout(def.nodes.length, def.subnets.length);
  def.nodes.forEach((n, i) => subnetOf.set(n.name, def.subnets[Math.floor(i / layout.perSubnet)]!.name));
  const nodeIndex = new Map(def.nodes.map((n, i) => [n.name, i]));
  const nextOnNode = new Map<string, number>();
  const pods: RowColumns['pods'] = { ordinal: [], namespace: [], name: [], nodeOrdinal: [], ip: [] };
  def.pods.forEach((p, k) => {
    const i = nodeIndex.get(p.node)!;
    const j = nextOnNode.get(p.node) ?? 0;
    nextOnNode.set(p.node, j + 1);
    pods.ordinal.push(k);
    pods.namespace.push(p.namespace);
    pods.name.push(p.name);
    pods.nodeOrdinal.push(i);
    pods.ip.push(expectedPodIp(i, j));
  });
  return {
    subnets: {
      ordinal: def.subnets.map((_, k) => k),
      name: def.subnets.map((s) => s.name),
      cidr: def.subnets.map((s) => s.cidr),
      gateway: def.subnets.map((s) => s.gateway),
    },
    nodes: {
      ordinal: def.nodes.map((_, i) => i),
      name: def.nodes.map((n) => n.name),
      address: def.nodes.map((n) => n.address),
      subnet: def.nodes.map((n) => subnetOf.get(n.name)!),
      block: def.nodes.map((_, i) => expectedBlock(i)),
    },
    pods,
  };
}
