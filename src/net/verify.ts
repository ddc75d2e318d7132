// Whole-cluster verification (SPEC §4 `verify`): overlaps, pod IPs, node-pair
// reachability, MTU and capacity, each as a check with capped failure lists.
import type { Family, Prefix } from './ip.js';
import { toCount } from './allocator.js';
import type { Datapath, Owner } from './datapath.js';
import { modeOverhead, podMtu } from './devices.js';
import { FAMILIES, type NodeFacts, text } from './routes.js';
import { type Disposition, traceTargets } from './trace.js';

export type CheckName = 'no-overlap' | 'pod-ips' | 'reachability' | 'mtu' | 'capacity';

export interface VerifyFailure {
  message: string;
  [field: string]: string | number | boolean | null;
}

export interface VerifyCheck {
  name: CheckName;
  ok: boolean;
  detail?: string;
  /** The first MAX_FAILURES failures; `failureCount` has the total. */
  failures?: VerifyFailure[];
  failureCount?: number;
  figures?: Record<string, unknown>;
}

export interface VerifyReport {
  ok: boolean;
  checks: VerifyCheck[];
}

export const MAX_FAILURES = 20;

export function verify(dp: Datapath): VerifyReport {
  const checks = [noOverlap(dp), podIps(dp), reachability(dp), mtu(dp), capacity(dp)];
  return { ok: checks.every((c) => c.ok), checks };
}

/** Collects failures, keeping the first MAX_FAILURES and counting all. */
class Failures {
  readonly list: VerifyFailure[] = [];
  count = 0;

  add(f: VerifyFailure): void {
    this.count++;
    if (this.list.length < MAX_FAILURES) this.list.push(f);
  }

  /** Counts `n` more failures, materialising examples only while under the cap. */
  addMany(n: number, examples: () => Iterable<VerifyFailure>): void {
    if (n <= 0) return;
    for (const f of examples()) {
      if (this.list.length >= MAX_FAILURES) break;
      this.list.push(f);
    }
    this.count += n;
  }

  check(name: CheckName, okDetail: string, figures?: Record<string, unknown>, failDetail?: string): VerifyCheck {
    const c: VerifyCheck = { name, ok: this.count === 0 };
    c.detail = this.count === 0 ? okDetail : (failDetail ?? `${this.count} problem${this.count === 1 ? '' : 's'}`);
    if (this.count > 0) {
      c.failures = this.list;
      c.failureCount = this.count;
    }
    if (figures) c.figures = figures;
    return c;
  }
}

const v = (f: Family): string => `IPv${f}`;

function clusterFamilies(dp: Datapath): Family[] {
  const fams = new Set<Family>(dp.topology.podCidrs.map((p) => p.family));
  for (const n of dp.nodes) for (const f of FAMILIES) if (n.fam[f].block) fams.add(f);
  return FAMILIES.filter((f) => fams.has(f));
}

function describeOwner(o: Owner): string {
  switch (o.kind) {
    case 'pod': return `pod ${o.pod.ref}`;
    case 'node': return `node ${o.node.name}`;
    case 'gateway': return `the bridge of node ${o.node.name}`;
    case 'router': return `the gateway of subnet ${o.subnet.name}`;
  }
}

// ---- no-overlap ------------------------------------------------------------------

interface Interval {
  first: bigint;
  last: bigint;
  label: string;
  isBlock: boolean;
}

const intervalOf = (p: Prefix, label: string, isBlock: boolean): Interval => ({
  first: p.addr.value,
  last: p.addr.value + p.size - 1n,
  label,
  isBlock,
});

/**
 * Node blocks are pairwise disjoint, of the node mask size, inside the pod
 * range, and clear of reserved ranges, the service CIDR and the subnets.
 * Sort + sweep per family: after sorting by first address, an interval
 * overlaps an earlier one iff it starts at or before the furthest end seen so
 * far, so every offending block is reported at least once in O(n log n).
 */
function noOverlap(dp: Datapath): VerifyCheck {
  const out = new Failures();
  const topo = dp.topology;
  for (const f of clusterFamilies(dp)) {
    const range = topo.podCidrs.find((p) => p.family === f) ?? null;
    const mask = f === 4 ? topo.nodeMaskSize.ipv4 : topo.nodeMaskSize.ipv6;
    const iv: Interval[] = [];
    for (const n of dp.nodes) {
      const b = n.fam[f].block;
      if (!b) {
        if (range) out.add({ message: `node ${n.name} has no ${v(f)} pod block`, node: n.name, family: f });
        continue;
      }
      const label = `node ${n.name} block ${text(b)}`;
      if (!range || !range.containsPrefix(b)) {
        out.add({ message: `${label} is outside the pod range ${range ? text(range) : `(no ${v(f)} pod range)`}`, node: n.name, block: text(b) });
      }
      if (b.bits !== mask) out.add({ message: `${label} is a /${b.bits}, the node mask size is /${mask}`, node: n.name, block: text(b) });
      iv.push(intervalOf(b, label, true));
    }
    for (const r of topo.reserved) if (r.family === f) iv.push(intervalOf(r, `reserved range ${text(r)}`, false));
    const svc = topo.serviceCidr;
    if (svc && svc.family === f) iv.push(intervalOf(svc, `service CIDR ${text(svc)}`, false));
    for (const s of dp.subnets) if (s.cidr.family === f) iv.push(intervalOf(s.cidr, `subnet ${s.name} ${text(s.cidr)}`, false));
    iv.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : a.last > b.last ? -1 : a.last < b.last ? 1 : 0));
    // `reach` is the interval reaching furthest so far; the immediately
    // preceding one is checked too, so that two equal blocks under a wider
    // range are still named together.
    let reach: Interval | null = null;
    let prev: Interval | null = null;
    for (const cur of iv) {
      for (const other of prev === reach ? [reach] : [reach, prev]) {
        if (other && cur.first <= other.last && (cur.isBlock || other.isBlock)) {
          out.add({ message: `${cur.label} overlaps ${other.label}`, a: cur.label, b: other.label });
        }
      }
      if (!reach || cur.last > reach.last) reach = cur;
      prev = cur;
    }
    if (range) {
      if (svc && range.overlaps(svc)) out.add({ message: `pod range ${text(range)} overlaps service CIDR ${text(svc)}` });
      for (const s of dp.subnets) {
        if (range.overlaps(s.cidr)) out.add({ message: `pod range ${text(range)} overlaps subnet ${s.name} ${text(s.cidr)}` });
      }
    }
  }
  for (const c of dp.conflicts) {
    if (c.owners.some((o) => o.kind === 'pod')) continue; // pod-ips reports those
    out.add({ message: `${text(c.ip)} is claimed by ${c.owners.map(describeOwner).join(' and ')}`, ip: text(c.ip) });
  }
  return out.check('no-overlap', 'node blocks are disjoint, inside the pod range and clear of reserved, service and subnet ranges');
}

// ---- pod-ips -----------------------------------------------------------------------

/** Every pod IP lies in its node's block of its family, is not the network, gateway or IPv4 broadcast address, and is unique. */
function podIps(dp: Datapath): VerifyCheck {
  const out = new Failures();
  for (const p of dp.orphanPods) {
    out.add({ message: `pod ${p.namespace}/${p.name} is on unknown node ${p.node}`, pod: `${p.namespace}/${p.name}` });
  }
  for (const p of dp.pods) {
    const seen = new Set<Family>();
    for (const ip of p.spec.ips) {
      const f = ip.family;
      const what = `pod ${p.ref} IP ${text(ip)}`;
      if (seen.has(f)) out.add({ message: `pod ${p.ref} has more than one ${v(f)} address`, pod: p.ref });
      seen.add(f);
      const b = p.node.fam[f].block;
      if (!b) {
        out.add({ message: `${what}: node ${p.node.name} has no ${v(f)} block`, pod: p.ref, ip: text(ip) });
        continue;
      }
      if (!b.contains(ip)) out.add({ message: `${what} is outside its node's block ${text(b)}`, pod: p.ref, ip: text(ip) });
      else if (ip.value === b.addr.value) out.add({ message: `${what} is the network address of ${text(b)}`, pod: p.ref, ip: text(ip) });
      else if (ip.value === b.addr.value + 1n) out.add({ message: `${what} is the gateway of ${text(b)}`, pod: p.ref, ip: text(ip) });
      else if (f === 4 && ip.value === b.addr.value + b.size - 1n) out.add({ message: `${what} is the broadcast address of ${text(b)}`, pod: p.ref, ip: text(ip) });
    }
    for (const f of FAMILIES) {
      if (p.node.fam[f].block && !seen.has(f)) out.add({ message: `pod ${p.ref} has no ${v(f)} address though node ${p.node.name} has a ${v(f)} block`, pod: p.ref });
    }
  }
  for (const c of dp.conflicts) {
    if (!c.owners.some((o) => o.kind === 'pod')) continue;
    out.add({ message: `${text(c.ip)} is claimed by ${c.owners.map(describeOwner).join(' and ')}`, ip: text(c.ip) });
  }
  return out.check('pod-ips', `${dp.pods.length} pods: every IP inside its node's block, usable and unique`);
}

// ---- reachability --------------------------------------------------------------------
//
// The question: for every ordered pair of distinct nodes (A, B) and every
// family f in which B has a pod block, does a packet from A's host namespace
// (source: A's f address, else its f bridge gateway) reach B's bridge gateway?
//
// Tracing 25M pairs is out of budget, and unnecessary. For a node N define its
// profile in f as (N has an f underlay address?, the subnet holding it — or
// "flat" without subnets —, N has an f block?). Every fact the generated
// tables and the tracer consult for such a packet is a function of the two
// profiles: peerRouteKind(A, B) depends only on the mode, both addresses'
// presence and whether they share a subnet; A's local routes hold its own
// block, its subnet and that subnet's gateway; the router holds the subnets and
// (bgp) blocks via their nodes' subnets; the next hop is resolved by the
// address's owner on the segment; the VXLAN neighbor/FDB entries are B's
// block address and B's MAC; decapsulation depends on the mode and B's
// address. Node names, interface names and the actual addresses only label
// the hops. So two pairs whose (profile(A), profile(B)) agree take the same
// path shape and get the same disposition — provided the lookups resolve to
// the intended owner, i.e. no address, block or MAC is shared or overlapping,
// and no extra routes are set. Nodes for which that proviso fails are
// "irregular" (Datapath.irregularNodes, plus any block overlapping another
// block or a subnet); every pair involving one is traced individually.
//
// Cost: classes = (number of profiles)^2 per family (20 subnets → 400 traces),
// plus 2·n traces per irregular node; the pairs themselves are only counted.
// The test suite checks the class verdicts against tracing every pair.

/** Why a pair fails, with A and B as roles so one class verdict names any pair of its class. */
interface Verdict {
  ok: boolean;
  disposition: Disposition | null;
  at: 'A' | 'B' | 'router' | string | null;
  why: string | null;
}

/** One pair's verdict as a string (null when reachable): '<DISPOSITION> at <where>[: <why>]'. */
export type PairResult = string | null;

function render(vd: Verdict, a: NodeFacts, b: NodeFacts): PairResult {
  if (vd.ok) return null;
  const at = vd.at === 'A' ? a.name : vd.at === 'B' ? b.name : vd.at;
  const why = vd.why?.replace('{A}', a.name).replace('{B}', b.name) ?? null;
  return `${vd.disposition ?? 'UNREACHABLE'}${at ? ` at ${at}` : ''}${why ? `: ${why}` : ''}`;
}

/** Traces A's host → B's f gateway and states the outcome in terms of roles A and B. */
export function pairVerdict(dp: Datapath, a: NodeFacts, b: NodeFacts, f: Family): Verdict {
  const src = a.fam[f].addr ?? a.fam[f].gateway;
  const dst = b.fam[f].gateway!;
  if (!src) return { ok: false, disposition: null, at: null, why: `{A} has no ${v(f)} address or block` };
  const path = traceTargets(dp, { kind: 'node', node: a, literal: null }, src, { kind: 'node', node: b, literal: dst }, dst);
  const last = path.hops[path.hops.length - 1];
  const ok = path.disposition === 'DELIVERED' && last?.node === b.name;
  if (ok) return { ok, disposition: null, at: null, why: null };
  const lastNode = last ? last.node : null;
  const at = last === undefined ? null : lastNode === null ? 'router' : lastNode === a.name ? 'A' : lastNode === b.name ? 'B' : lastNode;
  const why = !b.fam[f].addr ? `{B} has no ${v(f)} address` : !a.fam[f].addr ? `{A} has no ${v(f)} address` : null;
  return { ok, disposition: path.disposition, at, why };
}

function profileKey(dp: Datapath, n: NodeFacts, f: Family): string {
  const x = n.fam[f];
  const where = !x.addr ? 'none' : dp.cluster.flat ? 'flat' : x.subnet ? String(x.subnet.index) : 'outside';
  return `${where}|${x.gateway ? 1 : 0}`;
}

/** Nodes whose pairs must be traced one by one (see the argument above). */
function irregularNodes(dp: Datapath): Set<NodeFacts> {
  const out = new Set<NodeFacts>();
  for (const i of dp.irregularNodes) out.add(dp.nodes[i]!);
  for (const f of FAMILIES) {
    const iv: { n: NodeFacts; first: bigint; last: bigint }[] = [];
    for (const n of dp.nodes) {
      const b = n.fam[f].block;
      if (b) iv.push({ n, first: b.addr.value, last: b.addr.value + b.size - 1n });
    }
    for (const s of dp.subnets) {
      if (s.cidr.family !== f) continue;
      for (const n of dp.nodes) if (n.fam[f].block?.overlaps(s.cidr)) out.add(n);
    }
    iv.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let reach: (typeof iv)[number] | null = null;
    for (const cur of iv) {
      if (reach && cur.first <= reach.last) {
        out.add(cur.n);
        out.add(reach.n);
      }
      if (!reach || cur.last > reach.last) reach = cur;
    }
  }
  return out;
}

interface PairClass {
  family: Family;
  sources: NodeFacts[];
  dests: NodeFacts[];
  /** sources === dests: pairs (x, x) are excluded. */
  same: boolean;
  count: number;
  verdict: Verdict;
}

interface Classification {
  classes: PairClass[];
  /** Pairs involving an irregular node, each traced. */
  singles: { a: NodeFacts; b: NodeFacts; family: Family; verdict: Verdict }[];
  unchecked: number;
}

/** Upper bound on individually traced pairs (irregular nodes); beyond it pairs are reported unchecked. */
const SINGLE_TRACE_BUDGET = 100_000;

export function classifyPairs(dp: Datapath): Classification {
  const irregular = irregularNodes(dp);
  const classes: PairClass[] = [];
  const singles: Classification['singles'] = [];
  let unchecked = 0;
  for (const f of clusterFamilies(dp)) {
    const groups = new Map<string, NodeFacts[]>();
    for (const n of dp.nodes) {
      if (irregular.has(n)) continue;
      const k = profileKey(dp, n, f);
      const g = groups.get(k);
      if (g) g.push(n);
      else groups.set(k, [n]);
    }
    for (const sources of groups.values()) {
      for (const dests of groups.values()) {
        if (!dests[0]!.fam[f].gateway) continue;
        const same = sources === dests;
        const count = sources.length * dests.length - (same ? sources.length : 0);
        if (count === 0) continue;
        const a = sources[0]!;
        const b = same ? dests[1]! : dests[0]!;
        classes.push({ family: f, sources, dests, same, count, verdict: pairVerdict(dp, a, b, f) });
      }
    }
    // Each pair with an irregular end, once: (x, y) on x's turn, and (y, x)
    // too unless y is irregular (then it is y's turn that adds it).
    const single = (a: NodeFacts, b: NodeFacts): void => {
      if (!b.fam[f].gateway) return;
      if (singles.length >= SINGLE_TRACE_BUDGET) unchecked++;
      else singles.push({ a, b, family: f, verdict: pairVerdict(dp, a, b, f) });
    };
    for (const x of irregular) {
      for (const y of dp.nodes) {
        if (x === y) continue;
        single(x, y);
        if (!irregular.has(y)) single(y, x);
      }
    }
  }
  return { classes, singles, unchecked };
}

function* pairsOf(c: PairClass): Generator<[NodeFacts, NodeFacts]> {
  for (const a of c.sources) for (const b of c.dests) if (!(c.same && a === b)) yield [a, b];
}

/**
 * Every pair's result, keyed `IPv<f> <A> -> <B>`: from the classes (expanded,
 * O(n²): for tests) or by tracing every pair (the brute-force reference).
 */
export function reachabilityByPair(dp: Datapath, method: 'classes' | 'brute'): Map<string, PairResult> {
  const out = new Map<string, PairResult>();
  const key = (f: Family, a: NodeFacts, b: NodeFacts): string => `${v(f)} ${a.name} -> ${b.name}`;
  if (method === 'brute') {
    for (const f of clusterFamilies(dp)) {
      for (const a of dp.nodes) {
        for (const b of dp.nodes) {
          if (a !== b && b.fam[f].gateway) out.set(key(f, a, b), render(pairVerdict(dp, a, b, f), a, b));
        }
      }
    }
    return out;
  }
  const { classes, singles } = classifyPairs(dp);
  for (const c of classes) for (const [a, b] of pairsOf(c)) out.set(key(c.family, a, b), render(c.verdict, a, b));
  for (const s of singles) out.set(key(s.family, s.a, s.b), render(s.verdict, s.a, s.b));
  return out;
}

function reachability(dp: Datapath): VerifyCheck {
  const out = new Failures();
  const { classes, singles, unchecked } = classifyPairs(dp);
  const failure = (f: Family, a: NodeFacts, b: NodeFacts, r: string): VerifyFailure => ({
    message: `${v(f)} ${a.name} -> ${b.name}: ${r}`, from: a.name, to: b.name, family: f, reason: r,
  });
  let pairs = 0;
  for (const c of classes) {
    pairs += c.count;
    if (c.verdict.ok) continue;
    out.addMany(c.count, function* () {
      for (const [a, b] of pairsOf(c)) yield failure(c.family, a, b, render(c.verdict, a, b)!);
    });
  }
  for (const s of singles) {
    pairs++;
    const r = render(s.verdict, s.a, s.b);
    if (r) out.add(failure(s.family, s.a, s.b, r));
  }
  if (unchecked > 0) out.add({ message: `${unchecked} node pairs involving conflicting nodes were not traced (budget exceeded)`, unchecked });
  return out.check('reachability', `${pairs} node pairs: every node reaches every other node's pod gateway`, {
    pairs, classes: classes.length, tracedIndividually: singles.length,
  }, `${out.count} of ${pairs} node pairs cannot reach the other node's pod gateway`);
}

// ---- mtu -------------------------------------------------------------------------------

/** Pod MTU + the mode's overhead fits the underlay MTU, and the pod MTU is one every family can use. */
function mtu(dp: Datapath): VerifyCheck {
  const out = new Failures();
  const net = dp.topology.network;
  const overhead = modeOverhead(net.mode);
  const pod = podMtu(net);
  const fams = clusterFamilies(dp);
  if (pod + overhead > net.mtu) out.add({ message: `pod MTU ${pod} + ${overhead} bytes of ${net.mode} overhead exceeds the underlay MTU ${net.mtu}` });
  const min = fams.includes(6) ? 1280 : 68;
  if (pod < min) out.add({ message: `pod MTU ${pod} is below the ${fams.includes(6) ? 'IPv6' : 'IPv4'} minimum of ${min}` });
  return out.check('mtu', `pod MTU ${pod} + ${overhead} (${net.mode}) ≤ underlay MTU ${net.mtu}, the same on every node`, {
    mode: net.mode, underlayMtu: net.mtu, overhead, podMtu: pod,
  });
}

// ---- capacity --------------------------------------------------------------------------

/** Node blocks of `mask` bits in `range` that reserved or service ranges touch. */
function excludedBlocks(range: Prefix, mask: number, excluded: Prefix[]): bigint {
  const shift = BigInt(range.addr.bitLen - mask);
  const spans: [bigint, bigint][] = [];
  const rLast = range.addr.value + range.size - 1n;
  for (const x of excluded) {
    if (!x.overlaps(range)) continue;
    const first = x.addr.value > range.addr.value ? x.addr.value : range.addr.value;
    const xLast = x.addr.value + x.size - 1n;
    const last = xLast < rLast ? xLast : rLast;
    spans.push([(first - range.addr.value) >> shift, (last - range.addr.value) >> shift]);
  }
  spans.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let total = 0n;
  let end = -1n;
  for (const [lo, hi] of spans) {
    const from = lo > end ? lo : end + 1n;
    if (hi >= from) total += hi - from + 1n;
    if (hi > end) end = hi;
  }
  return total;
}

/** Utilisation figures per family (node blocks, pod IPs). Warn-only: exhaustion is reported in `detail`, never fails. */
function capacity(dp: Datapath): VerifyCheck {
  const topo = dp.topology;
  const families: Record<string, unknown>[] = [];
  const warnings: string[] = [];
  for (const range of topo.podCidrs) {
    const f = range.family;
    const mask = f === 4 ? topo.nodeMaskSize.ipv4 : topo.nodeMaskSize.ipv6;
    const all = mask >= range.bits ? 1n << BigInt(mask - range.bits) : 0n;
    const excluded = excludedBlocks(range, mask, [...topo.reserved, ...(topo.serviceCidr ? [topo.serviceCidr] : [])]);
    const total = all - excluded;
    const used = dp.nodes.filter((n) => n.fam[f].block && range.containsPrefix(n.fam[f].block!)).length;
    let podTotal = 0n;
    let podUsed = 0;
    let fullest: { node: string; used: number; capacity: number | string; utilization: number } | null = null;
    const perNode = new Map<NodeFacts, number>();
    for (const p of dp.pods) if (p.ip(f)) perNode.set(p.node, (perNode.get(p.node) ?? 0) + 1);
    for (const n of dp.nodes) {
      const b = n.fam[f].block;
      if (!b) continue;
      const cap = b.size - (f === 4 ? 3n : 2n);
      const u = perNode.get(n) ?? 0;
      podTotal += cap > 0n ? cap : 0n;
      podUsed += u;
      const util = cap > 0n ? u / Number(cap) : 1;
      if (!fullest || util > fullest.utilization) fullest = { node: n.name, used: u, capacity: toCount(cap), utilization: util };
    }
    const nodeBlocks = { total: toCount(total), used, free: toCount(total - BigInt(used) > 0n ? total - BigInt(used) : 0n), excluded: toCount(excluded), utilization: total === 0n ? 1 : used / Number(total) };
    const podIps = { total: toCount(podTotal), used: podUsed, utilization: podTotal === 0n ? 0 : podUsed / Number(podTotal), fullestNode: fullest };
    families.push({ family: f, podCidr: text(range), nodeMaskSize: mask, nodeBlocks, podIps });
    if (BigInt(used) >= total) warnings.push(`${v(f)} node blocks exhausted (${used} of ${total})`);
    if (fullest && fullest.utilization >= 1) warnings.push(`${v(f)} pod IPs of node ${fullest.node} exhausted`);
  }
  const summary = families
    .map((x) => {
      const nb = x.nodeBlocks as { used: number; total: number | string; utilization: number };
      return `IPv${String(x.family)}: ${nb.used} of ${nb.total} node blocks used (${(nb.utilization * 100).toFixed(1)}%)`;
    })
    .join('; ');
  return { name: 'capacity', ok: true, detail: warnings.length ? `${summary}; warning: ${warnings.join('; ')}` : summary, figures: { families } };
}

