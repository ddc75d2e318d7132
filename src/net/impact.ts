// What a change does to the network before it is applied (SPEC §13): the
// current datapath and the planned one compared — node-pair reachability per
// family, every node's route table, the pod MTU per family, capacity.
//
// Reachability is verify's: both sides are classified into pair classes
// (reachability.ts explains why one trace decides a whole class), and a pair's
// verdict on each side is its class's. Nodes present on both sides are
// grouped by (class group before, class group after); every ordered pair of
// such refined groups has one verdict before and one after, so `broken` and
// `fixed` are products of group sizes, not n² traces. Nodes traced one by one
// by verify (irregular ones) are compared pair by pair.
import type { Family } from './ip.js';
import { buildDatapath, type Datapath } from './datapath.js';
import { podMtus } from './devices.js';
import type { Topology } from './model.js';
import type { NodeFacts } from './routes.js';
import type { Disposition } from './trace.js';
import { type Verdict, classifyPairs } from './reachability.js';
import { type RouteDiff, diffRoutes } from './impact-routes.js';

export type FamilyName = 'ipv4' | 'ipv6';

export interface PairChange {
  /** Whether the pair breaks or is fixed (a pair delivered to the wrong node counts as not reached). */
  change: 'broken' | 'fixed';
  from: string;
  to: string;
  family: FamilyName;
  before: Disposition;
  after: Disposition;
  /** Why the failing side fails, as verify words it. */
  reason: string | null;
}

export interface ReachabilityImpact {
  /** Ordered node pairs judged (as verify counts them) on each side. */
  pairsBefore: number;
  pairsAfter: number;
  /** Of those, the pairs whose packet is delivered. */
  reachableBefore: number;
  reachableAfter: number;
  /** Pairs present on both sides: delivered before and not after, and the reverse. */
  broken: number;
  fixed: number;
  /** The first MAX_BROKEN_EXAMPLES broken pairs, then the first MAX_FIXED_EXAMPLES fixed ones. */
  examples: PairChange[];
  /** Pairs with an irregular node beyond verify's tracing budget, not compared. */
  unchecked: number;
}

export type MtuByFamily = Partial<Record<FamilyName, number>>;

export interface Impact<C> {
  reachability: ReachabilityImpact;
  routes: RouteDiff;
  mtu: { before: MtuByFamily; after: MtuByFamily };
  capacity: { before: C | null; after: C };
}

export const MAX_BROKEN_EXAMPLES = 1000;
export const MAX_FIXED_EXAMPLES = 100;

const familyName = (f: Family): FamilyName => (f === 4 ? 'ipv4' : 'ipv6');

/**
 * The impact of replacing `before` (null: the cluster does not exist yet)
 * with `after`. `capacityOf` states a topology's capacity in the caller's
 * shape (the cluster view's), so both sides read the same.
 */
export function computeImpact<C>(before: Datapath | null, after: Datapath, capacityOf: (t: Topology) => C): Impact<C> {
  const from = before ?? buildDatapath({ ...after.topology, nodes: [], pods: [] });
  return {
    reachability: reachabilityImpact(from, after),
    routes: diffRoutes(from, after),
    mtu: { before: before ? mtusOf(before.topology) : {}, after: mtusOf(after.topology) },
    capacity: { before: before ? capacityOf(before.topology) : null, after: capacityOf(after.topology) },
  };
}

/** Pod MTU per family of the pod CIDRs (SPEC §1: the tunnel's headers over that family). */
const mtusOf = (t: Topology): MtuByFamily => podMtus(t.network, t.podCidrs.map((p) => p.family));

// Reachability: which node pairs reach each other before and after, and what changed.

/** One side's classification, indexed for lookups by node. */
interface SideIndex {
  pairs: number;
  reachable: number;
  unchecked: number;
  byFamily: Map<Family, {
    groupOf: Map<NodeFacts, number>;
    /** `${source group} ${destination group}` → the class verdict. */
    classes: Map<string, Verdict>;
    /** `${a.index} ${b.index}` → a pair traced on its own. */
    singles: Map<string, Verdict>;
  }>;
}

function indexSide(dp: Datapath): SideIndex {
  const { classes, singles, unchecked } = classifyPairs(dp);
  const out: SideIndex = { pairs: 0, reachable: 0, unchecked, byFamily: new Map() };
  const fam = (f: Family) => {
    let x = out.byFamily.get(f);
    if (!x) out.byFamily.set(f, (x = { groupOf: new Map(), classes: new Map(), singles: new Map() }));
    return x;
  };
  const ids = new Map<NodeFacts[], number>();
  const idOf = (g: NodeFacts[], groupOf: Map<NodeFacts, number>): number => {
    let id = ids.get(g);
    if (id === undefined) {
      id = ids.size;
      ids.set(g, id);
      for (const n of g) groupOf.set(n, id);
    }
    return id;
  };
  for (const c of classes) {
    const x = fam(c.family);
    x.classes.set(`${idOf(c.sources, x.groupOf)} ${idOf(c.dests, x.groupOf)}`, c.verdict);
    out.pairs += c.count;
    if (c.verdict.ok) out.reachable += c.count;
  }
  for (const s of singles) {
    fam(s.family).singles.set(`${s.a.index} ${s.b.index}`, s.verdict);
    out.pairs++;
    if (s.verdict.ok) out.reachable++;
  }
  return out;
}

function verdictOf(side: SideIndex, f: Family, a: NodeFacts, b: NodeFacts): Verdict | null {
  const x = side.byFamily.get(f);
  if (!x) return null;
  const ga = x.groupOf.get(a);
  const gb = x.groupOf.get(b);
  if (ga !== undefined && gb !== undefined) return x.classes.get(`${ga} ${gb}`) ?? null;
  return x.singles.get(`${a.index} ${b.index}`) ?? null;
}

const dispositionOf = (v: Verdict): Disposition => (v.ok ? 'DELIVERED' : (v.disposition ?? 'NO_ROUTE'));

function reasonOf(v: Verdict, a: NodeFacts, b: NodeFacts): string {
  const at = v.at === 'A' ? a.name : v.at === 'B' ? b.name : v.at;
  const why = v.why?.replace('{A}', a.name).replace('{B}', b.name) ?? null;
  return `${v.disposition ?? 'UNREACHABLE'}${at ? ` at ${at}` : ''}${why ? `: ${why}` : ''}`;
}

/** A node present on both sides (by name). */
interface Common { b: NodeFacts; a: NodeFacts }

function reachabilityImpact(before: Datapath, after: Datapath): ReachabilityImpact {
  const sb = indexSide(before);
  const sa = indexSide(after);
  const common: Common[] = [];
  for (const a of after.nodes) {
    const b = before.node(a.name);
    if (b && after.node(a.name) === a) common.push({ b, a });
  }
  const brokenEx: PairChange[] = [];
  const fixedEx: PairChange[] = [];
  let broken = 0;
  let fixed = 0;
  const compare = (f: Family, x: Common, y: Common, vb: Verdict | null, va: Verdict | null, count: number, each: () => Iterable<[Common, Common]>): void => {
    if (!vb || !va || vb.ok === va.ok) return;
    const list = vb.ok ? brokenEx : fixedEx;
    if (vb.ok) broken += count;
    else fixed += count;
    const cap = vb.ok ? MAX_BROKEN_EXAMPLES : MAX_FIXED_EXAMPLES;
    for (const [p, q] of count === 1 ? [[x, y] as [Common, Common]] : each()) {
      if (list.length >= cap) break;
      const failing = vb.ok ? va : vb;
      list.push({
        change: vb.ok ? 'broken' : 'fixed',
        from: `node:${p.a.name}`, to: `node:${q.a.name}`, family: familyName(f),
        before: dispositionOf(vb), after: dispositionOf(va),
        reason: reasonOf(failing, vb.ok ? p.a : p.b, vb.ok ? q.a : q.b),
      });
    }
  };
  const families = new Set<Family>([...sb.byFamily.keys(), ...sa.byFamily.keys()]);
  for (const f of families) {
    const gb = sb.byFamily.get(f)?.groupOf ?? new Map<NodeFacts, number>();
    const ga = sa.byFamily.get(f)?.groupOf ?? new Map<NodeFacts, number>();
    const refined = new Map<string, Common[]>();
    const exceptional: Common[] = [];
    for (const c of common) {
      const x = gb.get(c.b);
      const y = ga.get(c.a);
      if (x === undefined || y === undefined) {
        exceptional.push(c);
        continue;
      }
      const k = `${x} ${y}`;
      const g = refined.get(k);
      if (g) g.push(c);
      else refined.set(k, [c]);
    }
    const groups = [...refined.values()];
    for (const X of groups) {
      for (const Y of groups) {
        const count = X.length * Y.length - (X === Y ? X.length : 0);
        if (count === 0) continue;
        const x = X[0]!;
        const y = X === Y ? X[1]! : Y[0]!;
        compare(f, x, y, verdictOf(sb, f, x.b, y.b), verdictOf(sa, f, x.a, y.a), count, function* () {
          for (const p of X) for (const q of Y) if (p !== q) yield [p, q];
        });
      }
    }
    // Pairs with a node verify traces on its own, each once: (x, y) on x's
    // turn, and (y, x) too unless y is exceptional (then y's turn adds it).
    const isExceptional = new Set(exceptional);
    const one = (p: Common, q: Common): void => compare(f, p, q, verdictOf(sb, f, p.b, q.b), verdictOf(sa, f, p.a, q.a), 1, () => []);
    for (const x of exceptional) {
      for (const y of common) {
        if (x === y) continue;
        one(x, y);
        if (!isExceptional.has(y)) one(y, x);
      }
    }
  }
  return {
    pairsBefore: sb.pairs, pairsAfter: sa.pairs, reachableBefore: sb.reachable, reachableAfter: sa.reachable,
    broken, fixed, examples: [...brokenEx, ...fixedEx], unchecked: sb.unchecked + sa.unchecked,
  };
}
