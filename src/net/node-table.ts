// One node's main table, materialised: as objects (text formats, GraphQL,
// audit) or straight as JSON bytes (the REST listing).
//
// Node A's table is {peerRoute(A, B) : B ≠ A} ∪ localRoutes(A). What A holds
// for B depends only on B and on the route's class: its family and kind, and
// for `direct`/`gateway` routes A's interface and subnet gateway. So every
// node of a class shares one entry per peer, and the JSON of a whole class is
// rendered once, in block order, into byte arenas. A table in JSON is then a
// few slices of those arenas — runs of consecutive peers of one class (in
// cross-subnet: the other subnets by VXLAN, A's own subnet direct) — with A's
// few local routes between them, rendered per request.
import type { Family, Prefix } from './ip.js';
import {
  type ClusterFacts, type FdbEntry, type Neighbor, type NodeFacts, type Route, type RouteTable,
  FAMILIES, compareDestinations, fdbJson, neighborJson, routeJson,
} from './routes.js';
import { type PeerRouteKind, peerRoute, peerRouteKind, peerVxlanEntries } from './tables.js';

interface PeerEntry {
  route: Route;
  vx: { neighbor: Neighbor; fdb: FdbEntry } | null;
}

/** Entries of one list, in block order: entry i is `bytes[at[i], at[i + 1])`, its JSON and a comma (empty when there is none). */
interface Arena {
  bytes: Buffer;
  at: Int32Array;
}

interface Arenas { routes: Arena; neighbors: Arena; fdb: Arena }

const arenasSize = (a: Arenas): number => a.routes.bytes.length + a.neighbors.bytes.length + a.fdb.bytes.length;

/**
 * Bytes of class JSON kept at most (the least recently used class's is
 * dropped past it, and rendered again when asked for). Cross-subnet needs
 * two classes (VXLAN, direct: ~26 MB at 65,000 nodes); bgp has one per
 * subnet gateway, which at 260 subnets of a 65,000-node cluster would be
 * ~2 GB if every subnet's nodes were listed.
 */
export const JSON_ARENA_BUDGET = 64 * 1024 * 1024;

/** The routes (with their VXLAN entries) of one class, for every peer in block order. */
class PeerClass {
  private readonly entries: (PeerEntry | undefined)[] = [];
  private arenas: Arenas | null = null;

  constructor(
    private readonly c: ClusterFacts,
    readonly family: Family,
    private readonly kind: PeerRouteKind,
    /** A node of this class: what its entries depend on is the same for all of them. */
    private readonly member: NodeFacts,
    private readonly order: readonly NodeFacts[],
  ) {}

  entry(i: number): PeerEntry {
    return (this.entries[i] ??= this.make(i)!);
  }

  /** The class's JSON, rendered on first use (again after dropJson). */
  json(): Arenas {
    if (!this.arenas) {
      const routes: string[] = [];
      const neighbors: string[] = [];
      const fdb: string[] = [];
      for (let i = 0; i < this.order.length; i++) {
        const e = this.entries[i] ?? this.make(i);
        routes.push(e ? JSON.stringify(routeJson(e.route)) + ',' : '');
        neighbors.push(e?.vx ? JSON.stringify(neighborJson(e.vx.neighbor)) + ',' : '');
        fdb.push(e?.vx ? JSON.stringify(fdbJson(e.vx.fdb)) + ',' : '');
      }
      this.arenas = { routes: arena(routes), neighbors: arena(neighbors), fdb: arena(fdb) };
    }
    return this.arenas;
  }

  dropJson(): void {
    this.arenas = null;
  }

  /** The entry for the i-th peer, or null when that peer has no block or address to route to. */
  private make(i: number): PeerEntry | null {
    const b = this.order[i]!;
    const y = b.fam[this.family];
    if (!y.block || !y.addr) return null;
    const route = peerRoute(this.c, this.member, b, this.family, this.kind);
    return route ? { route, vx: peerVxlanEntries(this.c, this.member, b, this.family, this.kind) } : null;
  }
}

function arena(parts: string[]): Arena {
  const at = new Int32Array(parts.length + 1);
  for (let i = 0; i < parts.length; i++) at[i + 1] = at[i]! + Buffer.byteLength(parts[i]!);
  return { bytes: Buffer.from(parts.join('')), at };
}

/** Consecutive positions [start, end) of block order whose entries are one class's. */
interface Run { cls: PeerClass; start: number; end: number }

/** A node's table as a sequence: its local routes, and runs of peer routes. */
type Segment = { local: Route } | Run;

/** Adds position i of class cls to `run` when it continues it, else to a new run appended to `out`; returns the run it is in. */
function extend(out: (Segment | Run)[], run: Run | null, cls: PeerClass, i: number): Run {
  if (run && run.cls === cls && run.end === i) {
    run.end++;
    return run;
  }
  const next = { cls, start: i, end: i + 1 };
  out.push(next);
  return next;
}

const samePrefix = (x: Prefix, y: Prefix): boolean => x.bits === y.bits && x.addr.equals(y.addr);

export class NodeTables {
  private readonly classes = new Map<string, PeerClass>();
  /** Per family and position in block order: equal blocks (a broken plan) share one id. */
  private readonly runIds: Record<Family, Int32Array>;

  /** `order`: per family, the nodes holding a block of it, ordered by block (compareDestinations), then by index. */
  /** Classes holding their JSON, least recently used first, and the bytes each holds. */
  private readonly rendered = new Map<PeerClass, number>();
  private renderedBytes = 0;

  constructor(
    private readonly c: ClusterFacts,
    private readonly order: Record<Family, readonly NodeFacts[]>,
    private readonly budget = JSON_ARENA_BUDGET,
  ) {
    const ids = (f: Family): Int32Array => {
      const o = order[f];
      const out = new Int32Array(o.length);
      for (let i = 1; i < o.length; i++) out[i] = samePrefix(o[i]!.fam[f].block!, o[i - 1]!.fam[f].block!) ? out[i - 1]! : i;
      return out;
    };
    this.runIds = { 4: ids(4), 6: ids(6) };
  }

  /** A's table; `local` is localRoutes(A) in compareRoutes order. */
  table(a: NodeFacts, local: readonly Route[]): RouteTable {
    const { routes: segs, peers } = this.segments(a, local);
    const routes: Route[] = [];
    for (const s of segs) {
      if ('local' in s) routes.push(s.local);
      else for (let i = s.start; i < s.end; i++) routes.push(s.cls.entry(i).route);
    }
    const neighbors: Neighbor[] = [];
    const fdb: FdbEntry[] = [];
    for (const s of peers) {
      for (let i = s.start; i < s.end; i++) {
        const vx = s.cls.entry(i).vx;
        if (vx) {
          neighbors.push(vx.neighbor);
          fdb.push(vx.fdb);
        }
      }
    }
    return { routes, neighbors, fdb };
  }

  /** Exactly `formatRoutesJson(table(a, local)) + suffix`, as UTF-8 bytes (a suffix here costs no second copy of the table). */
  json(a: NodeFacts, local: readonly Route[], suffix = ''): Buffer {
    return this.jsonPieces(a, local, suffix).bytes();
  }

  /**
   * json()'s bytes as the pieces they are made of, most of them slices of the
   * class arenas: what a server writes to a socket one after another, where
   * concatenating them (1.5 MB at k8s-5k) cost a fresh buffer per request,
   * its page faults, and the full collections its external memory started.
   */
  jsonPieces(a: NodeFacts, local: readonly Route[], suffix = ''): JsonPieces {
    const { routes, peers } = this.segments(a, local);
    const out = new ByteList();
    out.text('{"routes":[');
    for (const s of routes) {
      if ('local' in s) out.text(JSON.stringify(routeJson(s.local)) + ',');
      else out.slice(this.jsonOf(s.cls).routes, s.start, s.end);
    }
    out.closeList('],"neighbors":[');
    for (const s of peers) out.slice(this.jsonOf(s.cls).neighbors, s.start, s.end);
    out.closeList('],"fdb":[');
    for (const s of peers) out.slice(this.jsonOf(s.cls).fdb, s.start, s.end);
    out.closeList(']}' + suffix);
    return out;
  }

  /**
   * `routes`: the merge of A's local routes and its peer routes in
   * compareRoutes order, one route per destination: on equal destinations the
   * local route wins (as `ip route replace` of it would), among peers the
   * first in block order. `peers`: every peer A routes to, in block order,
   * whose VXLAN neighbor and FDB entries A holds even where its route lost.
   */
  private segments(a: NodeFacts, local: readonly Route[]): { routes: Segment[]; peers: Run[] } {
    const routes: Segment[] = [];
    const peers: Run[] = [];
    let li = 0;
    let lastLocal: Prefix | null = null;
    const emitLocal = (r: Route): void => {
      if (lastLocal && samePrefix(lastLocal, r.dst)) return;
      routes.push({ local: r });
      lastLocal = r.dst;
    };
    for (const f of FAMILIES) {
      const order = this.order[f];
      const runIds = this.runIds[f];
      const classes = new Map<PeerRouteKind, PeerClass>();
      let lastRun = -1;
      let run: Run | null = null;
      let peerRun: Run | null = null;
      let nextAt = this.position(local, li, f);
      for (let i = 0; i < order.length; i++) {
        while (i === nextAt) {
          run = null;
          emitLocal(local[li++]!);
          nextAt = this.position(local, li, f);
        }
        const b = order[i]!;
        const kind = peerRouteKind(this.c, a, b, f);
        if (!kind) continue;
        let cls = classes.get(kind);
        if (!cls) classes.set(kind, (cls = this.classOf(a, f, kind)));
        peerRun = extend(peers, peerRun, cls, i);
        if ((lastLocal && samePrefix(lastLocal, b.fam[f].block!)) || runIds[i] === lastRun) continue;
        lastRun = runIds[i]!;
        lastLocal = null;
        run = extend(routes, run, cls, i);
      }
      while (li < local.length && local[li]!.dst.family === f) emitLocal(local[li++]!);
    }
    while (li < local.length) emitLocal(local[li++]!);
    return { routes, peers };
  }

  /** cls's JSON, kept within the budget (a slice taken before a drop stays valid: it holds its bytes). */
  private jsonOf(cls: PeerClass): Arenas {
    const j = cls.json();
    const size = this.rendered.get(cls);
    this.rendered.delete(cls);
    this.rendered.set(cls, size ?? arenasSize(j));
    if (size !== undefined) return j;
    this.renderedBytes += arenasSize(j);
    for (const [old, bytes] of this.rendered) {
      if (this.renderedBytes <= this.budget || old === cls) break;
      old.dropJson();
      this.rendered.delete(old);
      this.renderedBytes -= bytes;
    }
    return j;
  }

  /** Where local[li] goes in family f's block order (the first block not below it), or -1 when it is not of family f. */
  private position(local: readonly Route[], li: number, f: Family): number {
    const r = local[li];
    if (!r || r.dst.family !== f) return -1;
    const order = this.order[f];
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareDestinations(r.dst, order[mid]!.fam[f].block!) <= 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  private classOf(a: NodeFacts, f: Family, kind: PeerRouteKind): PeerClass {
    const via = kind === 'direct' ? a.iface : kind === 'gateway' ? `${a.iface} ${a.fam[f].subnet!.gateway!.toString()}` : '';
    const key = `${f} ${kind} ${via}`;
    let cls = this.classes.get(key);
    if (!cls) this.classes.set(key, (cls = new PeerClass(this.c, f, kind, a, this.order[f])));
    return cls;
  }
}

/** A JSON text as byte pieces, in order (slices of shared arenas: never to be written to). */
export interface JsonPieces {
  readonly pieces: readonly Uint8Array[];
  /** Bytes in all. */
  readonly length: number;
  /** The pieces concatenated (a copy). */
  bytes(): Buffer;
}

/** Byte pieces of one JSON text; each list's entries end in a comma, dropped when the list closes. */
class ByteList implements JsonPieces {
  private readonly parts: Uint8Array[] = [];
  length = 0;

  get pieces(): readonly Uint8Array[] {
    return this.parts;
  }

  text(s: string): void {
    this.push(Buffer.from(s));
  }

  slice(a: Arena, start: number, end: number): void {
    if (end > start) this.push(a.bytes.subarray(a.at[start]!, a.at[end]!));
  }

  closeList(s: string): void {
    const last = this.parts[this.parts.length - 1]!;
    if (last[last.length - 1] === 0x2c) {
      this.parts[this.parts.length - 1] = last.subarray(0, last.length - 1);
      this.length--;
    }
    this.text(s);
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }

  private push(b: Uint8Array): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.length += b.length;
  }
}
