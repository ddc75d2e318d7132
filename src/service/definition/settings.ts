// The cluster's own fields of a definition (podCidrs, nodeMaskSize,
// serviceCidr, network, subnets, reserved), and when two settings are equal.
import type { Addr, Prefix } from '../../net/ip.js';
import { modeOverhead } from '../../net/devices.js';
import { overlappingPairs } from '../../net/overlap.js';
import { DEFAULT_NETWORK, MODES, type ClusterSettings, type Mode, type NetworkConfig, type SubnetSpec } from '../../net/model.js';
import {
  at, famKey, famName, fields, isAbsent, q, readAddr, readIfname, readInt, readName, readObject,
  readOptionalList, readPerFamilyList, readPrefix, readString, type Json, type Located,
} from './json.js';
import type { Problems } from './problems.js';

const MASK_FIELDS = fields(['ipv4', 'ipv6']);
const NETWORK_FIELDS = fields(['mode', 'mtu', 'bridge', 'vxlan']);
const VXLAN_FIELDS = fields(['device', 'vni', 'port']);
const SUBNET_FIELDS = fields(['name', 'cidr', 'gateway']);

const UNDERSCORE_RE = /_/g;
const MAX_BLOCK_BITS = { 4: 30, 6: 126 } as const; // room for network, gateway, (broadcast,) and a pod
const MIN_MTU = 576;
const MAX_MTU = 9216;
const IPV6_MIN_MTU = 1280;

export function readSettings(p: Problems, o: Json): ClusterSettings {
  const name = readName(p, o.name, '', 'name', 'label') ?? '';
  let pod: Located<Prefix>[] = [];
  if (isAbsent(o.podCidrs)) p.add('podCidrs', 'required: one or two prefixes, at most one per family');
  else pod = readPerFamilyList(p, o.podCidrs, 'podCidrs', 1, 'pod CIDR', readPrefix);
  const podCidrs = pod.map((x) => x.value);
  const nodeMaskSize = readNodeMaskSize(p, o.nodeMaskSize, pod);
  const serviceCidr = isAbsent(o.serviceCidr) ? null : readPrefix(p, o.serviceCidr, 'serviceCidr') ?? null;
  if (serviceCidr) {
    for (const c of podCidrs) if (c.overlaps(serviceCidr)) p.add('serviceCidr', `${serviceCidr.toString()} overlaps the pod CIDR ${c.toString()}`);
  }
  const network = readNetwork(p, o.network, podCidrs);
  const subnets = readSubnets(p, o.subnets, podCidrs);
  const reserved: Prefix[] = [];
  readOptionalList(p, o.reserved, 'reserved').forEach((x, i) => {
    const path = `reserved[${i}]`;
    const r = readPrefix(p, x, path);
    if (!r) return;
    if (!podCidrs.some((c) => c.family === r.family)) p.add(path, `${r.toString()} is ${famName(r.family)} but the cluster has no ${famName(r.family)} pod CIDR`);
    reserved.push(r);
  });
  return { name, podCidrs, nodeMaskSize, serviceCidr, network, subnets, reserved };
}

/** Defaults /24 and /64; checked only for the families the cluster has. */
function readNodeMaskSize(p: Problems, v: unknown, pod: Located<Prefix>[]): { ipv4: number; ipv6: number } {
  const mask = { ipv4: 24, ipv6: 64 };
  const given = { ipv4: false, ipv6: false };
  const o = isAbsent(v) ? null : readObject(p, v, 'nodeMaskSize', MASK_FIELDS);
  for (const [key, bitLen] of [['ipv4', 32], ['ipv6', 128]] as const) {
    if (!o || isAbsent(o[key])) continue;
    const n = readInt(p, o[key], `nodeMaskSize.${key}`, 0, bitLen);
    if (n === undefined) continue;
    mask[key] = n;
    given[key] = true;
  }
  for (const { value: c, path } of pod) {
    const key = famKey(c.family);
    const max = MAX_BLOCK_BITS[c.family];
    const m = mask[key];
    if (c.bits > max) {
      p.add(path, `${c.toString()} is too small for node blocks: an ${famName(c.family)} node block is at most /${max}`);
    } else if (m < c.bits || m > max) {
      const what = given[key] ? `/${m}` : `the default /${m}`;
      const why = m < c.bits ? `is larger than the ${famName(c.family)} pod CIDR ${c.toString()}` : `leaves no room for pods (network, gateway${c.family === 4 ? ', broadcast' : ''} and at least one pod address)`;
      p.add(`nodeMaskSize.${key}`, `${what} ${why}: use /${c.bits} to /${max}`);
    }
  }
  return mask;
}

function readNetwork(p: Problems, v: unknown, podCidrs: Prefix[]): NetworkConfig {
  const net: NetworkConfig = { ...DEFAULT_NETWORK, vxlan: { ...DEFAULT_NETWORK.vxlan } };
  const o = isAbsent(v) ? null : readObject(p, v, 'network', NETWORK_FIELDS);
  if (!o) return net;
  if (!isAbsent(o.mode)) net.mode = readMode(p, o.mode, 'network.mode') ?? net.mode;
  if (!isAbsent(o.mtu)) net.mtu = readInt(p, o.mtu, 'network.mtu', MIN_MTU, MAX_MTU) ?? net.mtu;
  net.bridge = readIfname(p, o.bridge, 'network.bridge', net.bridge) ?? net.bridge;
  const x = isAbsent(o.vxlan) ? null : readObject(p, o.vxlan, 'network.vxlan', VXLAN_FIELDS);
  if (x) {
    net.vxlan.device = readIfname(p, x.device, 'network.vxlan.device', net.vxlan.device) ?? net.vxlan.device;
    if (!isAbsent(x.vni)) net.vxlan.vni = readInt(p, x.vni, 'network.vxlan.vni', 1, 16777215) ?? net.vxlan.vni;
    if (!isAbsent(x.port)) net.vxlan.port = readInt(p, x.port, 'network.vxlan.port', 1, 65535) ?? net.vxlan.port;
    if (net.vxlan.device === net.bridge) p.add('network.vxlan.device', `${q(net.bridge)} is already the bridge (network.bridge)`);
  }
  const overhead = modeOverhead(net.mode, 6);
  if (podCidrs.some((c) => c.family === 6) && net.mtu - overhead < IPV6_MIN_MTU) {
    p.add('network.mtu', `${net.mtu} leaves a pod MTU of ${net.mtu - overhead} in ${net.mode} mode (${overhead} bytes of overhead); IPv6 needs ${IPV6_MIN_MTU}, so use at least ${IPV6_MIN_MTU + overhead}`);
  }
  return net;
}

/** A mode in either spelling: `host-gw` or GraphQL's `HOST_GW`, case-insensitively. */
function readMode(p: Problems, v: unknown, path: string): Mode | undefined {
  const s = readString(p, v, path);
  if (s === undefined) return undefined;
  const m = s.toLowerCase().replace(UNDERSCORE_RE, '-');
  if ((MODES as readonly string[]).includes(m)) return m as Mode;
  p.add(path, `${q(s)} is not a networking mode: use one of ${MODES.join(', ')}`);
  return undefined;
}

/** True when the prefix has a network address (and, for IPv4, a broadcast address) that no host may use. */
export const hasReservedEnds = (c: Prefix): boolean => c.bits <= MAX_BLOCK_BITS[c.family];

function readSubnets(p: Problems, v: unknown, podCidrs: Prefix[]): SubnetSpec[] {
  const out: SubnetSpec[] = [];
  const located: { value: Prefix; index: number }[] = [];
  const names = new Map<string, number>();
  readOptionalList(p, v, 'subnets').forEach((x, i) => {
    const base = `subnets[${i}]`;
    const o = readObject(p, x, base, SUBNET_FIELDS);
    if (!o) return;
    const name = readName(p, o.name, base, 'name', 'label');
    const first = name === undefined ? undefined : names.get(name);
    if (first !== undefined) p.add(at(base, 'name'), `duplicate subnet name "${name}" (first at subnets[${first}])`);
    else if (name !== undefined) names.set(name, i);
    if (isAbsent(o.cidr)) p.add(at(base, 'cidr'), 'required');
    const cidr = isAbsent(o.cidr) ? undefined : readPrefix(p, o.cidr, at(base, 'cidr'));
    const gateway = isAbsent(o.gateway) ? null : readAddr(p, o.gateway, at(base, 'gateway')) ?? null;
    if (!cidr) return;
    if (gateway) {
      const why = addrInPrefixProblem(gateway, cidr, 'subnet');
      if (why) p.add(at(base, 'gateway'), why);
    }
    for (const c of podCidrs) if (c.overlaps(cidr)) p.add(at(base, 'cidr'), `${cidr.toString()} overlaps the pod CIDR ${c.toString()}`);
    located.push({ value: cidr, index: i });
    if (name !== undefined) out.push({ name, cidr, gateway });
  });
  for (const [a, b] of overlappingPairs(located)) {
    const [earlier, later] = a.index < b.index ? [a, b] : [b, a];
    p.add(`subnets[${later.index}].cidr`, `${later.value.toString()} overlaps subnets[${earlier.index}] (${earlier.value.toString()})`);
  }
  return out;
}

/** Why `a` cannot be a host in `c` (outside it, its network address, its IPv4 broadcast), or null. */
export function addrInPrefixProblem(a: Addr, c: Prefix, what: string): string | null {
  const s = a.toString();
  if (!c.contains(a)) return `${s} is not inside the ${what} ${c.toString()}`;
  if (hasReservedEnds(c) && a.equals(c.first)) return `${s} is the network address of the ${what} ${c.toString()}`;
  if (c.family === 4 && hasReservedEnds(c) && a.equals(c.last)) return `${s} is the broadcast address of the ${what} ${c.toString()}`;
  return null;
}


/**
 * True when two settings describe the same cluster. Order matters for
 * `podCidrs` (the first is the primary family) but not for `subnets` and
 * `reserved`, which are sets: a store returning them sorted is not a change.
 */
export function clusterSettingsEqual(a: ClusterSettings, b: ClusterSettings): boolean {
  const na = a.network;
  const nb = b.network;
  return (
    a.name === b.name &&
    sameList(a.podCidrs, b.podCidrs) &&
    a.nodeMaskSize.ipv4 === b.nodeMaskSize.ipv4 &&
    a.nodeMaskSize.ipv6 === b.nodeMaskSize.ipv6 &&
    (a.serviceCidr === null ? b.serviceCidr === null : b.serviceCidr !== null && a.serviceCidr.equals(b.serviceCidr)) &&
    na.mode === nb.mode && na.mtu === nb.mtu && na.bridge === nb.bridge &&
    na.vxlan.device === nb.vxlan.device && na.vxlan.vni === nb.vxlan.vni && na.vxlan.port === nb.vxlan.port &&
    sameList(sortedTexts(a.reserved), sortedTexts(b.reserved)) &&
    sameList(sortedTexts(a.subnets.map(subnetText)), sortedTexts(b.subnets.map(subnetText)))
  );
}


const subnetText = (s: SubnetSpec): string => `${s.name} ${s.cidr.toString()} ${s.gateway?.toString() ?? '-'}`;
const sortedTexts = (xs: readonly { toString(): string }[]): string[] => xs.map((x) => x.toString()).sort();

function sameList<T extends { toString(): string }>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x.toString() === (b[i] as T).toString());
}
