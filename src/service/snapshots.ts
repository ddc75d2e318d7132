// In-memory snapshots of clusters, so route, path and read queries never
// reload a whole cluster per request. Correct across service instances: every
// use checks the cluster's version in PostgreSQL first. Version probes for one
// cluster are coalesced — at most one in flight and one queued — so under load
// many requests share one round trip, and every request is answered from a
// version read after it arrived (a change committed through any instance
// before a query starts is seen by that query).
import type { BlockAllocator } from '../net/allocator.js';
import { buildDatapath, type Datapath } from '../net/datapath.js';
import { StringKeyIndex } from '../net/hash-index.js';
import type { Family } from '../net/ip.js';
import { PodTable } from '../net/pod-table.js';
import type { Topology } from '../net/model.js';
import type { ClusterStore } from '../store/clusters.js';
import type { ClusterRecord, StoredCluster, StoredNode, StoredPod } from '../store/records.js';
import type { MacPins } from './definition/nodes.js';
import { AppError } from './errors.js';
import { nextOrdinalAfter, occupiedBlockAllocators } from './plan.js';
import { ViewCache, type ViewBody } from './view-cache.js';
import { clusterView, clusterViewPieces, type ClusterShape } from './views.js';
import { VtepMacIndex } from './vtep-macs.js';

/** Views of more nodes and pods than this (about 0.75 MB of text) are rendered in pieces into gzip for a GET. */
export const VIEW_PIECES_ABOVE = 5000;

/** One node added to or removed from a cluster (by name), as a snapshot's indexes follow it. */
export type NodeChange = { added: StoredNode } | { removed: string };

/** A stored cluster whose pods may be a PodTable already (what a single-row write hands the next snapshot, no rows made). */
export type SnapshotState = Omit<StoredCluster, 'pods'> & { pods: readonly StoredPod[] | PodTable };

/** What a snapshot derived by a single-row write already knows: the next free ordinals. */
export interface SnapshotHints { nextNodeOrdinal?: number; nextPodOrdinal?: number }

export class Snapshot {
  private dp: Datapath | null = null;
  readonly topology: Topology;
  private byName: Map<string, StoredNode> | null = null;
  private macs: VtepMacIndex<StoredNode> | null = null;
  private podsByNode: PodsByNode | null = null;
  private podsByName: StringKeyIndex | null = null;
  private readonly view = new ViewCache({
    text: () => JSON.stringify(clusterView(this.topology, this.record)),
    // Large views are rendered in pieces straight from the pod table (view-cache.ts).
    pieces: () => (this.stored.nodes.length + this.pods.length > VIEW_PIECES_ABOVE ? clusterViewPieces(this.shape, this.pods, this.record) : null),
  });
  private blockAllocs: Map<Family, BlockAllocator> | null = null;
  private nextNode: number | undefined;
  private nextPod: number | undefined;
  /** The solo period and local-write number in which this version was last read from PostgreSQL (SnapshotCache.get), or -1. */
  trustedEpoch = -1;
  trustedGen = -1;

  readonly stored: StoredCluster;
  /** The pods, as columns (the snapshot keeps no object per pod: `stored.pods` and `topology.pods` are the table's rows, made on use). */
  readonly pods: PodTable;

  constructor(readonly record: ClusterRecord, stored: SnapshotState, hints: SnapshotHints = {}) {
    // Only the settings' own fields: a writer may hand over a whole Topology
    // as settings, whose node and pod arrays (the plan's) would stay alive
    // beside the stored ones for as long as the snapshot does.
    const { name, podCidrs, serviceCidr, nodeMaskSize, network, subnets, reserved } = stored.settings;
    const settings = { name, podCidrs, serviceCidr, nodeMaskSize, network, subnets, reserved };
    const pods = stored.pods instanceof PodTable ? stored.pods : PodTable.of(stored.pods);
    this.pods = pods;
    this.stored = withPods({ id: stored.id, version: stored.version, settings, nodes: stored.nodes }, pods);
    this.topology = withPods({ ...settings, nodes: stored.nodes }, pods);
    this.nextNode = hints.nextNodeOrdinal;
    this.nextPod = hints.nextPodOrdinal;
  }

  /** Settings, nodes and the pod table: what the summary view reads (its pods counted, no rows made). */
  get shape(): ClusterShape {
    return { ...this.stored.settings, nodes: this.stored.nodes, pods: this.pods };
  }

  /** This snapshot's cluster with its pod table (no rows made): what a single-row write edits into the next one's. */
  state(): SnapshotState & { pods: PodTable } {
    const { id, version, settings, nodes } = this.stored;
    return { id, version, settings, nodes, pods: this.pods };
  }

  /** The node of that name; the index is built on first use, or handed over by the snapshot this one was derived from. */
  node(name: string): StoredNode | undefined {
    return (this.byName ??= new Map(this.stored.nodes.map((n) => [n.name, n]))).get(name);
  }

  /** The stored node holding the VTEP MAC of family `f` that a new node `n` would have (see checkNewVtepMac). */
  vtepMacOwner(n: MacPins, f: Family): StoredNode | undefined {
    return (this.macs ??= VtepMacIndex.of(this.stored.nodes)).owner(n, f, () => this.stored.nodes);
  }

  /**
   * Hands this snapshot's node indexes (by name, by VTEP MAC), where built, to
   * `next`, which is this snapshot with `change` made: one entry changed, not
   * an index of every node rebuilt per write. This snapshot rebuilds its own
   * if asked again (a request may still hold it).
   */
  handNodeIndexesTo(next: Snapshot, change: NodeChange): void {
    const gone = 'removed' in change ? this.node(change.removed) : undefined;
    const byName = this.byName;
    let macs = this.macs;
    this.byName = null;
    this.macs = null;
    if ('added' in change) {
      byName?.set(change.added.name, change.added);
      macs?.add(change.added);
    } else if (gone) {
      byName?.delete(gone.name);
      if (macs && !macs.remove(gone)) macs = null;
    }
    next.byName = byName;
    next.macs = macs;
  }

  nextNodeOrdinal(): number {
    return (this.nextNode ??= nextOrdinalAfter(this.stored.nodes));
  }

  nextPodOrdinal(): number {
    return (this.nextPod ??= this.pods.nextOrdinal());
  }

  /** The ordinals a snapshot derived from this one starts from (computed ones only). */
  successorHints(): SnapshotHints {
    return { nextNodeOrdinal: this.nextNode, nextPodOrdinal: this.nextPod };
  }

  /**
   * The node-block allocators holding every node's blocks, handed to the
   * caller: a single-node write, which hands them on to the snapshot it
   * derives (adoptBlockAllocators) or drops them. Built from the nodes when
   * this snapshot has none (O(nodes), once per chain of writes), so adding
   * a node costs one allocation, not a rebuild.
   */
  takeBlockAllocators(): Map<Family, BlockAllocator> {
    const a = this.blockAllocs ?? occupiedBlockAllocators(this.stored.settings, this.stored.nodes.flatMap((n) => n.podCidrs));
    this.blockAllocs = null;
    return a;
  }

  /** takeBlockAllocators, but only if they are built. */
  takeBuiltBlockAllocators(): Map<Family, BlockAllocator> | null {
    const a = this.blockAllocs;
    this.blockAllocs = null;
    return a;
  }

  /** Allocators that hold exactly this snapshot's node blocks. */
  adoptBlockAllocators(a: Map<Family, BlockAllocator>): void {
    this.blockAllocs = a;
  }

  get version(): bigint {
    return this.record.version;
  }

  /** Built on first use: path and route queries need it, plain reads do not. */
  get datapath(): Datapath {
    return (this.dp ??= buildDatapath(this.topology));
  }

  /** The cluster's JSON view (SPEC §3), rendered once per version (see ViewCache). */
  viewJson(): string {
    return this.view.json();
  }

  /** The view as a GET answers it: text, or the gzip a large view is kept as. */
  viewBody(): Promise<ViewBody> {
    return this.view.body();
  }

  /** Resolves once a large view's background compression has ended. */
  viewSettled(): Promise<void> {
    return this.view.settled;
  }

  /** A writer that rendered the identical view for its response hands it over (rendered once, not twice). */
  adoptViewJson(json: string): void {
    this.view.adopt(json);
  }

  /** Index of the pod `namespace/name`, or undefined. */
  podIndex(namespace: string, name: string): number | undefined {
    const pods = this.pods;
    // By name, the namespace checked on a match: no `ns/name` key string per pod, and int32 slots, not a Map entry each.
    this.podsByName ??= StringKeyIndex.of(pods.length, (k) => pods.name(k));
    const i = this.podsByName.find(name, (k) => pods.namespace(k) === namespace);
    return i < 0 ? undefined : i;
  }

  /** Pod `i` (an index podIndex or podsOn gave) as an object: a flyweight over the table, made per call. */
  pod(i: number): StoredPod {
    return this.pods.row(i);
  }

  /** Indexes of the pods on each node, in definition order. */
  podsOn(node: string): number[] {
    return (this.podsByNode ??= new PodsByNode(this.pods)).on(node);
  }
}

/** `o` with a `pods` property that reads `table`'s rows when asked (nothing per pod kept by `o`). */
function withPods<T extends object>(o: T, table: PodTable): T & { readonly pods: StoredPod[] } {
  return Object.defineProperty(o, 'pods', { get: () => table.rows(), enumerable: true, configurable: false }) as T & { readonly pods: StoredPod[] };
}

/** Pod indexes grouped by node: one int32 array in node-then-definition order and an offset per node (no array per node). */
class PodsByNode {
  private readonly start: Int32Array;
  private readonly order: Int32Array;
  private readonly byName: Map<string, number>;

  constructor(pods: PodTable) {
    const k = pods.nodeNames.length;
    const count = new Int32Array(k + 1);
    for (let i = 0; i < pods.length; i++) count[pods.nodeIndex[i]! + 1]!++;
    for (let j = 0; j < k; j++) count[j + 1]! += count[j]!;
    this.start = count.slice();
    const at = count;
    this.order = new Int32Array(pods.length);
    for (let i = 0; i < pods.length; i++) this.order[at[pods.nodeIndex[i]!]!++] = i;
    this.byName = new Map(pods.nodeNames.map((n, j) => [n, j]));
  }

  on(node: string): number[] {
    const j = this.byName.get(node);
    return j === undefined ? [] : Array.from(this.order.subarray(this.start[j]!, this.start[j + 1]!));
  }
}

interface Probe {
  promise: Promise<{ id: number; version: bigint } | null>;
}

/** What tells a snapshot cache it may skip the version probe (store/solo-lease.ts). */
export interface ReadLease {
  /** The solo period reads may trust now, or -1. */
  trustEpoch(): number;
}

export class SnapshotCache {
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly loading = new Map<string, Promise<Snapshot | null>>();
  private readonly inFlight = new Map<string, Probe>();
  private readonly queued = new Map<string, Probe>();
  /** Reads answered without a probe (solo reads), for /metrics and tests. */
  readonly stats = { unprobed: 0 };

  constructor(private readonly store: ClusterStore, private readonly lease: ReadLease | null = null) {}

  /**
   * The cluster as of a version read after this call; throws
   * CLUSTER_NOT_FOUND. While this instance holds the solo lease, a snapshot
   * whose version was read during the same solo period, with no write of
   * this instance begun or ended since, is that version still: nobody else
   * can commit meanwhile (solo-lease.ts), so it is answered without a probe.
   */
  async get(name: string): Promise<Snapshot> {
    const trusted = this.trustedNow(name);
    if (trusted) return trusted;
    const epoch = this.lease ? this.lease.trustEpoch() : -1;
    const writes = this.store.writes;
    const gen = writes.inFlight === 0 ? writes.gen : -1;
    const v = await this.probe(name);
    if (v === null) {
      this.snapshots.delete(name);
      throw new AppError('CLUSTER_NOT_FOUND', `cluster "${name}" does not exist`);
    }
    const now = this.snapshots.get(name);
    if (now && now.version === v.version && now.record.id === v.id) return this.trusted(now, epoch, gen);
    // A load already in flight may have started before the version we just
    // read was committed; the second one starts after the first ends, which
    // is after our probe, so it sees at least that version.
    for (let attempt = 0; attempt < 3; attempt++) {
      const snap = await this.load(name);
      if (!snap) throw new AppError('CLUSTER_NOT_FOUND', `cluster "${name}" does not exist`);
      if (snap.record.id === v.id && snap.version >= v.version) return this.trusted(snap, epoch, gen);
      if (snap.record.id !== v.id && attempt > 0) return snap; // deleted and re-created meanwhile: newer still
    }
    throw new AppError('CONCURRENT_UPDATE', `cluster "${name}" is changing too fast to read a consistent snapshot; retry`);
  }

  /**
   * The snapshot get() would answer without a probe (see get), at once; null
   * when get() has to ask PostgreSQL. For callers that can then skip a
   * promise (the GraphQL path resolver).
   */
  trustedNow(name: string): Snapshot | null {
    if (!this.lease) return null;
    const epoch = this.lease.trustEpoch();
    const writes = this.store.writes;
    const gen = writes.inFlight === 0 ? writes.gen : -1;
    const have = this.snapshots.get(name);
    if (epoch >= 0 && have && have.trustedEpoch === epoch && have.trustedGen === gen && gen >= 0) {
      this.stats.unprobed++;
      return have;
    }
    return null;
  }

  /**
   * Marks `snap` as current for the rest of solo period `epoch`: its version
   * (or a newer one) was read after this request arrived, the period began
   * before that, and no write of this instance began or ended in between.
   */
  private trusted(snap: Snapshot, epoch: number, gen: number): Snapshot {
    if (epoch < 0 || gen < 0 || this.lease!.trustEpoch() !== epoch) return snap;
    const writes = this.store.writes;
    if (writes.inFlight !== 0 || writes.gen !== gen) return snap;
    snap.trustedEpoch = epoch;
    snap.trustedGen = gen;
    return snap;
  }

  /** The cached snapshot if it is exactly this version (for use inside a write transaction). */
  peek(name: string, id: number, version: bigint): Snapshot | null {
    const s = this.snapshots.get(name);
    return s && s.record.id === id && s.version === version ? s : null;
  }

  /** Store a snapshot built by a writer (it knows the new version exactly). */
  put(snap: Snapshot): void {
    const have = this.snapshots.get(snap.record.name);
    if (!have || have.record.id !== snap.record.id || have.version < snap.version) this.snapshots.set(snap.record.name, snap);
  }

  all(): Snapshot[] {
    return [...this.snapshots.values()];
  }

  invalidate(name: string): void {
    this.snapshots.delete(name);
  }

  /** Reload in the background after a write, so the next reader finds it warm. */
  refresh(name: string): void {
    this.load(name).catch(() => {});
  }

  private load(name: string): Promise<Snapshot | null> {
    let p = this.loading.get(name);
    if (!p) {
      p = (async () => {
        const loaded = await this.store.load(name);
        const snap = loaded ? new Snapshot(loaded.record, loaded.stored) : null;
        if (snap) this.put(snap);
        else this.snapshots.delete(name);
        return snap;
      })().finally(() => this.loading.delete(name));
      this.loading.set(name, p);
    }
    return p;
  }

  private probe(name: string): Promise<{ id: number; version: bigint } | null> {
    const queued = this.queued.get(name);
    if (queued) return queued.promise;
    const running = this.inFlight.get(name);
    const start = (): Probe => {
      const probe: Probe = { promise: this.store.version(name) };
      this.inFlight.set(name, probe);
      probe.promise.finally(() => {
        if (this.inFlight.get(name) === probe) this.inFlight.delete(name);
      }).catch(() => {});
      return probe;
    };
    if (!running) return start().promise;
    // A probe is already on the wire, but it may have been sent before this
    // request arrived: queue one more that starts when it returns.
    const next: Probe = {
      promise: running.promise.catch(() => null).then(() => {
        this.queued.delete(name);
        return start().promise;
      }),
    };
    this.queued.set(name, next);
    return next.promise;
  }
}
