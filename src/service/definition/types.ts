// What a definition parses into: core values, validated, pins not yet allocated.
import type { Addr, Prefix } from '../../net/ip.js';
import type { ClusterSettings } from '../../net/model.js';

export interface NodeDefinition {
  name: string;
  /** Underlay addresses, at most one per family, in the order given; the first is the node's `address`. */
  addresses: Addr[];
  interface: string;
  /** Pinned blocks, at most one per family; [] if none. */
  podCidrs: Prefix[];
  /** The pinned VTEP MAC, canonical; absent: derived from the name. */
  vtepMac?: string;
  /** The pinned MAC of the IPv6 VXLAN device; absent: the same as vtepMac. */
  vtepMac6?: string;
  /**
   * The subnet holding the node: the one holding its IPv4 address, else the
   * one holding its IPv6 address (when only IPv6 subnets exist). Null when the
   * cluster has no subnets.
   */
  subnet: string | null;
}

export interface PodDefinition {
  namespace: string;
  name: string;
  node: string;
  /** Pinned IPs, at most one per family; [] if none. */
  ips: Addr[];
}

export interface ClusterDefinition extends ClusterSettings {
  nodes: NodeDefinition[];
  pods: PodDefinition[];
}
