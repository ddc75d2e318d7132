// Use cases: parse, lock, load, plan (pure), write in one transaction.
// Every write to a cluster runs under that cluster's advisory lock, so
// allocations are serialised across service instances; the database's
// exclusion and unique constraints stay the final guard (a violation becomes
// a 409, never a 500).
import { createHash, hash } from 'node:crypto';
import { type AuditReport, type NodeDumps, auditNode } from '../net/audit.js';
import type { BlockAllocator } from '../net/allocator.js';
import type { Datapath } from '../net/datapath.js';
import { NetError, type Family } from '../net/ip.js';
import type { NodeSpec, PodSpec } from '../net/model.js';
import type { JsonPieces } from '../net/node-table.js';
import type { RouteTable, TableName } from '../net/routes.js';
import { type Path, tracePath } from '../net/trace.js';
import { type VerifyReport, verify } from '../net/verify.js';
import { pathScene } from '../render/path-scene.js';
import { renderPathSvg } from '../render/path-svg.js';
import type { ClusterStore, RowWrite } from '../store/clusters.js';
import { StoreConflict, type ClusterRecord, type StoredNode, type StoredPod } from '../store/records.js';
import { checkNewVtepMac, parseClusterDefinition, parseNodeInput, parsePodInput, podRef } from './definition.js';
import { AppError, toAppError } from './errors.js';
import { occupiedBlockAllocators, planAddNode, planApply, releaseNodeBlocks } from './plan.js';
import { ChangeList } from './change-list.js';
import { planAddPod } from './plan-pod.js';
import { type ClusterImpact, planImpact } from './impact.js';
import { sameOrder, storedAfter, writePlan } from './apply-write.js';
import type { ViewBody } from './view-cache.js';
import { Snapshot, SnapshotCache, type NodeChange, type ReadLease, type SnapshotHints, type SnapshotState } from './snapshots.js';
import type { MacPins } from './definition/nodes.js';
import { VtepMacIndex } from './vtep-macs.js';
import {
  applyViewFor, clusterSummaryView, clusterView, familyUtilization, nodeView, podView,
  type ApplyView, type ClusterView, type FamilyUtilization, type NodeView, type PodView,
} from './views.js';
import { isDnsLabel } from '../net/names.js';

export interface ApplyResult {
  created: boolean;
  dryRun: boolean;
  /** The cluster as JSON text (rendered lazily; the full view cached per version when nothing changed). */
  clusterJson(view?: ApplyView): string;
  /** The view the answer takes: the one asked for, else by the cluster's size (applyViewFor). */
  answerView(requested: ApplyView | undefined): ApplyView;
  /** The same as an object (GraphQL). */
  view(): ClusterView;
  name: string;
  /** In plan order; read with slice/counts to make only the changes shown (ChangeList). */
  changes: ChangeList;
  /** Dry runs: what the plan does to the network (SPEC §13); null otherwise. Computed on call. */
  impact(): ClusterImpact | null;
}

/**
 * What an apply remembers a body by: sha256 of its text, as UTF-8. A Buffer
 * of the same bytes hashes the same when they are valid UTF-8 (what a JSON or
 * YAML body that was applied decodes from).
 */
export function bodyHashOf(body: string | Buffer): string {
  return hash('sha256', body, 'hex');
}

/** bodyHashOf, over bytes that arrive in pieces: `update` each piece, then `digest` gives bodyHashOf of them all. */
export function bodyHasher(): { update(piece: Buffer): void; digest(): string } {
  const h = createHash('sha256');
  return { update: (piece) => { h.update(piece); }, digest: () => h.digest('hex') };
}

export interface ClusterSummary {
  name: string; podCidrs: string[]; mode: string; nodes: number; pods: number;
  version: number; createdAt: string; updatedAt: string;
}

export interface Page<T> { items: T[]; nextCursor: string | null }

export class ClusterService {
  readonly cache: SnapshotCache;
  /** Per cluster: the body this instance last applied and the version it left (see unchangedSinceLastApply). */
  private readonly lastApplied = new Map<string, { id: number; version: bigint; hash: string }>();
  /** Allocations made by this instance (for /metrics). */
  readonly stats = { nodesAllocated: 0, podsAllocated: 0 };

  constructor(private readonly store: ClusterStore, lease: ReadLease | null = null) {
    this.cache = new SnapshotCache(store, lease);
  }

  /** POST (mode 'create': 409 if it exists) and PUT (mode 'apply': converge). */
  async apply(body: unknown, opts: { mode: 'create' | 'apply'; dryRun: boolean; name?: string; rawBody?: string; bodyHash?: string }): Promise<ApplyResult> {
    const bodyHash = opts.bodyHash ?? (opts.rawBody !== undefined ? bodyHashOf(opts.rawBody) : null);
    if (bodyHash !== null && opts.mode === 'apply' && !opts.dryRun && opts.name !== undefined) {
      const same = await this.unchangedSinceLastApply(opts.name, bodyHash);
      if (same) return same;
    }
    const def = parseClusterDefinition(body);
    if (opts.name !== undefined && opts.name !== def.name) {
      throw new AppError('VALIDATION_FAILED', `the body names cluster "${def.name}" but the URL names "${opts.name}"`, {
        errors: [{ path: 'name', message: `must equal the cluster name in the URL ("${opts.name}")` }],
      });
    }
    const result = await this.write(def.name, () => this.store.bulkWrite(def.name, async (w, row) => {
      if (row && opts.mode === 'create') throw new AppError('CLUSTER_EXISTS', `cluster "${def.name}" already exists; use PUT /v1/clusters/${def.name} to change it`);
      const cached = row ? this.cache.peek(def.name, row.id, row.version) : null;
      const current = row ? (cached?.stored ?? (await w.load(def.name))) : null;
      const plan = planApply(current, def);
      if (opts.dryRun) return { plan, row, cached, current };
      if (plan.noop) return { plan, row, cached, current: null };
      const written = await writePlan(w, row, plan, current);
      // The writer knows the new state exactly: no reload of the whole cluster.
      return { plan, row: written.row, cached: new Snapshot(written.row, storedAfter(current, plan, written)), current: null };
    }));
    const { plan, row, cached, current } = result;
    if (!opts.dryRun && bodyHash !== null && row) this.lastApplied.set(def.name, { id: row.id, version: row.version, hash: bodyHash });
    if (!opts.dryRun && !plan.noop) {
      if (cached) this.cache.put(cached);
      this.stats.nodesAllocated += plan.nodeInserts.length + plan.nodeUpdates.length;
      this.stats.podsAllocated += plan.podInserts.length;
    }
    const stamp = opts.dryRun ? null : row;
    const view = () => clusterView(plan.topology, stamp);
    // The new snapshot lists nodes and pods in ordinal order; when that is the
    // definition's order too (always on create), its view is this response.
    const heir = !opts.dryRun && !plan.noop && cached && (plan.created || sameOrder(cached.topology, plan.topology)) ? cached : null;
    const render = () => {
      const json = JSON.stringify(view());
      heir?.adoptViewJson(json);
      return json;
    };
    return {
      created: plan.created,
      dryRun: opts.dryRun,
      name: def.name,
      // Nothing changed: the stored cluster's view, rendered once per version.
      clusterJson: (v = 'full') => {
        if (v === 'summary') return JSON.stringify(clusterSummaryView(plan.topology, stamp));
        return plan.noop && cached && !opts.dryRun ? cached.viewJson() : render();
      },
      answerView: (requested) => applyViewFor(requested, plan.topology),
      view,
      changes: plan.changes,
      impact: () => (opts.dryRun ? planImpact(current, plan) : null),
    };
  }

  async get(name: string): Promise<Snapshot> {
    return this.cache.get(name);
  }

  /**
   * Re-applying the very bytes this instance applied last, while the cluster
   * is still at the version that apply left, changes nothing: answer so
   * without parsing and planning 150,000 pods again. The version is read
   * after the request arrived, so a change by anyone since then is seen and
   * the full path runs.
   */
  private async unchangedSinceLastApply(name: string, bodyHash: string): Promise<ApplyResult | null> {
    const last = this.lastApplied.get(name);
    if (!last || last.hash !== bodyHash) return null;
    const snap = await this.cache.get(name).catch(() => null);
    if (!snap || snap.record.id !== last.id || snap.version !== last.version) return null;
    return {
      created: false, dryRun: false, name, changes: new ChangeList(), impact: () => null,
      clusterJson: (v = 'full') => (v === 'summary' ? JSON.stringify(clusterSummaryView(snap.shape, snap.record)) : snap.viewJson()),
      answerView: (requested) => applyViewFor(requested, snap.shape),
      view: () => clusterView(snap.topology, snap.record),
    };
  }

  /**
   * The answer to applying exactly `rawBody` again, when it is the body this
   * instance applied last to `name` and nothing changed since; else null.
   * For callers (the import) that would otherwise derive the definition first.
   */
  async unchangedApply(name: string, rawBody: string): Promise<ApplyResult | null> {
    return this.unchangedSinceLastApply(name, bodyHashOf(rawBody));
  }

  /** As unchangedApply, for a body known by its bodyHashOf (the PUT route hashes the bytes before parsing them). */
  async unchangedApplyByHash(name: string, bodyHash: string): Promise<ApplyResult | null> {
    return this.unchangedSinceLastApply(name, bodyHash);
  }

  /** Whether this instance has applied a body to `name` (so that re-sending it might change nothing). */
  hasAppliedBody(name: string): boolean {
    return this.lastApplied.has(name);
  }

  /** The cluster's JSON (SPEC §3), rendered once per version: its text, or the gzip a large view is kept as. */
  async viewBody(name: string): Promise<ViewBody> {
    return (await this.cache.get(name)).viewBody();
  }

  async list(limit: number, cursor: string | null): Promise<Page<ClusterSummary>> {
    const after = cursor === null ? null : decodeCursor(cursor);
    const rows = await this.store.list(after, limit + 1);
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({
        name: r.name, podCidrs: r.podCidrs, mode: r.mode, nodes: r.nodes, pods: r.pods,
        version: Number(r.version), createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString(),
      })),
      nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.name) : null,
    };
  }

  async remove(name: string): Promise<void> {
    const gone = await this.write(name, () => this.store.rowWrite(name, async (w, row) => {
      if (row) await w.deleteCluster(row.id);
      return row !== null;
    }));
    this.cache.invalidate(name);
    if (!gone) throw new AppError('CLUSTER_NOT_FOUND', `cluster "${name}" does not exist`);
  }

  async addNode(cluster: string, body: unknown, dryRun = false): Promise<NodeView> {
    const r = await this.change(cluster, async (w, row) => {
      const cached = this.cache.peek(cluster, row.id, row.version);
      const settings = cached?.stored.settings ?? (await w.settings(row.id));
      const node = parseNodeInput(body, settings);
      if (cached?.node(node.name)) throw new AppError('NODE_EXISTS', `node "${node.name}" already exists in cluster "${cluster}"`);
      checkNewVtepMac(cached ? (n, f) => cached.vtepMacOwner(n, f) : vtepMacOwners(await w.vtepMacs(row.id)), node);
      // The cached snapshot's allocators (built once, then handed from
      // snapshot to snapshot): one allocation, not a rebuild from every block.
      // Dropped on any failure; the snapshot rebuilds them when next asked.
      const allocators = cached ? cached.takeBlockAllocators() : occupiedBlockAllocators(settings, await w.blocks(row.id));
      const spec = planAddNode(settings, allocators, node);
      if (dryRun) {
        releaseNodeBlocks(allocators, spec.podCidrs);
        cached?.adoptBlockAllocators(allocators);
        return { spec, patch: null };
      }
      const ordinal = cached ? cached.nextNodeOrdinal() : await w.nextNodeOrdinal(row.id);
      const [id, after] = await Promise.all([w.insertNode(row.id, { spec, ordinal }), w.bumpVersion(row.id)]);
      const stored: StoredNode = { ...spec, id, ordinal };
      const patch: Patch = {
        before: row, after, allocators: cached ? allocators : null, hints: { nextNodeOrdinal: ordinal + 1 },
        edit: (prev) => ({ ...prev.state(), nodes: [...prev.stored.nodes, stored] }), nodeChange: { added: stored },
      };
      return { spec, patch };
    });
    if (r.patch) {
      this.patchSnapshot(cluster, r.patch);
      this.stats.nodesAllocated++;
    }
    return nodeView(r.spec);
  }

  async removeNode(cluster: string, name: string): Promise<void> {
    const patch = await this.change(cluster, async (w, row): Promise<Patch> => {
      const gone = await w.deleteNode(row.id, name);
      if (gone === null) throw new AppError('NODE_NOT_FOUND', `node "${name}" does not exist in cluster "${cluster}"`);
      return {
        before: row, after: await w.bumpVersion(row.id), nodeChange: { removed: name },
        // Its pods went with it (the node delete trigger); a node without pods leaves the pod list as it is (no scan of every pod).
        edit: (prev) => {
          const c = prev.state();
          return { ...c, nodes: without(c.nodes, prev.node(name)), pods: gone.pods === 0 ? c.pods : c.pods.filter((i) => c.pods.node(i) !== name) };
        },
        blocks: (a, prev) => releaseNodeBlocks(a, prev.node(name)?.podCidrs ?? []),
      };
    });
    this.patchSnapshot(cluster, patch);
  }

  async addPod(cluster: string, body: unknown, dryRun = false): Promise<PodView> {
    const pod = parsePodInput(body);
    const r = await this.change(cluster, async (w, row) => {
      const cached = this.cache.peek(cluster, row.id, row.version);
      const primary = (cached?.stored.settings ?? (await w.settings(row.id))).podCidrs[0]!.family;
      const node = await w.node(row.id, pod.node, primary);
      if (!node) {
        throw new AppError('VALIDATION_FAILED', `node "${pod.node}" does not exist in cluster "${cluster}"`, {
          errors: [{ path: 'node', message: `unknown node "${pod.node}"` }],
        });
      }
      if (await w.podExists(row.id, pod.namespace, pod.name)) throw new AppError('POD_EXISTS', `pod "${podRef(pod)}" already exists in cluster "${cluster}"`);
      const ips = planAddPod(node.podCidrs, await w.podIps(node.id), pod);
      const spec: PodSpec = { namespace: pod.namespace, name: pod.name, node: pod.node, ips };
      if (dryRun) return { spec, patch: null };
      const ordinal = cached ? cached.nextPodOrdinal() : await w.nextPodOrdinal(row.id);
      const id = await w.insertPod(row.id, node.id, { spec, ordinal });
      const stored: StoredPod = { ...spec, id, ordinal };
      const patch: Patch = { before: row, after: await w.bumpVersion(row.id), hints: { nextPodOrdinal: ordinal + 1 }, edit: (prev) => ({ ...prev.state(), pods: prev.pods.concat([stored]) }) };
      return { spec, patch };
    });
    if (r.patch) {
      this.patchSnapshot(cluster, r.patch);
      this.stats.podsAllocated++;
    }
    return podView(r.spec);
  }

  async removePod(cluster: string, namespace: string, name: string): Promise<void> {
    const patch = await this.change(cluster, async (w, row) => {
      if (!(await w.deletePod(row.id, namespace, name))) throw new AppError('POD_NOT_FOUND', `pod "${namespace}/${name}" does not exist in cluster "${cluster}"`);
      return {
        before: row, after: await w.bumpVersion(row.id),
        edit: (prev: Snapshot) => ({ ...prev.state(), pods: prev.pods.filter((i) => prev.pods.name(i) !== name || prev.pods.namespace(i) !== namespace) }),
      };
    });
    this.patchSnapshot(cluster, patch);
  }

  /**
   * A single-row change made here: derive the next snapshot from the one it
   * was made against (when cached) instead of reloading the whole cluster,
   * with the node-block allocators handed on. Other instances see the new
   * version and reload.
   */
  private patchSnapshot(cluster: string, p: Patch): void {
    const prev = this.cache.peek(cluster, p.before.id, p.before.version);
    if (prev && p.after.version === p.before.version + 1n) {
      const next = new Snapshot(p.after, { ...p.edit(prev), version: p.after.version }, { ...prev.successorHints(), ...p.hints });
      const inherited = prev.takeBuiltBlockAllocators();
      const allocators = p.allocators === undefined ? inherited : p.allocators;
      if (allocators) {
        p.blocks?.(allocators, prev);
        next.adoptBlockAllocators(allocators);
      }
      if (p.nodeChange) prev.handNodeIndexesTo(next, p.nodeChange);
      this.cache.put(next);
    } else {
      this.cache.refresh(cluster);
    }
  }

  async node(cluster: string, name: string): Promise<{ snap: Snapshot; node: NodeSpec }> {
    const snap = await this.cache.get(cluster);
    const node = snap.node(name);
    if (!node) throw new AppError('NODE_NOT_FOUND', `node "${name}" does not exist in cluster "${cluster}"`);
    return { snap, node };
  }

  async pod(cluster: string, namespace: string, name: string): Promise<{ snap: Snapshot; pod: PodSpec }> {
    const snap = await this.cache.get(cluster);
    const i = snap.podIndex(namespace, name);
    if (i === undefined) throw new AppError('POD_NOT_FOUND', `pod "${namespace}/${name}" does not exist in cluster "${cluster}"`);
    return { snap, pod: snap.pod(i) };
  }

  /** The node's table; with `table` local or all, also the kernel's local table. */
  async nodeRoutes(cluster: string, name: string, table: TableName = 'main'): Promise<RouteTable> {
    const { snap } = await this.node(cluster, name);
    const dp = snap.datapath;
    const t = dp.nodeRoutes(name)!;
    return table === 'main' ? t : { ...t, local: [...dp.nodeLocal(dp.node(name)!)] };
  }

  /** The node's main table as JSON (`formatRoutesJson` of nodeRoutes), UTF-8 pieces, ending in a newline as every text answer does. */
  async nodeRoutesJson(cluster: string, name: string): Promise<JsonPieces> {
    const { snap } = await this.node(cluster, name);
    return snap.datapath.nodeRoutesJsonPieces(name, '\n')!;
  }

  async podRoutes(cluster: string, namespace: string, name: string, table: TableName = 'main'): Promise<RouteTable> {
    const snap = await this.cache.get(cluster);
    const dp = snap.datapath;
    const t = dp.podRoutes(namespace, name);
    if (!t) throw new AppError('POD_NOT_FOUND', `pod "${namespace}/${name}" does not exist in cluster "${cluster}"`);
    return table === 'main' ? t : { ...t, local: [...dp.podLocal(dp.pod(`${namespace}/${name}`)!)] };
  }

  /** SPEC §12: the node's live kernel state (iproute2 dumps) against its plan; nothing is stored. */
  async audit(cluster: string, name: string, dumps: NodeDumps): Promise<AuditReport> {
    const { snap } = await this.node(cluster, name);
    try {
      return auditNode(snap.datapath, name, dumps)!;
    } catch (e) {
      if (e instanceof NetError) throw new AppError('VALIDATION_FAILED', e.message, { errors: [{ path: e.input, message: e.message }] });
      throw e;
    }
  }

  async path(cluster: string, from: string, to: string): Promise<Path> {
    const snap = await this.cache.get(cluster);
    return tracePath(snap.datapath, from, to);
  }

  /** The path and its picture (SPEC §10), the picture rendered only when asked for. */
  async pathWithPicture(cluster: string, from: string, to: string): Promise<PathWithPicture> {
    return pathOn((await this.cache.get(cluster)).datapath, from, to);
  }

  /**
   * pathWithPicture at once, when the cluster's snapshot needs no probe
   * (SnapshotCache.trustedNow), else null: no promise made, no microtask
   * waited for, on every GraphQL path request of a solo instance.
   */
  pathWithPictureNow(cluster: string, from: string, to: string): PathWithPicture | null {
    const snap = this.cache.trustedNow(cluster);
    return snap ? pathOn(snap.datapath, from, to) : null;
  }

  async verify(cluster: string): Promise<VerifyReport> {
    const snap = await this.cache.get(cluster);
    return verify(snap.datapath, () => performance.now());
  }

  /** Node-block utilisation of every stored cluster, per family, from two aggregate reads (no cluster is loaded). */
  async utilization(): Promise<FamilyUtilization[]> {
    return (await this.store.usage()).flatMap((u) => familyUtilization(u.settings, u.blocks));
  }

  /** A row-at-a-time write to an existing cluster: under its lock, with its row read after the lock. */
  private change<T>(cluster: string, fn: (w: RowWrite, row: ClusterRecord) => Promise<T>): Promise<T> {
    return this.write(cluster, () => this.store.rowWrite(cluster, (w, row) => {
      if (!row) throw new AppError('CLUSTER_NOT_FOUND', `cluster "${cluster}" does not exist`);
      return fn(w, row);
    }));
  }

  /** A store write whose conflicts become 409s naming the cluster. */
  private async write<T>(cluster: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof StoreConflict && err.code === 'CLUSTER_EXISTS') throw new AppError('CLUSTER_EXISTS', `cluster "${cluster}" already exists`);
      throw toAppError(err);
    }
  }
}

/** How a single-row write derives the next snapshot from the one it was made against. */
interface Patch {
  before: ClusterRecord;
  after: ClusterRecord;
  /** The next snapshot's cluster, from the snapshot the write was made against. */
  edit: (prev: Snapshot) => SnapshotState;
  /** The node the write added or removed, for the indexes the next snapshot takes over. */
  nodeChange?: NodeChange;
  /**
   * The allocators the write allocated from (they hold its new blocks); null
   * when it allocated from others (the previous snapshot's are stale then);
   * undefined: the previous snapshot's, if built, changed by `blocks`.
   */
  allocators?: Map<Family, BlockAllocator> | null;
  /** What the write does to those allocators (given the previous state). */
  blocks?: (a: Map<Family, BlockAllocator>, prev: Snapshot) => void;
  hints?: SnapshotHints;
}

/** A copy of `list` without `item` (found by identity: no comparison of names). */
function without<T>(list: readonly T[], item: T | undefined): T[] {
  const i = item === undefined ? -1 : list.indexOf(item);
  return i < 0 ? [...list] : [...list.slice(0, i), ...list.slice(i + 1)];
}

/** The VTEP MAC owners among rows read for one check (no snapshot to keep an index). */
function vtepMacOwners<T extends MacPins>(rows: T[]): (n: MacPins, f: Family) => T | undefined {
  const idx = VtepMacIndex.of(rows);
  return (n, f) => idx.owner(n, f, () => rows);
}

export function encodeCursor(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64url');
}

/** A cursor is the last cluster name of a page: anything else (a NUL, a name no cluster can have) is refused before it reaches SQL. */
export function decodeCursor(c: string): string {
  const s = Buffer.from(c, 'base64url').toString('utf8');
  if (!isDnsLabel(s) || encodeCursor(s) !== c) throw new AppError('BAD_REQUEST', `invalid cursor ${JSON.stringify(c)}`);
  return s;
}

export interface PathWithPicture { path: Path; svg: () => string }

function pathOn(dp: Datapath, from: string, to: string): PathWithPicture {
  const path = tracePath(dp, from, to);
  return { path, svg: () => renderPathSvg(path, pathScene(dp, path)) };
}
