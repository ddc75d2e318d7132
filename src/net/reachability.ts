// The reachability check of `verify`: does every node's host namespace reach
// every other node's pod gateway, per family? Answered for 25M pairs by
// tracing one pair per class of equivalent pairs; the argument follows.
import type { Family, Prefix } from './ip.js';
import type { Datapath } from './datapath.js';
import { overlappingPairs, overlapsAny } from './overlap.js';
import { Failures, type VerifyCheck, type VerifyFailure, clusterFamilies, v } from './report.js';
import { FAMILIES, type NodeFacts } from './routes.js';
import { type Disposition, traceTargets } from './trace.js';

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
export interface Verdict {
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
    const blocks: { value: Prefix; n: NodeFacts }[] = [];
    for (const n of dp.nodes) {
      const b = n.fam[f].block;
      if (b) blocks.push({ value: b, n });
    }
    // Blocks overlapping an underlay subnet: one sweep, not subnets × nodes (260 × 65,000 at k8s-65k).
    const inSubnet = overlapsAny(blocks.map((b) => b.value), dp.subnets.map((s) => s.cidr));
    blocks.forEach((b, k) => {
      if (inSubnet[k]) out.add(b.n);
    });
    for (const [x, y] of overlappingPairs(blocks)) {
      out.add(x.n);
      out.add(y.n);
    }
  }
  return out;
}

export interface PairClass {
  family: Family;
  sources: NodeFacts[];
  dests: NodeFacts[];
  /** sources === dests: pairs (x, x) are excluded. */
  same: boolean;
  count: number;
  verdict: Verdict;
}

export interface Classification {
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

export function reachability(dp: Datapath): VerifyCheck {
  const out = new Failures();
  const { classes, singles, unchecked } = classifyPairs(dp);
  // fromEndpoint/toEndpoint: the path that was traced, as GET …/path takes it (A's host namespace to B's gateway of the family).
  const failure = (f: Family, a: NodeFacts, b: NodeFacts, r: string): VerifyFailure => ({
    message: `${v(f)} ${a.name} -> ${b.name}: ${r}`, from: a.name, to: b.name, family: f, reason: r,
    fromEndpoint: `node:${a.name}`, toEndpoint: b.fam[f].gateway?.toString() ?? `node:${b.name}`,
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
