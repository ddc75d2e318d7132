// The cluster as the pure core sees it: already parsed and validated values,
// no rows, no JSON. The store builds a Topology from the database; the
// datapath, tracer and verifier read it and never change it.
import type { Addr, Prefix } from './ip.js';

export type Mode = 'host-gw' | 'vxlan' | 'ipip' | 'cross-subnet' | 'bgp';
export const MODES: readonly Mode[] = ['host-gw', 'vxlan', 'ipip', 'cross-subnet', 'bgp'];

export interface VxlanConfig {
  device: string; // default 'flannel.1' (IPv6: 'flannel-v6.1')
  vni: number; // default 1
  port: number; // default 8472
}

export interface NetworkConfig {
  mode: Mode;
  mtu: number; // underlay MTU, default 1500
  bridge: string; // default 'cni0'
  vxlan: VxlanConfig;
}

export interface SubnetSpec {
  name: string;
  cidr: Prefix;
  gateway: Addr | null;
}

export interface NodeSpec {
  name: string;
  /** Underlay addresses, at most one per family; the first is the node's `address`. */
  addresses: Addr[];
  /** Physical interface name, default 'eth0'. */
  interface: string;
  /** Name of the subnet holding the node's address(es), or null when the cluster has no subnets. */
  subnet: string | null;
  /** Allocated pod blocks, at most one per family, primary family first. */
  podCidrs: Prefix[];
  /** The pinned VTEP MAC (canonical, see devices.parseMac); absent: derived from the name (devices.vtepMac). */
  vtepMac?: string;
  /** The pinned MAC of the IPv6 VXLAN device; absent: the same as the IPv4 one. */
  vtepMac6?: string;
}

export interface PodSpec {
  namespace: string;
  name: string;
  node: string;
  /** Allocated IPs, one per family of the node's blocks, primary family first. */
  ips: Addr[];
}

/** A cluster's own fields: everything of a Topology but its nodes and pods. */
export interface ClusterSettings {
  name: string;
  /** One or two prefixes (at most one per family); the first is the primary family. */
  podCidrs: Prefix[];
  serviceCidr: Prefix | null;
  nodeMaskSize: { ipv4: number; ipv6: number };
  network: NetworkConfig;
  subnets: SubnetSpec[];
  reserved: Prefix[];
}

/** The ranges no node block may take: the reserved ranges and the service CIDR. */
export function excludedRanges(s: ClusterSettings): Prefix[] {
  return s.serviceCidr ? [...s.reserved, s.serviceCidr] : [...s.reserved];
}

export interface Topology extends ClusterSettings {
  /** In definition order. */
  nodes: NodeSpec[];
  pods: PodSpec[];
}

export const DEFAULT_NETWORK: NetworkConfig = {
  mode: 'host-gw',
  mtu: 1500,
  bridge: 'cni0',
  vxlan: { device: 'flannel.1', vni: 1, port: 8472 },
};
