// The datapath of one cluster: the indexes built once from a Topology, the
// route tables generated from them on demand, and the factored evaluation of
// a node's table that lets the tracer and verifier do longest-prefix match
// over 5,000-route tables without materialising them.
import { Addr, type Family } from './ip.js';
import { gatewayOf } from './allocator.js';
import { nodeVtepMac, podDeviceMtu, podMtu, vethNameOfOne } from './devices.js';
import { Int32Map, StringKeyIndex } from './hash-index.js';
import { Lpm, type Match } from './lpm.js';
import type { PodSpec, Topology } from './model.js';
import { PodTable } from './pod-table.js';
import {
  type ClusterFacts, type NodeFacts, type NodeFamilyFacts, type PodFacts,
  type Route, type RouteTable, type SubnetFacts,
  FAMILIES, compareDestinations, compareRoutes,
} from './routes.js';
import { type JsonPieces, NodeTables } from './node-table.js';
import {
  localMatch, localRoutes, nodeLocalTable, peerRoute, peerRouteKind, peerVxlanEntries, podLocalMatch, podLocalTable, podRouteFor, podRouteTable, routerLocalTable,
  routerRouteTable,
} from './tables.js';

/** Who holds an IP address inside the simulated network. */
export type Owner =
  | { kind: 'pod'; pod: PodFacts }
  | { kind: 'node'; node: NodeFacts } // an underlay address, on the node's physical interface
  | { kind: 'gateway'; node: NodeFacts } // a pod block's gateway, on the node's bridge
  | { kind: 'router'; subnet: SubnetFacts }; // a subnet gateway

export interface DatapathOptions {
  /**
   * Extra routes per node name (and for the router), added to the generated
   * tables as `ip route replace` would: one of equal destination replaces the
   * generated route. For tests and what-if questions (blackholes, loops).
   */
  extraRoutes?: { nodes?: Record<string, Route[]>; router?: Route[] };
  /** Bytes of route-class JSON kept for nodeRoutesJson (node-table.ts's JSON_ARENA_BUDGET by default). */
  jsonArenaBudget?: number;
}

export interface Datapath {
  readonly topology: Topology;
  readonly cluster: ClusterFacts;
  readonly nodes: readonly NodeFacts[];
  readonly subnets: readonly SubnetFacts[];
  /** Every pod with a node, in definition order: made on each read (the datapath keeps columns, not an object per pod). */
  readonly pods: readonly PodFacts[];
  /** How many pods `pods` holds, and its i-th (made per call). */
  readonly podCount: number;
  podAt(i: number): PodFacts;
  /** podAt(i).node, and whether podAt(i) has an IP of `family`, without making the pod. */
  podNode(i: number): NodeFacts;
  podHasIp(i: number, family: Family): boolean;
  /** Pods whose node does not exist (reported by verify). */
  readonly orphanPods: readonly Topology['pods'][number][];
  /** Node indexes whose facts are ambiguous (an address, gateway or VTEP MAC shared with another owner, extra routes). */
  readonly irregularNodes: ReadonlySet<number>;
  /** Addresses claimed by more than one owner, as `text → owners`. */
  readonly conflicts: readonly { ip: Addr; owners: Owner[] }[];

  node(name: string): NodeFacts | null;
  /** A pod by `ns/name`, or by bare name when that name is unique in the cluster. */
  pod(ref: string): PodFacts | null;
  /** Refs of every pod named `name` (to explain an ambiguous bare name). */
  podRefsNamed(name: string): string[];
  owner(ip: Addr): Owner | null;
  /** The pods' veth name on the host (computed on first use). */
  vethOf(pod: PodFacts): string;

  /** A node's whole table, materialised (about one route per node of the cluster). */
  nodeRoutes(name: string): RouteTable | null;
  /** `formatRoutesJson(nodeRoutes(name)) + suffix` as UTF-8, built from JSON shared by the nodes of a route class (node-table.ts). */
  nodeRoutesJson(name: string, suffix?: string): Buffer | null;
  /** nodeRoutesJson's bytes as their pieces, not concatenated (see NodeTables.jsonPieces). */
  nodeRoutesJsonPieces(name: string, suffix?: string): JsonPieces | null;
  podRoutes(namespace: string, name: string): RouteTable | null;
  routerRoutes(): RouteTable;
  /** The kernel's local table of node `n`, of a pod, of the router (a few entries each, made on first use). */
  nodeLocal(n: NodeFacts): readonly Route[];
  podLocal(p: PodFacts): readonly Route[];
  routerLocal(): readonly Route[];
  /** `localMatch(routerLocal(), dst)` by a hash lookup (the router's local table holds two entries per subnet: 520 at k8s-65k). */
  routerLocalMatch(dst: Addr): Route | null;
  /** The first subnet named `name` that has a gateway (the router's interface of that name), or null. */
  routedSubnet(name: string): SubnetFacts | null;
  /** The node whose block has `ip` as its IPv4 broadcast or IPv6 Subnet-Router anycast address (its bridge receives it), or null. */
  blockHost(ip: Addr): NodeFacts | null;

  /** LPM over node `n`'s table, without materialising it. */
  lookupNodeRoute(n: NodeFacts, dst: Addr): Route | null;
  /** LPM over the router's table. */
  lookupRouterRoute(dst: Addr): Route | null;
  /** LPM over a pod's table. */
  lookupPodRoute(p: PodFacts, dst: Addr): Route | null;
  /** `localMatch(podLocal(p), dst)`, without making the table unless `dst` is one of its addresses. */
  podLocalMatch(p: PodFacts, dst: Addr): Route | null;
  /** The permanent neighbor `dst` on node `n`'s device `dev`: its lladdr, or null. */
  neighborOf(n: NodeFacts, dev: string, dst: Addr): string | null;
  /** The FDB entry for `mac` on node `n`'s device `dev`: its VTEP address, or null. */
  fdbOf(n: NodeFacts, dev: string, mac: string): Addr | null;
  /** True when `a` lies in one of the cluster's pod CIDRs. */
  inPodCidrs(a: Addr): boolean;
}

export function buildDatapath(topo: Topology, opts: DatapathOptions = {}): Datapath {
  return new Index(topo, opts);
}

class Index implements Datapath {
  readonly topology: Topology;
  readonly cluster: ClusterFacts;
  readonly nodes: NodeFacts[] = [];
  readonly subnets: SubnetFacts[] = [];
  readonly orphanPods: Topology['pods'][number][] = [];
  readonly irregularNodes = new Set<number>();
  readonly conflicts: { ip: Addr; owners: Owner[] }[] = [];

  private readonly nodeByName = new Map<string, NodeFacts>();
  /**
   * The pods with a node, as columns: per pod (index into `pods`) its index
   * in topology.pods and its node's index. Pod facts are made from them per
   * use; the pods' fields are read from the snapshot's PodTable when the
   * topology's pods are its rows, else from the topology's array.
   */
  private podSrc = new Int32Array(0);
  private podNodeIdx = new Int32Array(0);
  private podCountN = 0;
  private podTable: PodTable | null = null;
  private podSpecs: readonly PodSpec[] = [];
  /** Pod name → the pods (indexes into `pods`) of that name: more than one when namespaces share it. */
  private podsByName = new StringKeyIndex((i) => this.podName(i));
  /** Node addresses, bridge gateways and subnet gateways; IPv4 keyed by the address's int32 (no bigint on a lookup). */
  private readonly hostOwners4 = new Map<number, Owner>();
  private readonly hostOwners6 = new Map<bigint, Owner>();
  /** Pod IPs → indexes into `pods` (kept apart and keyed by number for IPv4: 150,000 of them must index fast and small). */
  private podByIp4 = new Int32Map();
  private readonly podByIp6 = new Map<bigint, number>();
  private readonly conflictByIp = new Map<string, { ip: Addr; owners: Owner[] }>();
  /** Every node block → its owners in definition order (more than one only in a broken plan). */
  private readonly blocks = new Lpm<NodeFacts[]>();
  /** Scratch for the block matches of lookupNodeRoute and neighborOf (neither calls out to anything that looks up blocks). */
  private readonly blockMatches: Match<NodeFacts[]>[] = [];
  private readonly subnetLpm = new Lpm<SubnetFacts>();
  /** Nodes by VTEP MAC (more than one only on a hash collision). */
  private readonly byMac = new Map<string, NodeFacts[]>();
  /** Per family, nodes holding a block of it, ordered by block. */
  private readonly blockOrder: Record<Family, NodeFacts[]> = { 4: [], 6: [] };
  private readonly tables: NodeTables;
  private readonly extraByNode = new Map<NodeFacts, Route[]>();
  // Per node, made on first use, by node index (an array slot is one memory
  // read where a Map keyed by the node object is a hash probe of several,
  // and a path visits two or three nodes of thousands): see own().
  private localSorted: (readonly Route[] | undefined)[] = [];
  private localTables: (Route[] | undefined)[] = [];
  private routerLocalTable: Route[] | null = null;
  /** routerLocal() by address (IPv4: the int32; IPv6: the value), the first entry of each: made on first use. */
  private routerLocalByAddr: Map<number | bigint, Route> | null = null;
  private readonly routedSubnets = new Map<string, SubnetFacts>();
  private readonly router: RouteTable;
  private readonly routerLpm = new Lpm<Route>();
  /** Recent veth names by pod index (a direct-mapped cache: a veth name is a sha256, and a path asks for one or two). */
  private readonly vethKeys = new Int32Array(VETH_CACHE).fill(-1);
  private readonly vethNames: string[] = new Array<string>(VETH_CACHE);
  /** peerRouteOf's routes to each node's block: [v4 direct, v4 vxlan, v4 ipip, v6 …]. */
  private peerRoutes: ((Route | undefined)[] | undefined)[] = [];
  /** The pods' default route per node and family (lookupPodRoute). */
  private podDefaults4: (Route | null | undefined)[] = [];
  private podDefaults6: (Route | null | undefined)[] = [];

  constructor(topo: Topology, opts: DatapathOptions) {
    this.topology = topo;
    const families = topo.podCidrs.map((c) => c.family);
    const devices = podDeviceMtu(topo.network, families);
    const routeMtu = (f: Family): number | undefined => (families.includes(f) && podMtu(topo.network, f) < devices ? podMtu(topo.network, f) : undefined);
    this.cluster = { network: topo.network, flat: topo.subnets.length === 0, podRouteMtu: { 4: routeMtu(4), 6: routeMtu(6) } };
    this.indexSubnets();
    this.indexNodes();
    const slots = <T>(): (T | undefined)[] => new Array<T | undefined>(this.nodes.length).fill(undefined);
    this.localSorted = slots();
    this.localTables = slots();
    this.peerRoutes = slots();
    this.podDefaults4 = slots();
    this.podDefaults6 = slots();
    this.indexPods();
    for (const [name, routes] of Object.entries(opts.extraRoutes?.nodes ?? {})) {
      const n = this.nodeByName.get(name);
      if (!n) continue;
      this.extraByNode.set(n, routes);
      this.irregularNodes.add(n.index);
    }
    this.tables = new NodeTables(this.cluster, this.blockOrder, opts.jsonArenaBudget);
    this.router = routerRouteTable(this.cluster, this.subnets, this.nodes, opts.extraRoutes?.router ?? []);
    for (const r of this.router.routes) this.routerLpm.insert(r.dst, r);
  }

  private indexSubnets(): void {
    this.topology.subnets.forEach((spec, index) => {
      const gw = spec.gateway && spec.cidr.contains(spec.gateway) ? spec.gateway : null;
      const s: SubnetFacts = { index, spec, name: spec.name, cidr: spec.cidr, gateway: gw };
      this.subnets.push(s);
      if (!this.subnetLpm.get(spec.cidr)) this.subnetLpm.insert(spec.cidr, s);
      if (gw && !this.routedSubnets.has(s.name)) this.routedSubnets.set(s.name, s);
    });
  }

  private indexNodes(): void {
    this.topology.nodes.forEach((spec, index) => {
      const fam = { 4: this.familyFacts(spec, 4), 6: this.familyFacts(spec, 6) };
      // nodeVtepMac(spec, 6) is the pinned vtepMac6, else the IPv4 device's MAC: one sha256 per node, not two.
      const vtepMac = nodeVtepMac(spec, 4);
      const n: NodeFacts = { index, spec, name: spec.name, iface: spec.interface || 'eth0', vtepMac, vtepMac6: spec.vtepMac6 ?? vtepMac, fam };
      this.nodes.push(n);
      if (!this.nodeByName.has(n.name)) this.nodeByName.set(n.name, n);
      for (const mac of n.vtepMac6 === n.vtepMac ? [n.vtepMac] : [n.vtepMac, n.vtepMac6]) {
        const peers = this.byMac.get(mac);
        if (peers) {
          peers.push(n);
          for (const p of peers) this.irregularNodes.add(p.index);
        } else {
          this.byMac.set(mac, [n]);
        }
      }
      for (const f of FAMILIES) {
        const x = fam[f];
        if (x.addr) this.claim(x.addr, { kind: 'node', node: n });
        if (x.block) {
          const same = this.blocks.get(x.block);
          if (same) {
            same.value.push(n);
            for (const o of same.value) this.irregularNodes.add(o.index);
          } else {
            this.blocks.insert(x.block, [n]);
          }
          this.blockOrder[f].push(n);
        }
        if (x.gateway) this.claim(x.gateway, { kind: 'gateway', node: n });
      }
    });
    for (const s of this.subnets) if (s.gateway) this.claim(s.gateway, { kind: 'router', subnet: s });
    for (const f of FAMILIES) {
      this.blockOrder[f].sort((a, b) => compareDestinations(a.fam[f].block!, b.fam[f].block!) || a.index - b.index);
    }
  }

  private familyFacts(spec: Topology['nodes'][number], f: Family): NodeFamilyFacts {
    const addr = spec.addresses.find((a) => a.family === f) ?? null;
    const block = spec.podCidrs.find((p) => p.family === f) ?? null;
    const subnet = addr ? (this.subnetLpm.lookup(addr)?.value ?? null) : null;
    const gateway = block && block.bits < block.addr.bitLen ? gatewayOf(block) : null;
    return { addr, subnet, block, gateway };
  }

  private indexPods(): void {
    const specs = this.topology.pods;
    const n = specs.length;
    this.podTable = PodTable.behind(specs);
    this.podSpecs = this.podTable ? [] : specs;
    this.podSrc = new Int32Array(n);
    this.podNodeIdx = new Int32Array(n);
    this.podsByName = new StringKeyIndex((i) => this.podName(i), n);
    this.podByIp4 = new Int32Map(n);
    const t = this.podTable;
    for (let k = 0; k < n; k++) {
      const node = this.nodeByName.get(t ? t.node(k) : specs[k]!.node);
      if (!node) {
        this.orphanPods.push(t ? t.row(k) : specs[k]!);
        continue;
      }
      const i = this.podCountN++;
      this.podSrc[i] = k;
      this.podNodeIdx[i] = node.index;
      this.podsByName.add(i);
      if (t && t.ipCount(k) === 1 && t.ip4Int(k) !== undefined) this.claimPodIp4(t.ip4Int(k)!, i);
      else for (const ip of t ? t.ips(k) : specs[k]!.ips) this.claimPodIp(ip, i);
    }
  }

  get pods(): PodFacts[] {
    const out = new Array<PodFacts>(this.podCountN);
    for (let i = 0; i < this.podCountN; i++) out[i] = this.podAt(i);
    return out;
  }

  get podCount(): number {
    return this.podCountN;
  }

  podAt(i: number): PodFacts {
    const k = this.podSrc[i]!;
    const node = this.nodes[this.podNodeIdx[i]!]!;
    return this.podTable ? new Pod(null, this.podTable, k, node, i) : new Pod(this.podSpecs[k]!, null, k, node, i);
  }

  podNode(i: number): NodeFacts {
    return this.nodes[this.podNodeIdx[i]!]!;
  }

  podHasIp(i: number, family: Family): boolean {
    const k = this.podSrc[i]!;
    if (this.podTable) return this.podTable.hasIp(k, family);
    return this.podSpecs[k]!.ips.some((a) => a.family === family);
  }

  private podName(i: number): string {
    const k = this.podSrc[i]!;
    return this.podTable ? this.podTable.name(k) : this.podSpecs[k]!.name;
  }

  private podNamespace(i: number): string {
    const k = this.podSrc[i]!;
    return this.podTable ? this.podTable.namespace(k) : this.podSpecs[k]!.namespace;
  }

  private podByIp(ip: Addr): PodFacts | undefined {
    const i = ip.family === 6 ? (this.podByIp6.get(ip.value) ?? -1) : this.podByIp4.get(ip.int32);
    return i < 0 ? undefined : this.podAt(i);
  }

  /** As claimPodIp for an IPv4 address given as its int32: no Addr made unless it conflicts. */
  private claimPodIp4(int32: number, index: number): void {
    if (this.hostOwners4.has(int32) || this.podByIp4.get(int32) >= 0) this.claimPodIp(Addr.fromUint32(int32 >>> 0), index);
    else this.podByIp4.setIfAbsent(int32, index);
  }

  private claimPodIp(ip: Addr, index: number): void {
    const prev = this.hostOwner(ip) ?? this.podByIp(ip);
    if (prev) {
      this.conflict(ip, 'kind' in prev ? prev : { kind: 'pod', pod: prev }, { kind: 'pod', pod: this.podAt(index) });
      return;
    }
    if (ip.family === 4) this.podByIp4.setIfAbsent(ip.int32, index);
    else this.podByIp6.set(ip.value, index);
  }

  /** Records `o` as the owner of `ip`; the first claim wins, a second is a conflict. */
  private claim(ip: Addr, o: Owner): void {
    const prev = this.hostOwner(ip);
    if (prev) this.conflict(ip, prev, o);
    else if (ip.family === 4) this.hostOwners4.set(ip.int32, o);
    else this.hostOwners6.set(ip.value, o);
  }

  private hostOwner(ip: Addr): Owner | undefined {
    return ip.family === 4 ? this.hostOwners4.get(ip.int32) : this.hostOwners6.get(ip.value);
  }

  private conflict(ip: Addr, prev: Owner, o: Owner): void {
    const key = `${ip.family}:${ip.value}`;
    const c = this.conflictByIp.get(key);
    if (c) {
      c.owners.push(o);
    } else {
      const fresh = { ip, owners: [prev, o] };
      this.conflictByIp.set(key, fresh);
      this.conflicts.push(fresh);
    }
    for (const x of [prev, o]) {
      if (x.kind === 'node' || x.kind === 'gateway') this.irregularNodes.add(x.node.index);
      if (x.kind === 'pod') this.irregularNodes.add(x.pod.node.index);
    }
  }

  node(name: string): NodeFacts | null {
    return this.nodeByName.get(name) ?? null;
  }

  pod(ref: string): PodFacts | null {
    // No array of the name's pods: once per endpoint of every path.
    const slash = ref.indexOf('/');
    if (slash < 0) {
      const i = this.podsByName.only(ref);
      return i < 0 ? null : this.podAt(i);
    }
    const ns = ref.slice(0, slash);
    const i = this.podsByName.find(ref.slice(slash + 1), (k) => this.podNamespace(k) === ns);
    return i < 0 ? null : this.podAt(i);
  }

  podRefsNamed(name: string): string[] {
    return this.podsByName.all(name).map((i) => `${this.podNamespace(i)}/${this.podName(i)}`);
  }

  owner(ip: Addr): Owner | null {
    const host = this.hostOwner(ip);
    if (host) return host;
    const pod = this.podByIp(ip);
    return pod ? { kind: 'pod', pod } : null;
  }

  vethOf(pod: PodFacts): string {
    const i = pod instanceof Pod ? pod.index : -1;
    if (i < 0) return vethNameOfOne(pod.spec.namespace, pod.spec.name);
    const slot = i & (VETH_CACHE - 1);
    if (this.vethKeys[slot] !== i) {
      this.vethNames[slot] = vethNameOfOne(pod.spec.namespace, pod.spec.name);
      this.vethKeys[slot] = i;
    }
    return this.vethNames[slot]!;
  }

  inPodCidrs(a: Addr): boolean {
    return this.topology.podCidrs.some((p) => p.contains(a));
  }

  private localOf(n: NodeFacts): Route[] {
    return localRoutes(this.cluster, n, this.extraByNode.get(n));
  }

  nodeRoutes(name: string): RouteTable | null {
    const a = this.nodeByName.get(name);
    return a ? this.tables.table(a, this.localOf(a).sort(compareRoutes)) : null;
  }

  nodeRoutesJson(name: string, suffix = ''): Buffer | null {
    return this.nodeRoutesJsonPieces(name, suffix)?.bytes() ?? null;
  }

  nodeRoutesJsonPieces(name: string, suffix = ''): JsonPieces | null {
    const a = this.nodeByName.get(name);
    return a ? this.tables.jsonPieces(a, this.localOf(a).sort(compareRoutes), suffix) : null;
  }

  podRoutes(namespace: string, name: string): RouteTable | null {
    const p = this.pod(`${namespace}/${name}`);
    return p ? podRouteTable(this.cluster, p) : null;
  }

  routerRoutes(): RouteTable {
    return this.router;
  }

  /** Whether `n` is this datapath's own node object (its index then keys the per-node arrays). */
  private own(n: NodeFacts): boolean {
    return this.nodes[n.index] === n;
  }

  nodeLocal(n: NodeFacts): readonly Route[] {
    if (!this.own(n)) return nodeLocalTable(this.cluster, n);
    let t = this.localTables[n.index];
    if (!t) this.localTables[n.index] = t = nodeLocalTable(this.cluster, n);
    return t;
  }

  podLocal(p: PodFacts): readonly Route[] {
    return podLocalTable(p);
  }

  podLocalMatch(p: PodFacts, dst: Addr): Route | null {
    return podLocalMatch(p, dst);
  }

  routerLocal(): readonly Route[] {
    return (this.routerLocalTable ??= routerLocalTable(this.subnets));
  }

  routerLocalMatch(dst: Addr): Route | null {
    let m = this.routerLocalByAddr;
    if (!m) {
      m = new Map();
      for (const r of this.routerLocal()) {
        const k = addrKey(r.dst.addr);
        if (!m.has(k)) m.set(k, r);
      }
      this.routerLocalByAddr = m;
    }
    return m.get(addrKey(dst)) ?? null;
  }

  routedSubnet(name: string): SubnetFacts | null {
    return this.routedSubnets.get(name) ?? null;
  }

  blockHost(ip: Addr): NodeFacts | null {
    for (const m of this.blocks.matches(ip)) {
      for (const b of m.value) {
        const hit = localMatch(this.nodeLocal(b), ip);
        if (hit && hit.dev === this.topology.network.bridge && hit.type !== 'local') return b;
      }
    }
    return null;
  }

  /**
   * A node's local routes for lookupNodeRoute: longest prefix first, and
   * among routes of one destination the first listed (the one nodeRoutes
   * keeps). A handful per node: a scan of them is a few integer compares
   * in one small array, where a hash LPM per node cost a Map probe (a few
   * cache misses) per lookup and ~1 KB per node (BENCHMARKS.md, "GraphQL
   * path, sixth pass").
   */
  private localByLength(n: NodeFacts): readonly Route[] {
    let l = this.own(n) ? this.localSorted[n.index] : undefined;
    if (!l) {
      const local = this.localOf(n);
      // Array.prototype.sort is stable: equal lengths keep their listed order.
      l = local.slice().sort((x, y) => y.dst.bits - x.dst.bits);
      if (this.own(n)) this.localSorted[n.index] = l;
    }
    return l;
  }

  /** The longest local route of `n` containing `dst` (see localByLength), or null. */
  private localLookup(n: NodeFacts, dst: Addr): Route | null {
    const l = this.localByLength(n);
    for (let i = 0; i < l.length; i++) if (l[i]!.dst.contains(dst)) return l[i]!;
    return null;
  }

  /**
   * Node A's table is {peerRoute(A, B) : B ≠ A} ∪ localRoutes(A). Its longest
   * match for `dst` is the longer of the best local match and the best peer
   * route whose block contains `dst`; on equal length the local route wins,
   * as it does in nodeRoutes. Peer candidates come from the cluster-wide block
   * LPM, longest first: a block owned by A itself, or one A installs no route
   * for, is skipped (shorter blocks may still match in a broken, overlapping
   * plan).
   */
  lookupNodeRoute(a: NodeFacts, dst: Addr): Route | null {
    const local = this.localLookup(a, dst);
    const floor = local ? local.dst.bits : -1;
    const found = this.blockMatches;
    const count = this.blocks.matchesInto(dst, found);
    for (let k = 0; k < count; k++) {
      const m = found[k]!;
      if (m.prefix.bits <= floor) break;
      for (const b of m.value) {
        const r = this.peerRouteOf(a, b, dst.family);
        if (r) return r;
      }
    }
    return local;
  }

  /**
   * peerRoute(a, b), one object per node `b` and kind where the route does
   * not depend on `a` beyond its kind (vxlan, ipip) or only on its interface
   * (direct): the tracer's lookups return the same objects path after path,
   * so their text is made once (trace.ts). A route through `a`'s subnet
   * gateway (bgp) is made per call.
   */
  private peerRouteOf(a: NodeFacts, b: NodeFacts, f: Family): Route | null {
    const kind = peerRouteKind(this.cluster, a, b, f);
    if (kind === null) return null;
    if (kind === 'gateway') return peerRoute(this.cluster, a, b, f, kind);
    if (!this.own(b)) return peerRoute(this.cluster, a, b, f, kind);
    let made = this.peerRoutes[b.index];
    if (!made) this.peerRoutes[b.index] = made = [];
    const slot = (f === 4 ? 0 : 3) + (kind === 'direct' ? 0 : kind === 'vxlan' ? 1 : 2);
    const have = made[slot];
    if (have && (kind !== 'direct' || have.dev === a.iface)) return have;
    const r = peerRoute(this.cluster, a, b, f, kind)!;
    // A direct route names a's interface: kept for the first interface asked (all of them, in a uniform cluster).
    if (!have) made[slot] = r;
    return r;
  }

  lookupRouterRoute(dst: Addr): Route | null {
    return this.routerLpm.lookup(dst)?.value ?? null;
  }

  lookupPodRoute(p: PodFacts, dst: Addr): Route | null {
    const f = dst.family;
    const block = p.node.fam[f].block;
    if (!p.ip(f) || (block && block.bits > 0 && block.contains(dst))) return podRouteFor(this.cluster, p, dst);
    // The default route: the same for every pod of the node (via its gateway), one object per node and family.
    if (!this.own(p.node)) return podRouteFor(this.cluster, p, dst);
    const made = f === 4 ? this.podDefaults4 : this.podDefaults6;
    let r = made[p.node.index];
    if (r === undefined) made[p.node.index] = r = podRouteFor(this.cluster, p, dst);
    return r;
  }

  neighborOf(a: NodeFacts, dev: string, dst: Addr): string | null {
    const found = this.blockMatches;
    const count = this.blocks.matchesInto(dst, found);
    for (let k = 0; k < count; k++) {
      const m = found[k]!;
      if (!m.prefix.addr.equals(dst)) continue;
      for (const b of m.value) {
        const vx = peerVxlanEntries(this.cluster, a, b, dst.family);
        if (vx && vx.neighbor.dev === dev) return vx.neighbor.lladdr;
      }
    }
    return null;
  }

  fdbOf(a: NodeFacts, dev: string, mac: string): Addr | null {
    for (const b of this.byMac.get(mac) ?? []) {
      for (const f of FAMILIES) {
        const vx = peerVxlanEntries(this.cluster, a, b, f);
        if (vx && vx.fdb.dev === dev) return vx.fdb.dst;
      }
    }
    return null;
  }
}

/**
 * Slots of the veth-name cache: a path asks for a pod's name once or twice in
 * a row, and random paths seldom ask again. A larger cache kept each name
 * long enough to be promoted to the old generation and collected there, the
 * largest share of what path requests promoted (1.6 of 6.5 MB in 5 s at
 * k8s-5k), which full collections of the whole heap then had to clear.
 */
const VETH_CACHE = 64;

/** An address as a Map key, equal exactly when Addr.equals is (the family is in the key's type). */
const addrKey = (a: Addr): number | bigint => (a.family === 4 ? a.int32 : a.value);

/**
 * A pod as the datapath sees it: its node, its index in `pods`, and its spec
 * (a topology array's object, or read from the snapshot's PodTable: its IPs
 * made on first use, the spec only if asked for). Made per use, not kept.
 */
class Pod implements PodFacts {
  private ipList: readonly Addr[] | undefined = undefined;

  constructor(
    private readonly plain: PodSpec | null,
    private readonly table: PodTable | null,
    private readonly k: number,
    readonly node: NodeFacts,
    readonly index: number,
  ) {}

  get spec(): PodSpec {
    return this.plain ?? this.table!.row(this.k);
  }

  get ref(): string {
    return this.plain ? `${this.plain.namespace}/${this.plain.name}` : `${this.table!.namespace(this.k)}/${this.table!.name(this.k)}`;
  }

  ip(family: Family): Addr | null {
    const ips = this.plain ? this.plain.ips : (this.ipList ??= this.table!.ips(this.k));
    for (let j = 0; j < ips.length; j++) if (ips[j]!.family === family) return ips[j]!;
    return null;
  }
}
