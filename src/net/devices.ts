// Device names, MAC addresses and MTUs of the simulated datapath (SPEC §1).
// Everything here is a pure function of names and the network config, so the
// same definition always yields the same devices, across restarts.
import { createHash, hash } from 'node:crypto';
import type { Family } from './ip.js';
import type { Mode, NetworkConfig } from './model.js';

/** The pod end of every veth pair, inside the pod's namespace. */
export const POD_DEVICE = 'eth0';
/** IPv4-in-IPv4 tunnel device (the kernel's `ipip` fallback device). */
export const IPIP_DEVICE = 'tunl0';
/**
 * IPv6-in-IPv6 tunnel device. `tunl0` carries only IPv4, so IPv6 pod blocks in
 * `ipip` mode ride the kernel's `ip6tnl` fallback device instead.
 */
export const IPIP6_DEVICE = 'ip6tnl0';
/** Flannel's device for IPv6 VXLAN (the IPv4 one is `network.vxlan.device`). */
export const VXLAN6_DEVICE = 'flannel-v6.1';

const sha256 = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Host end of a pod's veth pair: `veth` + the first 4 bytes of
 * sha256(`namespace/name`) in lowercase hex, 12 characters in all (below the
 * kernel's 15-character IFNAMSIZ limit), the same on every apply.
 */
export function vethName(namespace: string, name: string): string {
  // One-shot hash: four times cheaper than createHash() per pod, the same bytes.
  return 'veth' + hash('sha256', `${namespace}/${name}`, 'hex').slice(0, 8);
}

/**
 * The node's VTEP MAC, from sha256(node name): a locally administered (0x02
 * bit set), unicast (0x01 bit clear) address, like `0a:1b:2c:3d:4e:5f`.
 */
export function vtepMac(nodeName: string): string {
  const b = sha256(nodeName).subarray(0, 6);
  b[0] = ((b[0] as number) & 0xfc) | 0x02;
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Bytes of encapsulation header a mode may add to a pod packet. */
export function modeOverhead(mode: Mode): number {
  switch (mode) {
    case 'vxlan':
    case 'cross-subnet': // VXLAN across subnets: the pod MTU must fit the worst case
      return 50;
    case 'ipip':
      return 20;
    case 'host-gw':
    case 'bgp':
      return 0;
  }
}

/** Pod (and bridge, veth) MTU: the underlay MTU minus the mode's overhead. */
export function podMtu(network: NetworkConfig): number {
  return network.mtu - modeOverhead(network.mode);
}

/** The VXLAN device carrying pod traffic of `family`. */
export function vxlanDevice(network: NetworkConfig, family: Family): string {
  return family === 4 ? network.vxlan.device : VXLAN6_DEVICE;
}

/** The IP-in-IP device carrying pod traffic of `family`. */
export function ipipDevice(family: Family): string {
  return family === 4 ? IPIP_DEVICE : IPIP6_DEVICE;
}

/**
 * MTU of a tunnel device carrying `family`: the underlay MTU minus its own
 * header. VXLAN over IPv6 (flannel-v6.1) has a 40-byte outer IP header, not
 * 20: 70 bytes in all, so the kernel (and flannel) give it underlay − 70.
 */
export function tunnelMtu(network: NetworkConfig, kind: 'vxlan' | 'ipip', family: Family = 4): number {
  if (kind === 'vxlan') return network.mtu - (family === 6 ? 70 : 50);
  return network.mtu - 20;
}
