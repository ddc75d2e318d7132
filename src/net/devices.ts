// Device names, MAC addresses and MTUs of the simulated datapath (SPEC §1).
// Everything here is a pure function of names and the network config, so the
// same definition always yields the same devices, across restarts.
import { hash } from 'node:crypto';
import { NetError, type Family } from './ip.js';
import type { Mode, NetworkConfig } from './model.js';
import { quoted } from './clip.js';
import { hex8, sha256Ascii } from './sha256.js';

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
 * vethName for one pod among other work, as the tracer asks for a path's two
 * pods: hashed in JavaScript (sha256.ts), whose few instructions stay in the
 * caches where node:crypto's path into OpenSSL does not (at k8s-5k under
 * load: ~1.3 µs per name against ~2.4 µs). In a loop over many pods (views,
 * route tables) node:crypto is faster (0.28 against 0.50 µs), so vethName
 * keeps it. Non-ASCII names (not DNS names) take vethName.
 */
export function vethNameOfOne(namespace: string, name: string): string {
  return sha256Ascii(`${namespace}/${name}`, DIGEST) ? 'veth' + hex8(DIGEST) : vethName(namespace, name);
}

/** The digest vethNameOfOne reads back at once (nothing runs between its write and its read). */
const DIGEST = new Int32Array(8);

/**
 * The node's VTEP MAC, from sha256(node name): a locally administered (0x02
 * bit set), unicast (0x01 bit clear) address, like `0a:1b:2c:3d:4e:5f`.
 */
export function vtepMac(nodeName: string): string {
  // One-shot hash to hex, as vethName: a quarter of createHash()'s cost, and every node of every datapath asks.
  const h = hash('sha256', nodeName, 'hex');
  const first = ((parseInt(h.slice(0, 2), 16) & 0xfc) | 0x02).toString(16).padStart(2, '0');
  return `${first}:${h.slice(2, 4)}:${h.slice(4, 6)}:${h.slice(6, 8)}:${h.slice(8, 10)}:${h.slice(10, 12)}`;
}

/**
 * The MAC of a node's VXLAN device of `family`: its pinned `vtepMac`, else the
 * one derived from its name; the IPv6 device (flannel-v6.1) has its own when
 * `vtepMac6` is pinned (Flannel gives each device a MAC of its own).
 */
export function nodeVtepMac(node: { name: string; vtepMac?: string; vtepMac6?: string }, family: Family = 4): string {
  return (family === 6 ? node.vtepMac6 : undefined) ?? node.vtepMac ?? vtepMac(node.name);
}

const MAC_RE = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;

/**
 * A unicast Ethernet MAC in its canonical form: six hex octets, lower case,
 * `:`-separated (as `ip link` and Flannel print it). `-` separators and upper
 * case are accepted on the way in. A multicast address (the 0x01 bit of the
 * first octet, broadcast included) or all zeros cannot be a VTEP:
 * `parseMac("01:00:5e:00:00:01")` throws.
 */
export function parseMac(s: string): string {
  if (!MAC_RE.test(s)) throw new NetError('MAC_SYNTAX', s, `ParseMAC(${quoted(s)}): expected six hex octets like 0a:1b:2c:3d:4e:5f`);
  const mac = s.toLowerCase().replace(/-/g, ':');
  if (parseInt(mac.slice(0, 2), 16) & 1) throw new NetError('MAC_MULTICAST', s, `ParseMAC(${quoted(s)}): a multicast address; a VTEP needs a unicast MAC`);
  if (mac === '00:00:00:00:00:00') throw new NetError('MAC_ZERO', s, `ParseMAC(${quoted(s)}): the all-zero address; a VTEP needs a unicast MAC`);
  return mac;
}

/**
 * Bytes of encapsulation header a mode adds to a pod packet of `family`. The
 * tunnel of a family rides the underlay of the same family (IPv6 pod traffic
 * uses the nodes' IPv6 addresses as tunnel endpoints), so the outer IP header
 * is 20 bytes for IPv4 and 40 for IPv6: VXLAN 50 / 70 (outer IP + UDP 8 +
 * VXLAN 8 + inner Ethernet 14), IP-in-IP 20 (`tunl0`) / 40 (`ip6tnl0`).
 */
export function modeOverhead(mode: Mode, family: Family): number {
  const outerIp = family === 4 ? 20 : 40;
  switch (mode) {
    case 'vxlan':
    case 'cross-subnet': // VXLAN across subnets: the pod MTU must fit the worst case
      return outerIp + 30;
    case 'ipip':
      return outerIp;
    case 'host-gw':
    case 'bgp':
      return 0;
  }
}

/** The pod MTU of `family`: the underlay MTU minus the mode's overhead in that family. */
export function podMtu(network: NetworkConfig, family: Family): number {
  return network.mtu - modeOverhead(network.mode, family);
}

/** The pod MTU per family of `families` (a cluster's pod CIDRs), as `{ipv4, ipv6}`. */
export function podMtus(network: NetworkConfig, families: readonly Family[]): { ipv4?: number; ipv6?: number } {
  const out: { ipv4?: number; ipv6?: number } = {};
  for (const f of families) out[f === 4 ? 'ipv4' : 'ipv6'] = podMtu(network, f);
  return out;
}

/**
 * The MTU of the pod-facing devices (pod `eth0`, its host veth, the bridge):
 * the largest pod MTU of the cluster's families, so that each family's
 * packets fit the devices. A family whose pod MTU is smaller carries it on
 * its pod routes (`mtu N`, podRouteTable), as the kernel needs for it.
 */
export function podDeviceMtu(network: NetworkConfig, families: readonly Family[]): number {
  return Math.max(...(families.length ? families : [4 as Family]).map((f) => podMtu(network, f)));
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
 * header (modeOverhead). VXLAN over IPv6 (flannel-v6.1) has a 40-byte outer
 * IP header, not 20: 70 bytes in all, so the kernel (and flannel) give it
 * underlay − 70; `ip6tnl0` likewise carries 40 bytes of outer header.
 */
export function tunnelMtu(network: NetworkConfig, kind: 'vxlan' | 'ipip', family: Family): number {
  return network.mtu - modeOverhead(kind, family);
}
