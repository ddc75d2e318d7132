// Parses and validates a cluster definition (SPEC §2, §3) into core values.
// Every problem is collected as {path, message} (never only the first) and
// thrown as one AppError. Pure: no I/O. Cross-checks use Maps, sorted
// indexes and sort + sweep, so the 5,000-node / 150,000-pod definition of
// SPEC §9 parses in well under a second.
//
// Status: malformed or contradictory input is 422 VALIDATION_FAILED. A pin
// that cannot be honoured (a node block outside the pod CIDR, of the wrong
// size, on a reserved range or on another node's pin; a pod IP outside its
// node's pinned block or already pinned) is what SPEC §2 and the allocator
// call 409 POD_CIDR_CONFLICT / POD_IP_CONFLICT: when such conflicts are the
// only problems, that code is thrown (the errors list names every one);
// mixed with other problems, the answer is 422 listing all of them.
import { Addr, NetError, Prefix, type Family } from '../net/ip.js';
import { IPIP6_DEVICE, IPIP_DEVICE, VXLAN6_DEVICE, modeOverhead } from '../net/devices.js';
import { dnsNameProblem } from '../net/names.js';
import { overlappingPairs } from '../net/overlap.js';
import { podIpProblem } from '../net/podip.js';
import { DEFAULT_NETWORK, MODES, type ClusterSettings, type Mode, type NetworkConfig, type SubnetSpec } from '../net/model.js';
import { AppError, type FieldProblem } from './errors.js';

export interface NodeDefinition {
  name: string;
  /** Underlay addresses, at most one per family, in the order given; the first is the node's `address`. */
  addresses: Addr[];
  interface: string;
  /** Pinned blocks, at most one per family; [] if none. */
  podCidrs: Prefix[];
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

/** Parses a whole definition; throws AppError listing every problem (see the header for the code). */
export function parseClusterDefinition(body: unknown): ClusterDefinition {
  const p = new Problems();
  const o = readObject(p, body, '', CLUSTER_FIELDS);
  if (!o) return p.fail();
  const settings = readSettings(p, o);
  const rules = nodeRules(settings);
  const nodes = readNodes(p, o.nodes, rules);
  const pods = readPods(p, o.pods, nodes, rules);
  p.throwIfAny();
  return { ...settings, nodes: nodes.list, pods };
}

/** One node added to an existing cluster (POST …/nodes), by the same rules; duplicates against stored nodes are the service's to check. */
export function parseNodeInput(body: unknown, cluster: ClusterSettings): NodeDefinition {
  const p = new Problems();
  const rules = nodeRules(cluster);
  const node = readNode(p, body, '', rules);
  if (!node) return p.fail();
  checkPinOverlaps(p, node.pins.map((pin) => ({ ...pin, node: node.def.name, index: 0 })), rules.reserved, 'nodes');
  p.throwIfAny();
  return node.def;
}

/** One pod (POST …/pods); whether its node exists, and its IPs fit the node's block, is the service's to check. */
export function parsePodInput(body: unknown): PodDefinition {
  const p = new Problems();
  const pod = readPod(p, body, '');
  p.throwIfAny();
  if (!pod) return p.fail();
  return pod.def;
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

/** A pod's reference, `namespace/name`. */
export function podRef(p: { namespace: string; name: string }): string {
  return `${p.namespace}/${p.name}`;
}

// ---- problems ----------------------------------------------------------------------------

const MAX_LISTED = 100;
type ConflictCode = 'POD_CIDR_CONFLICT' | 'POD_IP_CONFLICT';

/** The problems found so far: the first MAX_LISTED are listed, all are counted. */
class Problems {
  readonly listed: FieldProblem[] = [];
  private count = 0;
  private onlyConflicts = true;
  private conflictCode: ConflictCode | null = null;

  /** Once more problems were found than are listed, the answer is known: stop (a 300,000-item body stops at item 101). */
  add(path: string, message: string, conflict?: ConflictCode): void {
    this.count++;
    if (!conflict) this.onlyConflicts = false;
    else this.conflictCode ??= conflict;
    if (this.listed.length < MAX_LISTED) this.listed.push({ path, message });
    else this.throwIfAny(true);
  }

  throwIfAny(stoppedEarly = false): void {
    const first = this.listed[0];
    if (!first) return;
    const code = this.onlyConflicts && this.conflictCode ? this.conflictCode : 'VALIDATION_FAILED';
    const more = stoppedEarly ? ` (and more: validation stopped after ${this.count} problems; see errors)`
      : this.count > 1 ? ` (and ${this.count - 1} more; see errors)` : '';
    const extra = stoppedEarly ? { errorCount: this.count, errorsTruncated: true } : { errorCount: this.count };
    throw new AppError(code, `${first.path ? `${first.path}: ` : ''}${first.message}${more}`, { errors: this.listed, extra });
  }

  /** Throws; for the paths where nothing can be returned. */
  fail(): never {
    this.throwIfAny();
    throw new AppError('VALIDATION_FAILED', 'invalid input', { errors: [] });
  }
}

// ---- JSON readers ------------------------------------------------------------------------

type Json = Record<string, unknown>;
interface Located<T> { value: T; path: string }
interface Fields { known: ReadonlySet<string>; readOnly: ReadonlySet<string> }

const fields = (known: string[], readOnly: string[] = []): Fields => ({ known: new Set(known), readOnly: new Set(readOnly) });
const CLUSTER_FIELDS = fields(['name', 'podCidrs', 'nodeMaskSize', 'serviceCidr', 'network', 'subnets', 'reserved', 'nodes', 'pods'], ['podMtu', 'capacity']);
const MASK_FIELDS = fields(['ipv4', 'ipv6']);
const NETWORK_FIELDS = fields(['mode', 'mtu', 'bridge', 'vxlan']);
const VXLAN_FIELDS = fields(['device', 'vni', 'port']);
const SUBNET_FIELDS = fields(['name', 'cidr', 'gateway']);
const NODE_FIELDS = fields(['name', 'address', 'addresses', 'interface', 'podCidrs'], ['subnet', 'gateways', 'vtepMac']);
const POD_FIELDS = fields(['name', 'namespace', 'node', 'ips'], ['ref', 'vethName']);

/** `list[index]`, spelled out only when a problem is reported there (one per pod: 150,000 strings saved). */
class ItemPath {
  constructor(readonly list: string, readonly index: number) {}

  toString(): string {
    return `${this.list}[${this.index}]`;
  }
}
type Base = string | ItemPath;
const resolve = (base: Base): string => (typeof base === 'string' ? base : base.toString());
const at = (base: Base, key: string): string => {
  const b = resolve(base);
  return b ? `${b}.${key}` : key;
};
const isAbsent = (v: unknown): v is null | undefined => v === undefined || v === null;
/** Input text quoted for a message, cut short so one huge value cannot flood the answer. */
const q = (s: string): string => JSON.stringify(s.length > 70 ? `${s.slice(0, 67)}...` : s);
const famName = (f: Family): string => (f === 4 ? 'IPv4' : 'IPv6');
const famKey = (f: Family): 'ipv4' | 'ipv6' => (f === 4 ? 'ipv4' : 'ipv6');

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  const t = typeof v;
  return t === 'object' ? 'an object' : t === 'undefined' ? 'nothing' : `a ${t}`;
}

/** The object at `path`, with every unknown field reported; null (and reported) when `v` is not an object. */
function readObject(p: Problems, v: unknown, path: Base, f: Fields): Json | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    p.add(resolve(path), `expected an object, got ${describe(v)}`);
    return null;
  }
  for (const k in v) if (!f.known.has(k)) p.add(at(path, k), unknownField(k, f)); // JSON objects: own members only
  return v as Json;
}

function unknownField(k: string, f: Fields): string {
  if (f.readOnly.has(k)) return `unknown field (${k} is computed by podnet, not part of a definition)`;
  for (const known of f.known) if (editDistanceAtMost2(k.toLowerCase(), known.toLowerCase())) return `unknown field; did you mean "${known}"?`;
  return `unknown field; expected one of ${[...f.known].join(', ')}`;
}

function editDistanceAtMost2(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 2) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return (prev[b.length] as number) <= 2;
}

function readString(p: Problems, v: unknown, path: string): string | undefined {
  if (typeof v === 'string') return v;
  p.add(path, `expected a string, got ${describe(v)}`);
  return undefined;
}

/** A list; absent (undefined or null) is the empty list. */
function readOptionalList(p: Problems, v: unknown, path: string): unknown[] {
  if (isAbsent(v)) return [];
  if (Array.isArray(v)) return v;
  p.add(path, `expected a list, got ${describe(v)}`);
  return [];
}

function readInt(p: Problems, v: unknown, path: string, min: number, max: number): number | undefined {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    p.add(path, `expected an integer, got ${typeof v === 'number' ? String(v) : describe(v)}`);
    return undefined;
  }
  if (v < min || v > max) {
    p.add(path, `${v} is out of range: must be between ${min} and ${max}`);
    return undefined;
  }
  return v;
}

// ---- names, interfaces, addresses --------------------------------------------------------

const IFNAME_BAD_RE = /[\s/:]/;
const UNDERSCORE_RE = /_/g;

/** The name at `base`.`key`; the path is only built for a problem (this runs for every pod). */
function readName(p: Problems, v: unknown, base: Base, key: string, kind: 'label' | 'subdomain'): string | undefined {
  const why = isAbsent(v) ? 'required' : typeof v !== 'string' ? `expected a string, got ${describe(v)}` : dnsNameProblem(kind, v);
  if (why) p.add(at(base, key), why);
  return why ? undefined : (v as string);
}

/** Linux `dev_valid_name`: 1..15 bytes (IFNAMSIZ − 1), not `.`/`..`, no '/', ':' or whitespace. */
function readIfname(p: Problems, v: unknown, path: string, fallback: string): string | undefined {
  if (isAbsent(v)) return fallback;
  const s = readString(p, v, path);
  if (s === undefined) return undefined;
  let why: string | null = null;
  if (s.length === 0) why = 'must not be empty';
  else if (Buffer.byteLength(s) > 15) why = `${q(s)} is too long: a Linux interface name has at most 15 characters`;
  else if (s === '.' || s === '..' || IFNAME_BAD_RE.test(s)) why = `${q(s)} is not a valid Linux interface name: no whitespace, '/' or ':'`;
  if (why) p.add(path, why);
  return why ? undefined : s;
}

function readAddr(p: Problems, v: unknown, path: string): Addr | undefined {
  const s = readString(p, v, path);
  if (s === undefined) return undefined;
  const a = Addr.tryParse(s);
  if (a) return a;
  const slash = s.indexOf('/');
  if (slash >= 0 && Addr.tryParse(s.slice(0, slash))) p.add(path, `${q(s)} is a prefix; expected an address without /length`);
  else p.add(path, netMessage(() => Addr.parse(s), `${q(s)} is not an IP address`));
  return undefined;
}

function readPrefix(p: Problems, v: unknown, path: string): Prefix | undefined {
  const s = readString(p, v, path);
  if (s === undefined) return undefined;
  const r = Prefix.tryParse(s);
  if (r) return r;
  const a = s.includes('/') ? null : Addr.tryParse(s);
  if (a) p.add(path, `${q(s)} is an address, not a prefix; did you mean ${s}/${a.bitLen}?`);
  else p.add(path, netMessage(() => Prefix.parse(s), `${q(s)} is not a prefix`));
  return undefined;
}

/** The message of the NetError `parse` throws (it quotes the input and names the canonical form). */
function netMessage(parse: () => unknown, fallback: string): string {
  try {
    parse();
  } catch (e) {
    if (e instanceof NetError) return e.message;
  }
  return fallback;
}

/**
 * A list of one value per family at most (`min` .. 2 items); a second value of
 * a family is reported and dropped.
 */
function readPerFamilyList<T extends Addr | Prefix>(
  p: Problems, v: unknown, path: string, min: number, what: string,
  readOne: (p: Problems, v: unknown, path: string) => T | undefined,
): Located<T>[] {
  if (!Array.isArray(v)) {
    p.add(path, `expected a list, got ${describe(v)}`);
    return [];
  }
  if (v.length < min) p.add(path, `must list one or two ${what}s (at most one per family)`);
  const out: Located<T>[] = [];
  for (let i = 0; i < v.length; i++) {
    const path_i = `${path}[${i}]`;
    const x = readOne(p, v[i], path_i);
    if (!x) continue;
    const twin = out.find((o) => o.value.family === x.family);
    if (twin) p.add(path_i, `a second ${famName(x.family)} ${what} (${twin.value.toString()} is already ${twin.path}): at most one per family`);
    else out.push({ value: x, path: path_i });
  }
  return out;
}

// ---- cluster settings --------------------------------------------------------------------

const MAX_BLOCK_BITS = { 4: 30, 6: 126 } as const; // room for network, gateway, (broadcast,) and a pod
const MIN_MTU = 576;
const MAX_MTU = 9216;
const IPV6_MIN_MTU = 1280;

function readSettings(p: Problems, o: Json): ClusterSettings {
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
const hasReservedEnds = (c: Prefix): boolean => c.bits <= MAX_BLOCK_BITS[c.family];

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
function addrInPrefixProblem(a: Addr, c: Prefix, what: string): string | null {
  const s = a.toString();
  if (!c.contains(a)) return `${s} is not inside the ${what} ${c.toString()}`;
  if (hasReservedEnds(c) && a.equals(c.first)) return `${s} is the network address of the ${what} ${c.toString()}`;
  if (c.family === 4 && hasReservedEnds(c) && a.equals(c.last)) return `${s} is the broadcast address of the ${what} ${c.toString()}`;
  return null;
}

// ---- nodes -------------------------------------------------------------------------------

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
interface NodeRules {
  podCidr: Partial<Record<Family, Prefix>>;
  mask: Record<Family, number>;
  subnets: Partial<Record<Family, SubnetIndex>>;
  hasSubnets: boolean;
  /** Device names the datapath creates on every node, and what each is. */
  devices: Map<string, string>;
  reserved: Prefix[];
}

function nodeRules(s: ClusterSettings): NodeRules {
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

function readNode(p: Problems, v: unknown, base: string, rules: NodeRules): ReadNode | null {
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
  const def: NodeDefinition = { name: name ?? '', addresses: addrs.map((a) => a.value), interface: iface ?? 'eth0', podCidrs: given.map((g) => g.value), subnet };
  return { def, nameOk: name !== undefined, addrs, pins };
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

/** Checks one underlay address; returns the name of the subnet holding it (null without subnets of its family). */
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

interface NodeEntry { index: number; def: NodeDefinition }
interface PinRef extends Located<Prefix> { node: string; index: number }

function readNodes(p: Problems, v: unknown, rules: NodeRules): { list: NodeDefinition[]; byName: Map<string, NodeEntry> } {
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
  return { list, byName };
}

/** Pinned blocks must not overlap each other or a reserved range (sort + sweep). */
function checkPinOverlaps(p: Problems, pins: PinRef[], reserved: Prefix[], listName: string): void {
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

// ---- pods --------------------------------------------------------------------------------

const POD_IP_CONFLICT = 'POD_IP_CONFLICT';

const NO_IPS: readonly Located<Addr>[] = Object.freeze([]);

/** Names already known to be valid: a definition's nodes, and the namespaces seen so far (pods repeat them). */
interface KnownNames { nodes: Map<string, NodeEntry>; namespaces: Set<string> }

function readPod(p: Problems, v: unknown, base: Base, known?: KnownNames): { def: PodDefinition; ok: boolean; ips: readonly Located<Addr>[] } | null {
  const o = readObject(p, v, base, POD_FIELDS);
  if (!o) return null;
  const name = readName(p, o.name, base, 'name', 'subdomain');
  const ns = o.namespace;
  const namespace = isAbsent(ns) ? 'default' : typeof ns === 'string' && known?.namespaces.has(ns) ? ns : readName(p, ns, base, 'namespace', 'label');
  if (namespace !== undefined) known?.namespaces.add(namespace);
  const node = typeof o.node === 'string' && known?.nodes.has(o.node) ? o.node : readName(p, o.node, base, 'node', 'subdomain');
  const ips = isAbsent(o.ips) ? NO_IPS : readPerFamilyList(p, o.ips, at(base, 'ips'), 0, 'IP', readAddr);
  const ok = name !== undefined && namespace !== undefined && node !== undefined;
  return { def: { namespace: namespace ?? '', name: name ?? '', node: node ?? '', ips: ips.length ? ips.map((x) => x.value) : [] }, ok, ips };
}

function readPods(p: Problems, v: unknown, nodes: { byName: Map<string, NodeEntry> }, rules: NodeRules): PodDefinition[] {
  const out: PodDefinition[] = [];
  const refs = new Map<string, number>();
  const pinned: Record<Family, Map<bigint, { index: number; ref: string }>> = { 4: new Map(), 6: new Map() };
  const known: KnownNames = { nodes: nodes.byName, namespaces: new Set() };
  readOptionalList(p, v, 'pods').forEach((x, index) => {
    const base = new ItemPath('pods', index);
    const r = readPod(p, x, base, known);
    if (!r) return;
    const { def } = r;
    const ref = podRef(def);
    if (r.ok) {
      const first = refs.get(ref);
      if (first !== undefined) p.add(at(base, 'name'), `duplicate pod "${ref}" (first at pods[${first}])`);
      else refs.set(ref, index);
    }
    const node = def.node ? nodes.byName.get(def.node) : undefined;
    if (def.node && !node) p.add(at(base, 'node'), `unknown node "${def.node}"`);
    for (const { value: ip, path } of r.ips) {
      const f = ip.family;
      const range = rules.podCidr[f];
      if (!range) {
        p.add(path, `${ip.toString()} is ${famName(f)} but the cluster has no ${famName(f)} pod CIDR`);
        continue;
      }
      const block = node?.def.podCidrs.find((b) => b.family === f);
      const why = block ? pinnedPodIpProblem(ip, block) : range.contains(ip) ? null : `${ip.toString()} is not inside the ${famName(f)} pod CIDR ${range.toString()}`;
      if (why) p.add(path, why, POD_IP_CONFLICT);
      const owner = pinned[f].get(ip.value);
      if (owner) p.add(path, `${ip.toString()} is already pinned by pod "${owner.ref}" (pods[${owner.index}])`, POD_IP_CONFLICT);
      else pinned[f].set(ip.value, { index, ref });
    }
    out.push(def);
  });
  return out;
}

/** Why `ip` cannot be a pod IP in the node's pinned block `block` (SPEC §2, podIpProblem), or null. */
function pinnedPodIpProblem(ip: Addr, block: Prefix): string | null {
  const why = podIpProblem(ip, block);
  if (!why) return null;
  return `${ip.toString()} ${why.reason === 'OUTSIDE_BLOCK' ? `is not inside the node's pinned block ${block.toString()}` : why.message}`;
}

// ---- equality helpers --------------------------------------------------------------------

const subnetText = (s: SubnetSpec): string => `${s.name} ${s.cidr.toString()} ${s.gateway?.toString() ?? '-'}`;
const sortedTexts = (xs: readonly { toString(): string }[]): string[] => xs.map((x) => x.toString()).sort();

function sameList<T extends { toString(): string }>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x.toString() === (b[i] as T).toString());
}
