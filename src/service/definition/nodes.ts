// The nodes of a definition: names, underlay addresses (each in the right
// subnet), interfaces, and pinned blocks that fit the cluster and overlap
// nothing.
import { Prefix, type Addr, type Family } from '../../net/ip.js';
import { IPIP6_DEVICE, IPIP_DEVICE, VXLAN6_DEVICE, nodeVtepMac } from '../../net/devices.js';
import { overlappingPairs } from '../../net/overlap.js';
import type { ClusterSettings, SubnetSpec } from '../../net/model.js';
import type { NodeDefinition } from './types.js';
import {
  at, famKey, famName, fields, isAbsent, q, readAddr, readIfname, readMac, readName, readObject, readOptionalList,
  readPerFamilyList, readPrefix, type Json, type Located,
} from './json.js';
import type { Problems } from './problems.js';
import { addrInPrefixProblem } from './settings.js';

const NODE_FIELDS = fields(['name', 'address', 'addresses', 'interface', 'podCidrs', 'vtepMac', 'vtepMac6'], ['subnet', 'gateways']);

/** Subnets of one family sorted by address, for binary search (valid subnets do not overlap). */
class SubnetIndex {
  private readonly sorted: SubnetSpec[];

  constructor(subnets: SubnetSpec[]) {
    this.sorted = [...subnets].sort((a, b) => a.cidr.compare(b.cidr));
  }

  find(a: Addr): SubnetSpec | null {
    let lo = 0;
    let hi = this.sorted.length - 1;
    let best: SubnetSpec | null = null;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.sorted[mid] as SubnetSpec;
      if (s.cidr.addr.value <= a.value) [best, lo] = [s, mid + 1];
      else hi = mid - 1;
    }
    return best && best.cidr.contains(a) ? best : null;
  }

  describe(): string {
    const shown = this.sorted.slice(0, 5).map((s) => `${s.name} ${s.cidr.toString()}`).join(', ');
    return this.sorted.length > 5 ? `${shown}, ...` : shown;
  }
}

/** What a node is checked against: the cluster settings, indexed. */
export interface NodeRules {
  podCidr: Partial<Record<Family, Prefix>>;
  mask: Record<Family, number>;
  subnets: Partial<Record<Family, SubnetIndex>>;
  hasSubnets: boolean;
  /** Device names the datapath creates on every node, and what each is. */
  devices: Map<string, string>;
  reserved: Prefix[];
}

export function nodeRules(s: ClusterSettings): NodeRules {
  const podCidr: Partial<Record<Family, Prefix>> = {};
  for (const c of s.podCidrs) podCidr[c.family] ??= c;
  const subnets: Partial<Record<Family, SubnetIndex>> = {};
  for (const f of [4, 6] as const) {
    const of = s.subnets.filter((x) => x.cidr.family === f);
    if (of.length > 0) subnets[f] = new SubnetIndex(of);
  }
  const devices = new Map<string, string>([['lo', 'the loopback device'], [s.network.bridge, 'the bridge device (network.bridge)']]);
  if (s.network.mode === 'vxlan' || s.network.mode === 'cross-subnet') {
    devices.set(s.network.vxlan.device, 'the VXLAN device (network.vxlan.device)');
    devices.set(VXLAN6_DEVICE, 'the IPv6 VXLAN device');
  }
  if (s.network.mode === 'ipip') {
    devices.set(IPIP_DEVICE, 'the IP-in-IP device');
    devices.set(IPIP6_DEVICE, 'the IPv6 tunnel device');
  }
  return { podCidr, mask: { 4: s.nodeMaskSize.ipv4, 6: s.nodeMaskSize.ipv6 }, subnets, hasSubnets: s.subnets.length > 0, devices, reserved: s.reserved };
}

interface ReadNode { def: NodeDefinition; nameOk: boolean; addrs: Located<Addr>[]; pins: Located<Prefix>[] }

export function readNode(p: Problems, v: unknown, base: string, rules: NodeRules): ReadNode | null {
  const o = readObject(p, v, base, NODE_FIELDS);
  if (!o) return null;
  const name = readName(p, o.name, base, 'name', 'subdomain');
  const addrs = readNodeAddresses(p, o, base);
  const iface = readIfname(p, o.interface, at(base, 'interface'), 'eth0');
  const taken = iface === undefined ? undefined : rules.devices.get(iface);
  if (taken) p.add(at(base, 'interface'), `${q(iface as string)} is already ${taken}`);
  const given = isAbsent(o.podCidrs) ? [] : readPerFamilyList(p, o.podCidrs, at(base, 'podCidrs'), 0, 'pinned block', readPrefix);
  const pins = given.filter((pin) => checkPin(p, pin, rules));
  const subnets = addrs.map((a) => checkNodeAddress(p, a, rules));
  const v4 = subnets.find((s, i) => s && addrs[i]?.value.family === 4);
  const subnet = v4 ?? subnets.find((s) => s) ?? null;
  if (rules.hasSubnets) checkSubnetFamilies(p, addrs, rules, name);
  const def: NodeDefinition = {
    name: name ?? '', addresses: addrs.map((a) => a.value), interface: iface ?? 'eth0', podCidrs: given.map((g) => g.value), subnet,
    ...readVtepMacs(p, o, base, name),
  };
  return { def, nameOk: name !== undefined, addrs, pins };
}

/**
 * Pinning the MAC a device would have anyway is no pin (the derived one for
 * vtepMac, vtepMac's for vtepMac6): a node view sent back as a definition
 * changes nothing.
 */
function readVtepMacs(p: Problems, o: Json, base: string, name: string | undefined): { vtepMac?: string; vtepMac6?: string } {
  const read = (k: 'vtepMac' | 'vtepMac6') => (isAbsent(o[k]) ? undefined : readMac(p, o[k], at(base, k)));
  const [v4, v6] = [read('vtepMac'), read('vtepMac6')];
  if (name === undefined) return {};
  const vtepMac = v4 === nodeVtepMac({ name }) ? undefined : v4;
  const vtepMac6 = v6 === nodeVtepMac({ name, ...(vtepMac ? { vtepMac } : {}) }) ? undefined : v6;
  return { ...(vtepMac ? { vtepMac } : {}), ...(vtepMac6 ? { vtepMac6 } : {}) };
}

/** `address` is shorthand for `addresses: [address]`; exactly one of them. */
function readNodeAddresses(p: Problems, o: Json, base: string): Located<Addr>[] {
  const one = !isAbsent(o.address);
  const many = !isAbsent(o.addresses);
  if (one && many) {
    p.add(at(base, 'addresses'), 'give either address or addresses, not both');
    return [];
  }
  if (many) return readPerFamilyList(p, o.addresses, at(base, 'addresses'), 1, 'address', readAddr);
  const path = at(base, 'address');
  if (!one) {
    p.add(path, 'required: the node\'s underlay address (or addresses: [IPv4, IPv6])');
    return [];
  }
  const a = readAddr(p, o.address, path);
  return a ? [{ value: a, path }] : [];
}

/** Addresses no node can have as its underlay address, and why. */
const UNUSABLE = ([
  ['0.0.0.0/8', 'in 0.0.0.0/8 ("this network")'], ['127.0.0.0/8', 'a loopback address'], ['224.0.0.0/4', 'a multicast address'],
  ['255.255.255.255/32', 'the limited broadcast address'], ['::/128', 'the unspecified address'], ['::1/128', 'the loopback address'],
  ['ff00::/8', 'a multicast address'],
] as const).map(([c, why]): [Prefix, string] => [Prefix.parse(c), why]);

/**
 * SPEC §1: with subnets, a node address of a family that has none gets no
 * connected route, so the kernel would have no route for that family's pod
 * traffic: a problem when the cluster has pods of that family, or when none
 * of the node's addresses is in a subnet. (An address of a family without
 * pods, as the SPEC §3 example's IPv6 address beside an IPv4 cluster, carries
 * nothing.)
 */
function checkSubnetFamilies(p: Problems, addrs: Located<Addr>[], rules: NodeRules, node: string | undefined): void {
  const lone = addrs.filter((a) => !rules.subnets[a.value.family]);
  const none = lone.length === addrs.length;
  for (const { value: a, path } of lone) {
    if (!(none ? a === lone[0]!.value : rules.podCidr[a.family])) continue;
    const f = famName(a.family);
    const others = Object.values(rules.subnets).map((x) => x.describe()).join(', ');
    p.add(path, `${a.toString()} is in no subnet: node ${q(node ?? '')} has an ${f} address, but the cluster defines no ${f} subnet (its subnets: ${others}), so the kernel would have no route for it`);
  }
}

/** Checks one underlay address; returns the name of the subnet holding it (null without subnets of its family). */
function checkNodeAddress(p: Problems, { value: a, path }: Located<Addr>, rules: NodeRules): string | null {
  const s = a.toString();
  const unusable = UNUSABLE.find(([c]) => c.contains(a));
  if (unusable) p.add(path, `${s} is ${unusable[1]}; a node needs a unicast underlay address`);
  const pc = rules.podCidr[a.family];
  if (pc?.contains(a)) p.add(path, `${s} is inside the pod CIDR ${pc.toString()}`);
  const index = rules.subnets[a.family];
  if (!index) return null;
  const subnet = index.find(a);
  if (!subnet) {
    p.add(path, `${s} is in no ${famName(a.family)} subnet (${index.describe()})`);
    return null;
  }
  const why = subnet.gateway?.equals(a) ? `${s} is the gateway of subnet "${subnet.name}"` : addrInPrefixProblem(a, subnet.cidr, `subnet "${subnet.name}"`);
  if (why) p.add(path, why);
  return subnet.name;
}

/** A pinned block must be inside the pod CIDR of its family and exactly a node block; true when it is. */
function checkPin(p: Problems, { value: b, path }: Located<Prefix>, rules: NodeRules): boolean {
  const f = b.family;
  const range = rules.podCidr[f];
  if (!range) {
    p.add(path, `${b.toString()} is ${famName(f)} but the cluster has no ${famName(f)} pod CIDR`);
    return false;
  }
  if (!range.containsPrefix(b)) {
    p.add(path, `${b.toString()} is not inside the cluster's ${famName(f)} pod CIDR ${range.toString()}`, 'POD_CIDR_CONFLICT');
    return false;
  }
  if (b.bits !== rules.mask[f]) {
    p.add(path, `${b.toString()} is not a /${rules.mask[f]} block (nodeMaskSize.${famKey(f)})`, 'POD_CIDR_CONFLICT');
    return false;
  }
  return true;
}

export interface NodeEntry { index: number; def: NodeDefinition }
export interface PinRef extends Located<Prefix> { node: string; index: number }

export function readNodes(p: Problems, v: unknown, rules: NodeRules): { list: NodeDefinition[]; byName: Map<string, NodeEntry> } {
  const list: NodeDefinition[] = [];
  const byName = new Map<string, NodeEntry>();
  const byAddr: Record<Family, Map<bigint, NodeEntry>> = { 4: new Map(), 6: new Map() };
  const pins: PinRef[] = [];
  readOptionalList(p, v, 'nodes').forEach((x, index) => {
    const base = `nodes[${index}]`;
    const r = readNode(p, x, base, rules);
    if (!r) return;
    const entry = { index, def: r.def };
    const name = r.def.name;
    const twin = r.nameOk ? byName.get(name) : undefined;
    if (twin) p.add(at(base, 'name'), `duplicate node name "${name}" (first at nodes[${twin.index}])`);
    else if (r.nameOk) byName.set(name, entry);
    for (const a of r.addrs) {
      const m = byAddr[a.value.family];
      const owner = m.get(a.value.value);
      if (owner) p.add(a.path, `${a.value.toString()} is already the address of node "${owner.def.name}" (nodes[${owner.index}])`);
      else m.set(a.value.value, entry);
    }
    for (const pin of r.pins) pins.push({ ...pin, node: name, index });
    list.push(r.def);
  });
  checkPinOverlaps(p, pins, rules.reserved, 'nodes');
  checkVtepMacs(p, list);
  return { list, byName };
}

/**
 * Two nodes with one VTEP MAC would make every peer's FDB entry for one of
 * them point at the other. Only pinned MACs can collide (derived ones come
 * from distinct names), so without a pin this costs nothing.
 */
function checkVtepMacs(p: Problems, nodes: readonly NodeDefinition[]): void {
  for (const f of FAMILIES) {
    if (!nodes.some((n) => pinField(n, f))) continue;
    const owners = new Map<string, number>();
    nodes.forEach((n, i) => {
      const mac = nodeVtepMac(n, f);
      const first = owners.get(mac);
      if (first === undefined) {
        owners.set(mac, i);
        return;
      }
      const [mine, theirs] = [pinField(n, f), pinField(nodes[first]!, f)];
      // Neither pinned: one name twice (reported as such); IPv6 MACs only vtepMac's: reported for IPv4 already.
      if ((!mine && !theirs) || (f === 6 && mine !== 'vtepMac6' && theirs !== 'vtepMac6')) return;
      // Reported at the pin (an unpinned node's MAC is not in its definition).
      const [at, field, other] = mine ? [i, mine, first] : [first, theirs!, i];
      p.add(`nodes[${at}].${field}`, vtepMacClash(mac, nodes[other]!, `nodes[${other}]`, f));
    });
  }
}

export type MacPins = { name: string; vtepMac?: string; vtepMac6?: string };
const FAMILIES = [4, 6] as const;

/** The field that pins a node's VXLAN MAC of family `f`, or null when it is derived. */
export function pinField(n: MacPins, f: Family): 'vtepMac' | 'vtepMac6' | null {
  return f === 6 && n.vtepMac6 ? 'vtepMac6' : n.vtepMac ? 'vtepMac' : null;
}

/** Why pinning `mac` fails: it is already the VTEP MAC (of family `f`) of `owner` (at `where`). */
export function vtepMacClash(mac: string, owner: MacPins, where: string, f: Family = 4): string {
  const how = pinField(owner, f) ? 'pinned' : 'derived from its name';
  return `${mac} is already the ${f === 6 ? 'IPv6 ' : ''}VTEP MAC of node "${owner.name}" (${where}, ${how}): VTEP MACs must be unique in a cluster`;
}

/** Pinned blocks must not overlap each other or a reserved range (sort + sweep). */
export function checkPinOverlaps(p: Problems, pins: PinRef[], reserved: Prefix[], listName: string): void {
  if (pins.length === 0) return;
  const items: { value: Prefix; pin: PinRef | null }[] = [...pins.map((pin) => ({ value: pin.value, pin })), ...reserved.map((r) => ({ value: r, pin: null }))];
  const reported = new Set<PinRef>();
  for (const [a, b] of overlappingPairs(items)) {
    if (a.pin && b.pin) {
      const [earlier, later] = a.pin.index <= b.pin.index ? [a.pin, b.pin] : [b.pin, a.pin];
      if (reported.has(later)) continue;
      reported.add(later);
      p.add(later.path, `${later.value.toString()} overlaps ${earlier.value.toString()}, pinned by node "${earlier.node}" (${listName}[${earlier.index}])`, 'POD_CIDR_CONFLICT');
    } else {
      const pin = a.pin ?? b.pin;
      const range = a.pin ? b.value : a.value;
      if (!pin || reported.has(pin)) continue;
      reported.add(pin);
      p.add(pin.path, `${pin.value.toString()} overlaps the reserved range ${range.toString()}`, 'POD_CIDR_CONFLICT');
    }
  }
}
