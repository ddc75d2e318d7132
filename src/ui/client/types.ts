// The shapes the console reads from podnet's public API (SPEC §3–§6). The
// console is a client of that contract like any other, so it states what it
// relies on here rather than importing the server's internals.

export interface Page<T> { items: T[]; total?: number; nextCursor: string | null }

export interface ClusterSummary { name: string; podCidrs: string[]; mode: string; nodes: number; pods: number; version: number; updatedAt: string }

export interface NodeView {
  name: string; address: string; addresses: string[]; interface: string; subnet: string | null;
  podCidrs: string[]; gateways: string[]; vtepMac: string;
}

export interface PodView { name: string; namespace: string; ref: string; node: string; ips: string[]; vethName: string }

export interface FamilyCapacity {
  family: 'ipv4' | 'ipv6'; cidr: string; nodeMaskSize: number;
  total: number | string; used: number; free: number | string; excluded: number | string; utilization: number;
}

export interface Capacity { maxNodes: number | string; used: number; free: number | string; utilization: number; families: FamilyCapacity[] }

export interface Subnet { name: string; cidr: string; gateway: string | null }

/** What the cluster page asks GraphQL for (the REST cluster body carries every pod). */
export interface ClusterInfo {
  name: string; mode: string; podCidrs: string[]; serviceCidr: string | null; mtu: number; podMtu: number;
  reserved: string[]; version: number | null; updatedAt: string | null;
  network: { bridge: string; vxlan: { device: string; vni: number; port: number } };
  subnets: Subnet[];
  capacity: Capacity;
}

export interface VerifyFailure { message: string; [field: string]: unknown }
export interface VerifyCheck { name: string; ok: boolean; detail?: string; failures?: VerifyFailure[]; failureCount?: number; figures?: Record<string, unknown> }
export interface VerifyReport { ok: boolean; checks: VerifyCheck[] }

export interface RouteJson { dst: string; via: string | null; dev: string | null; type: string; text: string }
export interface RouteTable {
  routes: RouteJson[];
  neighbors: { dst: string; lladdr: string; dev: string }[];
  fdb: { mac: string; dev: string; dst: string }[];
}

export type HopKind = 'pod-eth' | 'veth' | 'bridge' | 'physical' | 'vxlan' | 'ipip' | 'router';
export interface Hop {
  index: number; node: string | null; netns: string | null; dev: string | null; kind: HopKind; action: string;
  route?: string; packet: { src: string; dst: string; ttl: number };
  outer?: { src: string; dst: string; protocol: string; port?: number; vni?: number };
}
export interface Endpoint { kind: 'pod' | 'node' | 'router' | 'external'; ip: string; ref?: string; name?: string; node?: string; subnet?: string }
export interface Path {
  from: Endpoint; to: Endpoint; disposition: string; sameNode: boolean; encapsulation: string | null;
  natFree: boolean; mtu: number | null; hops: Hop[];
}

/** RFC 9457 problem details, as every podnet error is. */
export interface Problem { status: number; code?: string; title?: string; detail?: string; errors?: { path: string; message: string }[] }
