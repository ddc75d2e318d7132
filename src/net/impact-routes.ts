// Route-table differences between two datapaths of one cluster (SPEC §13
// `impact.routes`): per node, the destinations whose route appears, goes, or
// changes its `ip route` text. Tables are keyed by destination, as the kernel
// keys them (`ip route replace`).
//
// Materialising both tables of every node is n² routes (25M at 5,000 nodes),
// so most of the work is done per class instead. Node A's route to the pod
// block d of another node is peerRoute(A, owner(d)), and everything that
// route's text depends on is a small tuple: for A, whether it has an address
// of the family, its subnet and its interface; for d, whether its owner has an
// address, the owner's subnet, and — the only per-node value in the text —
// whether the owner's address is the same before and after (a tunnel route's
// `via` is d's own network address, a bgp route's the source's gateway). So
// sources and destinations are grouped by those tuples on both sides, one
// representative pair per (source class, destination class) decides the
// outcome, and the counts are multiplied out. What the tuples do not cover is
// done exactly, per pair: A's own blocks (a connected route, not a peer
// route), destinations owned by several nodes or equal to a local route's,
// nodes the datapath calls irregular (extra routes, shared addresses: their
// whole tables are diffed), and the few local routes of every node.
import type { Addr, Family, Prefix } from './ip.js';
import type { Datapath } from './datapath.js';
import { FAMILIES, type NodeFacts, type Route, compareDestinations, routeText } from './routes.js';
import { localRoutes, peerRoute } from './tables.js';

export interface ChangedRoute { before: string; after: string }

export interface NodeRouteDiff {
  node: string;
  /** Whole counts for this node; the lists below hold at most MAX_DIFF_ENTRIES entries in all. */
  counts: { added: number; removed: number; changed: number };
  added: string[];
  removed: string[];
  changed: ChangedRoute[];
}

export interface RouteDiff {
  added: number;
  removed: number;
  changed: number;
  /** Nodes whose table changes at all. */
  nodesChanged: number;
  /** The first MAX_DIFF_NODES of them (the after definition's order, then removed nodes). */
  nodes: NodeRouteDiff[];
}

export const MAX_DIFF_NODES = 100;
export const MAX_DIFF_ENTRIES = 50;

const BEFORE = 0;
const AFTER = 1;
type Side = typeof BEFORE | typeof AFTER;
type Pair<T> = [T, T];

/** What happens at one destination of one table: nothing, or the index + 1 of its count in Counts. */
const Delta = { None: 0, Added: 1, Removed: 2, Changed: 3 } as const;
type Delta = (typeof Delta)[keyof typeof Delta];

function deltaOf(b: Route | null, a: Route | null): Delta {
  if (!b) return a ? Delta.Added : Delta.None;
  if (!a) return Delta.Removed;
  // Field by field first: most routes compared are unchanged, and their text need not be built.
  return sameFields(b, a) || routeText(b) === routeText(a) ? Delta.None : Delta.Changed;
}

const sameAddr = (x: Addr | null, y: Addr | null): boolean => (x === null ? y === null : y !== null && x.equals(y));

function sameFields(x: Route, y: Route): boolean {
  return x === y || (
    x.type === y.type && x.dev === y.dev && x.onlink === y.onlink && x.proto === y.proto && x.scope === y.scope &&
    x.dst.equals(y.dst) && sameAddr(x.via, y.via) && sameAddr(x.src, y.src)
  );
}

type Counts = [number, number, number];

function bump(c: Counts, d: Delta, by = 1): void {
  if (d !== Delta.None) c[d - 1]! += by;
}

interface Dst {
  prefix: Prefix;
  owners: Pair<NodeFacts[]>;
  /** Decided pair by pair (see the header). */
  special: boolean;
  cls: DstClass | null;
}

interface DstClass { id: number; members: Dst[] }

interface Source {
  name: string;
  n: Pair<NodeFacts | null>;
  /** Irregular on either side: the whole tables are diffed. */
  special: boolean;
  counts: Counts;
  local: Pair<Route[] | null>;
  /** Special sources only: the entries, already capped. */
  entries: Entry[] | null;
  /** Per family (index 0: IPv4), the destinations this node owns on either side. */
  own: [Dst[], Dst[]];
}

interface SrcClass {
  members: Source[];
  /** Outcome per destination class id. */
  out: Delta[];
}

interface Entry { dst: Prefix; delta: Delta; before: Route | null; after: Route | null }

interface FamilyContext {
  family: Family;
  dsts: Map<DstKey, Dst>;
  dstClasses: DstClass[];
  specialDsts: Dst[];
  classOf: Map<Source, SrcClass>;
}

type DstKey = number | string;

/** A destination as a Map key (a number for IPv4: a /24 per node makes this hot). */
const keyOf = (p: Prefix): DstKey => (p.family === 4 ? (p.addr.int32 >>> 0) * 64 + p.bits : `${p.addr.value}/${p.bits}`);

/** Every node's main table after minus before, counted whole; entries listed for the first nodes. */
export function diffRoutes(before: Datapath, after: Datapath): RouteDiff {
  return new RouteDiffer([before, after]).run();
}

class RouteDiffer {
  private readonly sources: Source[] = [];
  private readonly sourceOf: Pair<Map<NodeFacts, Source>> = [new Map(), new Map()];

  constructor(private readonly dp: Pair<Datapath>) {
    const byName = new Map<string, Source>();
    const add = (n: NodeFacts, s: Side): void => {
      let src = byName.get(n.name);
      if (!src) {
        src = { name: n.name, n: [null, null], special: false, counts: [0, 0, 0], local: [null, null], entries: null, own: [[], []] };
        byName.set(n.name, src);
        this.sources.push(src);
      }
      if (src.n[s]) return; // a repeated name: the datapath's node(name) is the first one too
      src.n[s] = n;
      this.sourceOf[s].set(n, src);
      if (dp[s].irregularNodes.has(n.index)) src.special = true;
    };
    for (const n of dp[AFTER].nodes) add(n, AFTER);
    for (const n of dp[BEFORE].nodes) add(n, BEFORE);
  }

  run(): RouteDiff {
    const contexts = FAMILIES.map((f) => this.family(f));
    for (const src of this.sources) if (src.special) this.diffWhole(src);
    let nodesChanged = 0;
    const total: Counts = [0, 0, 0];
    const nodes: NodeRouteDiff[] = [];
    for (const src of this.sources) {
      const [a, r, c] = src.counts;
      if (a + r + c === 0) continue;
      nodesChanged++;
      total[0] += a;
      total[1] += r;
      total[2] += c;
      if (nodes.length < MAX_DIFF_NODES) nodes.push(this.listed(src, contexts));
    }
    return { added: total[0], removed: total[1], changed: total[2], nodesChanged, nodes };
  }

  private family(f: Family): FamilyContext {
    const ctx: FamilyContext = { family: f, dsts: new Map(), dstClasses: [], specialDsts: [], classOf: new Map() };
    this.collectDsts(ctx);
    const srcClasses = this.groupSources(ctx);
    for (const S of srcClasses) {
      const base: Counts = [0, 0, 0];
      for (const D of ctx.dstClasses) {
        const d = this.classOutcome(S, D, f);
        S.out[D.id] = d;
        bump(base, d, D.members.length);
      }
      for (const src of S.members) {
        src.counts[0] += base[0];
        src.counts[1] += base[1];
        src.counts[2] += base[2];
        // The class counted A's own blocks as peer destinations: undo that, then decide them exactly.
        for (const e of this.ownDsts(src, ctx)) {
          if (e.special) continue;
          const sub: Counts = [0, 0, 0];
          bump(sub, S.out[e.cls!.id]!);
          src.counts[0] -= sub[0];
          src.counts[1] -= sub[1];
          src.counts[2] -= sub[2];
          bump(src.counts, this.exact(src, e, f).delta);
        }
        for (const e of ctx.specialDsts) bump(src.counts, this.exact(src, e, f).delta);
        for (const e of this.localEntries(src, ctx)) bump(src.counts, e.delta);
      }
    }
    return ctx;
  }

  private collectDsts(ctx: FamilyContext): void {
    const f = ctx.family;
    const localKeys = new Set<DstKey>();
    for (const s of [BEFORE, AFTER] as const) {
      for (const sub of this.dp[s].subnets) if (sub.cidr.family === f) localKeys.add(keyOf(sub.cidr));
      for (const n of this.dp[s].nodes) {
        const b = n.fam[f].block;
        if (!b) continue;
        const k = keyOf(b);
        let e = ctx.dsts.get(k);
        if (!e) ctx.dsts.set(k, (e = { prefix: b, owners: [[], []], special: false, cls: null }));
        e.owners[s].push(n);
        const own = this.sourceOf[s].get(n)?.own[f === 4 ? 0 : 1];
        if (own && !own.includes(e)) own.push(e);
      }
    }
    const classes = new Map<string, DstClass>();
    for (const [k, e] of ctx.dsts) {
      const [ob, oa] = e.owners;
      e.special = ob.length > 1 || oa.length > 1 || e.prefix.bits === 0 || localKeys.has(k) ||
        ob.some((n) => this.dp[BEFORE].irregularNodes.has(n.index)) || oa.some((n) => this.dp[AFTER].irregularNodes.has(n.index));
      if (e.special) {
        ctx.specialDsts.push(e);
        continue;
      }
      const yb = ob[0]?.fam[f] ?? null;
      const ya = oa[0]?.fam[f] ?? null;
      const side = (y: typeof yb): string => (y ? `${y.addr ? 1 : 0}.${y.subnet?.index ?? 'n'}` : '-');
      const same = yb?.addr && ya?.addr?.equals(yb.addr) ? 1 : 0;
      const ck = `${side(yb)}|${side(ya)}|${same}`;
      let c = classes.get(ck);
      if (!c) {
        c = { id: ctx.dstClasses.length, members: [] };
        classes.set(ck, c);
        ctx.dstClasses.push(c);
      }
      c.members.push(e);
      e.cls = c;
    }
  }

  private groupSources(ctx: FamilyContext): SrcClass[] {
    const f = ctx.family;
    const byKey = new Map<string, SrcClass>();
    const side = (n: NodeFacts | null): string => {
      if (!n) return '-';
      const x = n.fam[f];
      return `${x.addr ? 1 : 0}.${x.subnet?.index ?? 'n'}.${n.iface}`;
    };
    for (const src of this.sources) {
      if (src.special) continue;
      const k = `${side(src.n[BEFORE])}|${side(src.n[AFTER])}`;
      let S = byKey.get(k);
      if (!S) byKey.set(k, (S = { members: [], out: [] }));
      S.members.push(src);
      ctx.classOf.set(src, S);
    }
    return [...byKey.values()];
  }

  private isOwn(src: Source, e: Dst): boolean {
    return (src.n[BEFORE] !== null && e.owners[BEFORE].includes(src.n[BEFORE])) ||
      (src.n[AFTER] !== null && e.owners[AFTER].includes(src.n[AFTER]));
  }

  /** The destinations the source owns on either side (at most two per family). */
  private ownDsts(src: Source, ctx: FamilyContext): Dst[] {
    return src.own[ctx.family === 4 ? 0 : 1];
  }

  /** The outcome for every pair of the classes, from one pair that is not a node and its own block. */
  private classOutcome(S: SrcClass, D: DstClass, f: Family): Delta {
    for (const src of S.members) {
      // A source owns at most two destinations of a family: among any three, one is a peer's.
      for (let i = 0; i < D.members.length && i < 3; i++) {
        const e = D.members[i]!;
        if (!this.isOwn(src, e)) return this.exact(src, e, f).delta;
      }
    }
    return Delta.None;
  }

  private localOf(src: Source, s: Side): Route[] {
    let l = src.local[s];
    if (!l) {
      const n = src.n[s];
      l = n ? localRoutes(this.dp[s].cluster, n) : [];
      src.local[s] = l;
    }
    return l;
  }

  /** The route a (non-irregular) node holds for destination `e` on side `s`, as nodeRoutes would list it. */
  private entryAt(src: Source, e: Dst, f: Family, s: Side): Route | null {
    const n = src.n[s];
    if (!n) return null;
    const local = this.localOf(src, s).find((r) => r.dst.equals(e.prefix));
    if (local) return local;
    for (const owner of e.owners[s]) {
      const r = peerRoute(this.dp[s].cluster, n, owner, f);
      if (r) return r;
    }
    return null;
  }

  private exact(src: Source, e: Dst, f: Family): Entry {
    const before = this.entryAt(src, e, f, BEFORE);
    const after = this.entryAt(src, e, f, AFTER);
    return { dst: e.prefix, delta: deltaOf(before, after), before, after };
  }

  /** The local routes whose destination is no node's block (subnets, default routes), diffed. */
  private localEntries(src: Source, ctx: FamilyContext): Entry[] {
    const lb = this.localOf(src, BEFORE);
    const la = this.localOf(src, AFTER);
    const out: Entry[] = [];
    const note = (b: Route | null, a: Route | null): void => {
      const delta = deltaOf(b, a);
      if (delta !== Delta.None) out.push({ dst: (a ?? b)!.dst, delta, before: b, after: a });
    };
    // A handful of routes per node: lists, not maps. The first route of a destination is the table's.
    for (let i = 0; i < lb.length; i++) {
      const r = lb[i]!;
      if (r.dst.family !== ctx.family || firstAt(lb, r.dst) !== i || ctx.dsts.has(keyOf(r.dst))) continue;
      const j = firstAt(la, r.dst);
      note(r, j < 0 ? null : la[j]!);
    }
    for (let j = 0; j < la.length; j++) {
      const r = la[j]!;
      if (r.dst.family !== ctx.family || firstAt(la, r.dst) !== j || firstAt(lb, r.dst) >= 0 || ctx.dsts.has(keyOf(r.dst))) continue;
      note(null, r);
    }
    return out;
  }

  /** Irregular nodes: both whole tables, as the datapath materialises them. */
  private diffWhole(src: Source): void {
    const table = (s: Side): Map<DstKey, Route> => {
      const m = new Map<DstKey, Route>();
      const t = src.n[s] ? this.dp[s].nodeRoutes(src.n[s].name) : null;
      for (const r of t?.routes ?? []) m.set(r.dst.family === 4 ? keyOf(r.dst) : `6|${keyOf(r.dst)}`, r);
      return m;
    };
    const d = diffMaps(table(BEFORE), table(AFTER), MAX_DIFF_ENTRIES);
    src.counts = d.counts;
    src.entries = d.entries;
  }

  private listed(src: Source, contexts: FamilyContext[]): NodeRouteDiff {
    let entries: Entry[];
    if (src.entries) {
      entries = src.entries;
    } else {
      entries = [];
      const room = (): boolean => entries.length < MAX_DIFF_ENTRIES;
      const keep = (e: Entry): void => {
        if (e.delta !== Delta.None && room()) entries.push(e);
      };
      for (const ctx of contexts) {
        const f = ctx.family;
        for (const e of this.ownDsts(src, ctx)) if (!e.special) keep(this.exact(src, e, f));
        for (const e of ctx.specialDsts) keep(this.exact(src, e, f));
        for (const e of this.localEntries(src, ctx)) keep(e);
        const S = ctx.classOf.get(src);
        if (!S) continue;
        for (const D of ctx.dstClasses) {
          if (S.out[D.id] === Delta.None) continue;
          for (const e of D.members) {
            if (!room()) break;
            if (!this.isOwn(src, e)) keep(this.exact(src, e, f));
          }
        }
      }
    }
    entries.sort((x, y) => compareDestinations(x.dst, y.dst));
    const out: NodeRouteDiff = {
      node: src.name,
      counts: { added: src.counts[0], removed: src.counts[1], changed: src.counts[2] },
      added: [], removed: [], changed: [],
    };
    for (const e of entries) {
      if (e.delta === Delta.Added) out.added.push(routeText(e.after!));
      else if (e.delta === Delta.Removed) out.removed.push(routeText(e.before!));
      else out.changed.push({ before: routeText(e.before!), after: routeText(e.after!) });
    }
    return out;
  }
}

function firstAt(routes: readonly Route[], dst: Prefix): number {
  for (let i = 0; i < routes.length; i++) if (routes[i]!.dst.equals(dst)) return i;
  return -1;
}

/** Two tables keyed by destination: whole counts, and up to `cap` entries. */
function diffMaps(before: Map<DstKey, Route>, after: Map<DstKey, Route>, cap: number): { counts: Counts; entries: Entry[] } {
  const counts: Counts = [0, 0, 0];
  const entries: Entry[] = [];
  const note = (b: Route | null, a: Route | null): void => {
    const delta = deltaOf(b, a);
    if (delta === Delta.None) return;
    bump(counts, delta);
    if (entries.length < cap) entries.push({ dst: (a ?? b)!.dst, delta, before: b, after: a });
  };
  for (const [k, b] of before) note(b, after.get(k) ?? null);
  for (const [k, a] of after) if (!before.has(k)) note(null, a);
  return { counts, entries };
}
