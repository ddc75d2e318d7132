// Auditing a node (SPEC §12): what its kernel really holds — the JSON that
// `ip -j route show`, `ip -j -6 route show`, `ip -j neigh show` and `bridge -j
// fdb show` print — against what podnet planned for it. Pure: the dumps come
// in as parsed JSON (the REST schema bounds their size and shape), the
// answer goes out in podnet's route/neighbor/fdb JSON.
import { Addr, type Family, NetError, Prefix } from './ip.js';
import type { Datapath } from './datapath.js';
import { ipipDevice, vxlanDevice } from './devices.js';
import {
  type FdbEntry, type Neighbor, type Route, type RouteJson, FAMILIES, routeJson, text,
} from './routes.js';

/** One route object as `ip -j route show` prints it (the members podnet reads; iproute2 prints more). */
export interface LiveRouteJson {
  dst: string;
  gateway?: string;
  dev?: string;
  prefsrc?: string;
  protocol?: string;
  scope?: string;
  type?: string;
  metric?: number;
  flags?: string[];
}
/** One entry of `ip -j neigh show`. */
export interface LiveNeighborJson { dst: string; dev?: string; lladdr?: string; state?: string[] }
/** One entry of `bridge -j fdb show`. */
export interface LiveFdbJson { mac: string; ifname?: string; dev?: string; dst?: string; master?: string; flags?: string[]; state?: string }

/** The audit's body: any of the four dumps, each as iproute2 prints it. */
export interface NodeDumps {
  routes?: LiveRouteJson[];
  routes6?: LiveRouteJson[];
  neighbors?: LiveNeighborJson[];
  fdb?: LiveFdbJson[];
}

export type AuditEntry =
  | ({ kind: 'route' } & RouteJson & { metric?: number })
  | { kind: 'neighbor'; dst: string; lladdr: string | null; dev: string | null; state: string[]; text: string }
  | { kind: 'fdb'; mac: string; dev: string | null; dst: string | null; text: string };

export interface AuditReport {
  ok: boolean;
  node: string;
  /** How many of the plan's entries were compared, per kind (a kind whose dump was not given is not compared). */
  checked: { routes: number; neighbors: number; fdb: number };
  missing: AuditEntry[];
  unexpected: AuditEntry[];
  different: { expected: AuditEntry; actual: AuditEntry }[];
  /** Live entries that are not the plan's business (or differ from it only in proto or metric). */
  ignored: number;
}

const dumpError = (path: string, why: string): NetError => new NetError('INVALID_DUMP', path, `${path}: ${why}`);

/** A live route parsed into podnet's Route, with what Route has no room for beside it. */
interface LiveRoute { route: Route; proto: string | null; metric: number | undefined; json: LiveRouteJson }

function parseAddr(s: string | undefined, path: string, family?: Family): Addr | null {
  if (s === undefined) return null;
  const a = Addr.tryParse(s);
  if (!a) throw dumpError(path, `${JSON.stringify(s)} is not an IP address`);
  if (family !== undefined && a.family !== family) throw dumpError(path, `${s} is not an IPv${family} address`);
  return a;
}

/** `default`, `10.1.0.0/24`, or a host route printed without its length (`10.1.0.7`). */
function parseDst(s: string, family: Family, path: string): Prefix {
  if (s === 'default') return Prefix.from(family === 4 ? Addr.parse('0.0.0.0') : Addr.parse('::'), 0);
  const slash = s.indexOf('/');
  const p = slash < 0 ? (() => { const a = parseAddr(s, path, family)!; return Prefix.from(a, a.bitLen); })() : Prefix.tryParse(s);
  if (!p) throw dumpError(path, `${JSON.stringify(s)} is not a destination (want default, an address or a prefix)`);
  if (p.family !== family) throw dumpError(path, `${s} is not an IPv${family} destination`);
  return p;
}

const ROUTE_TYPES = new Set(['unicast', 'blackhole', 'local', 'broadcast', 'anycast']);

function parseRoute(j: LiveRouteJson, family: Family, path: string): LiveRoute {
  const dst = parseDst(j.dst, family, `${path}.dst`);
  const type = (ROUTE_TYPES.has(j.type ?? 'unicast') ? (j.type ?? 'unicast') : 'unicast') as Route['type'];
  const scope = j.scope === 'link' || j.scope === 'host' || j.scope === 'global' ? j.scope : null;
  const proto = j.protocol ?? null;
  const route: Route = {
    dst,
    via: parseAddr(j.gateway, `${path}.gateway`),
    dev: j.dev ?? null,
    src: parseAddr(j.prefsrc, `${path}.prefsrc`),
    proto: proto === 'kernel' || proto === 'static' || proto === 'boot' ? proto : null,
    scope,
    onlink: j.flags?.includes('onlink') ?? false,
    type,
  };
  return { route, proto, metric: j.metric, json: j };
}

/** `ip route` text of a live route, with its own proto and metric (as iproute2 prints them). */
function liveRouteText(l: LiveRoute): string {
  const r = l.route;
  const v6 = r.dst.family === 6;
  const dst = r.dst.bits === 0 ? 'default' : r.dst.bits === r.dst.addr.bitLen ? text(r.dst.addr) : text(r.dst);
  let s = l.json.type && l.json.type !== 'unicast' ? `${l.json.type} ${dst}` : dst;
  if (r.via) s += ` via ${text(r.via)}`;
  if (r.dev !== null) s += ` dev ${r.dev}`;
  if (l.proto !== null && l.proto !== 'boot') s += ` proto ${l.proto}`;
  if (!v6 && l.json.scope && l.json.scope !== 'global') s += ` scope ${l.json.scope}`;
  if (r.src) s += ` src ${text(r.src)}`;
  if (l.metric !== undefined) s += ` metric ${l.metric}`;
  if (r.onlink) s += ' onlink';
  if (v6) s += ' pref medium';
  return s;
}

function liveRouteEntry(l: LiveRoute): AuditEntry {
  const j = routeJson(l.route);
  return { kind: 'route', ...j, proto: (l.proto ?? null) as RouteJson['proto'], ...(l.metric !== undefined ? { metric: l.metric } : {}), text: liveRouteText(l) };
}

const plannedRoute = (r: Route): AuditEntry => ({ kind: 'route', ...routeJson(r) });
const neighborText = (dst: string, lladdr: string | null, dev: string | null, state: readonly string[]): string =>
  `${dst}${dev ? ` dev ${dev}` : ''}${lladdr ? ` lladdr ${lladdr}` : ''}${state.length ? ` ${state.join(' ')}` : ''}`;
const plannedNeighbor = (n: Neighbor): AuditEntry => ({ kind: 'neighbor', dst: text(n.dst), lladdr: n.lladdr, dev: n.dev, state: ['PERMANENT'], text: neighborText(text(n.dst), n.lladdr, n.dev, ['PERMANENT']) });
const fdbText = (mac: string, dev: string | null, dst: string | null): string => `${mac}${dev ? ` dev ${dev}` : ''}${dst ? ` dst ${dst}` : ''} self permanent`;
const plannedFdb = (f: FdbEntry): AuditEntry => ({ kind: 'fdb', mac: f.mac, dev: f.dev, dst: text(f.dst), text: fdbText(f.mac, f.dev, text(f.dst)) });

/** The metric the kernel shows for a planned route: IPv6 always has one (256 for connected, 1024 else); IPv4 none. */
const plannedMetric = (r: Route): number | undefined => (r.dst.family === 4 ? undefined : r.proto === 'kernel' ? 256 : 1024);

const LINK_LOCAL6 = Prefix.parse('fe80::/10');
const MULTICAST6 = Prefix.parse('ff00::/8');
const MULTICAST4 = Prefix.parse('224.0.0.0/4');

/** The devices a cluster owns on a node: its bridge and the tunnel devices of its mode. */
function clusterDevices(dp: Datapath): Set<string> {
  const net = dp.topology.network;
  const devs = new Set([net.bridge]);
  if (net.mode === 'vxlan' || net.mode === 'cross-subnet') for (const f of FAMILIES) devs.add(vxlanDevice(net, f));
  if (net.mode === 'ipip') for (const f of FAMILIES) devs.add(ipipDevice(f));
  return devs;
}

const key = (p: Prefix): string => `${p.family}/${p.addr.value}/${p.bits}`;

/**
 * Compares node `name`'s plan with its live dumps (SPEC §12). Every planned
 * entry of a kind whose dump is given is looked up by destination (route),
 * by destination and device (neighbor) or by MAC and device (fdb): absent →
 * `missing`; present but with another `via`, `dev`, `onlink`, `src` or type
 * (route), lladdr (neighbor) or dst (fdb) → `different`. A live entry the plan
 * does not have is `unexpected` when it lies inside the cluster's pod CIDRs
 * or sits on the bridge or a tunnel device, and only counted in `ignored`
 * otherwise — as is every entry the kernel makes itself: IPv6 link-local and
 * multicast routes, dynamic neighbors (ARP/ND), fdb entries without `dst`
 * (a device's own MAC, multicast, bridge ports). A matched route whose proto
 * or metric alone differs is counted in `ignored` too. Throws NetError
 * 'INVALID_DUMP' (naming the path) for an address that does not parse; null
 * when the node does not exist.
 */
export function auditNode(dp: Datapath, name: string, dumps: NodeDumps): AuditReport | null {
  const n = dp.node(name);
  const plan = dp.nodeRoutes(name);
  if (!n || !plan) return null;
  const devs = clusterDevices(dp);
  const inPods = (p: Prefix): boolean => dp.topology.podCidrs.some((c) => c.containsPrefix(p));
  const out: AuditReport = { ok: true, node: name, checked: { routes: 0, neighbors: 0, fdb: 0 }, missing: [], unexpected: [], different: [], ignored: 0 };

  const live: LiveRoute[] = [];
  const families = new Set<Family>();
  for (const [dump, family, field] of [[dumps.routes, 4, 'routes'], [dumps.routes6, 6, 'routes6']] as const) {
    if (!dump) continue;
    families.add(family);
    dump.forEach((j, i) => live.push(parseRoute(j, family, `${field}[${i}]`)));
  }
  auditRoutes(out, plan.routes.filter((r) => families.has(r.dst.family)), live, (l) => inPods(l.route.dst) || (l.route.dev !== null && devs.has(l.route.dev)));
  if (dumps.neighbors) auditNeighbors(out, plan.neighbors, dumps.neighbors, devs, inPods);
  if (dumps.fdb) auditFdb(out, plan.fdb, dumps.fdb, devs);
  out.ok = out.missing.length === 0 && out.unexpected.length === 0 && out.different.length === 0;
  return out;
}

function auditRoutes(out: AuditReport, planned: Route[], live: LiveRoute[], ours: (l: LiveRoute) => boolean): void {
  const byDst = new Map<string, LiveRoute[]>();
  for (const l of live) {
    const k = key(l.route.dst);
    const list = byDst.get(k);
    if (list) list.push(l);
    else byDst.set(k, [l]);
  }
  const used = new Set<LiveRoute>();
  for (const r of planned) {
    out.checked.routes++;
    const same = byDst.get(key(r.dst)) ?? [];
    const hit = same.find((l) => !used.has(l) && routeAgrees(r, l.route));
    if (hit) {
      used.add(hit);
      if ((hit.proto ?? 'boot') !== (r.proto ?? 'boot') || hit.metric !== plannedMetric(r)) out.ignored++;
      continue;
    }
    const near = same.find((l) => !used.has(l));
    if (near) {
      used.add(near);
      out.different.push({ expected: plannedRoute(r), actual: liveRouteEntry(near) });
    } else {
      out.missing.push(plannedRoute(r));
    }
  }
  for (const l of live) {
    if (used.has(l)) continue;
    const d = l.route.dst;
    // The kernel's own: IPv6 link-local and multicast routes, and the route it
    // makes for an address configured with its full length (flannel's VTEP
    // address on the VXLAN device, fd00:10:244::/128 → `fd00:10:244:: dev flannel-v6.1 proto kernel`).
    const hostOfOwn = l.proto === 'kernel' && l.route.via === null && d.bits === d.addr.bitLen;
    const kernels = hostOfOwn || (d.family === 6 && (LINK_LOCAL6.containsPrefix(d) || MULTICAST6.containsPrefix(d) || l.json.type === 'multicast'));
    if (!kernels && ours(l)) out.unexpected.push(liveRouteEntry(l));
    else out.ignored++;
  }
}

/**
 * Same next hop, device, onlink flag, type, and source where the plan names
 * one — except that an IPv6 connected route as the kernel makes it has no
 * source (it uses the device's address), which is the same route.
 */
function routeAgrees(r: Route, l: Route): boolean {
  const sameAddr = (a: Addr | null, b: Addr | null): boolean => (a === null ? b === null : b !== null && a.equals(b));
  const src = r.src === null || sameAddr(r.src, l.src) || (l.src === null && r.proto === 'kernel' && r.dst.family === 6);
  return sameAddr(r.via, l.via) && r.dev === l.dev && r.onlink === l.onlink && src && r.type === l.type;
}

/** Entries the kernel resolves or learns itself: anything not configured permanent (or noarp). */
const configured = (state: readonly string[] | undefined): boolean => (state ?? []).some((s) => s === 'PERMANENT' || s === 'NOARP');

function auditNeighbors(out: AuditReport, planned: Neighbor[], live: LiveNeighborJson[], devs: Set<string>, inPods: (p: Prefix) => boolean): void {
  const parsed = live.map((j, i) => ({ j, addr: parseAddr(j.dst, `neighbors[${i}].dst`)! }));
  const byKey = new Map<string, (typeof parsed)[number]>();
  for (const x of parsed) {
    const k = `${x.addr.family}/${x.addr.value}/${x.j.dev ?? ''}`;
    if (!byKey.has(k)) byKey.set(k, x);
  }
  const used = new Set<(typeof parsed)[number]>();
  const entry = (x: (typeof parsed)[number]): AuditEntry => {
    const state = x.j.state ?? [];
    return { kind: 'neighbor', dst: text(x.addr), lladdr: x.j.lladdr ?? null, dev: x.j.dev ?? null, state, text: neighborText(text(x.addr), x.j.lladdr ?? null, x.j.dev ?? null, state) };
  };
  for (const nb of planned) {
    out.checked.neighbors++;
    const x = byKey.get(`${nb.dst.family}/${nb.dst.value}/${nb.dev}`);
    if (!x) {
      out.missing.push(plannedNeighbor(nb));
      continue;
    }
    used.add(x);
    if (x.j.lladdr?.toLowerCase() !== nb.lladdr) out.different.push({ expected: plannedNeighbor(nb), actual: entry(x) });
  }
  for (const x of parsed) {
    if (used.has(x)) continue;
    const ours = inPods(Prefix.from(x.addr, x.addr.bitLen)) || (x.j.dev !== undefined && devs.has(x.j.dev));
    const kernels = !configured(x.j.state) || LINK_LOCAL6.contains(x.addr) || MULTICAST6.contains(x.addr) || MULTICAST4.contains(x.addr);
    if (ours && !kernels) out.unexpected.push(entry(x));
    else out.ignored++;
  }
}

function auditFdb(out: AuditReport, planned: FdbEntry[], live: LiveFdbJson[], devs: Set<string>): void {
  const withDst = live.map((j, i) => ({ j, dev: j.ifname ?? j.dev ?? null, addr: parseAddr(j.dst, `fdb[${i}].dst`) }));
  const byKey = new Map<string, (typeof withDst)[number][]>();
  for (const x of withDst) {
    if (!x.addr) continue;
    const k = `${x.j.mac.toLowerCase()} ${x.dev ?? ''}`;
    const list = byKey.get(k);
    if (list) list.push(x);
    else byKey.set(k, [x]);
  }
  const used = new Set<(typeof withDst)[number]>();
  const entry = (x: (typeof withDst)[number]): AuditEntry => {
    const dst = x.addr ? text(x.addr) : null;
    return { kind: 'fdb', mac: x.j.mac, dev: x.dev, dst, text: fdbText(x.j.mac, x.dev, dst) };
  };
  for (const f of planned) {
    out.checked.fdb++;
    const same = byKey.get(`${f.mac} ${f.dev}`) ?? [];
    const hit = same.find((x) => !used.has(x) && x.addr!.equals(f.dst)) ?? same.find((x) => !used.has(x));
    if (!hit) {
      out.missing.push(plannedFdb(f));
      continue;
    }
    used.add(hit);
    if (!hit.addr!.equals(f.dst)) out.different.push({ expected: plannedFdb(f), actual: entry(hit) });
  }
  for (const x of withDst) {
    if (used.has(x)) continue;
    // Without dst: a device's own MAC, multicast, a bridge port's learned MAC — the kernel's own.
    if (x.addr && x.dev !== null && devs.has(x.dev)) out.unexpected.push(entry(x));
    else out.ignored++;
  }
}

