// Thin resolvers over ClusterService. A Cluster resolves from one in-memory
// source — a stored Snapshot, or the view an apply returned — and every edge
// below it (nodes, pods, Node.pods, Pod.node) is an index lookup in that
// source. Snapshots are memoised per request and cluster name (the request's
// loader), so a query costs one version probe per cluster it names, however
// many nodes and pods it walks; the datapath (routes, verify) comes from the
// same snapshot.
import { GraphQLScalarType, type GraphQLEnumType } from 'graphql';
import type { IResolvers, MercuriusContext } from 'mercurius';
import { formatRoutesScript, formatRoutesText, routeJson, routeTableJson, type RouteTable } from '../../net/routes.js';
import type { NodeSpec } from '../../net/model.js';
import type { Endpoint } from '../../net/trace.js';
import { type VerifyCheck, verify } from '../../net/verify.js';
import type { ApplyResult, ClusterService, PathWithPicture } from '../../service/clusters.js';
import { AppError } from '../../service/errors.js';
import { importCluster } from '../../service/import.js';
import { nameObjectPaths } from '../rest/conventions.js';
import type { Snapshot } from '../../service/snapshots.js';
import {
  capacityView, nodeView, podView, settingsView, type CapacityView, type ClusterView, type NodeView, type PodView,
} from '../../service/views.js';
import { podMtu } from '../../net/devices.js';
import type { ClusterSizes, SizeSource } from './cost.js';

/** GraphQL enum names of core values: `pod-eth` → `POD_ETH`, `host-gw` → `HOST_GW`, `delete` → `DELETE`. */
export function enumName(s: string): string {
  let e = enumNames.get(s);
  if (e === undefined) enumNames.set(s, (e = s.toUpperCase().replace(/-/g, '_')));
  return e;
}
/** The few core values there are (modes, kinds, actions), each converted once: every hop of every path asks. */
const enumNames = new Map<string, string>();

/**
 * An enum whose fields resolve to core values (`pod-eth`, `cross-subnet`,
 * `delete`): the type itself converts them as it serialises, where a
 * resolver on every such field would run once per hop of every path. The
 * enum's own serialize (its prototype's; mercurius sets this one on the type)
 * still refuses a value that is not one of its names.
 */
const coreEnum = {
  serialize(this: GraphQLEnumType, value: unknown): unknown {
    const own = Object.getPrototypeOf(this) as GraphQLEnumType;
    return own.serialize.call(this, typeof value === 'string' ? enumName(value) : value);
  },
};

const OWNER = Symbol('cluster');
/** The lazy picture of a Path (Path.svg renders it only when selected). */
const PICTURE = Symbol('picture');
type Owner = () => Promise<ClusterData>;
type NodeParent = NodeView & { [OWNER]: Owner };
type PodParent = PodView & { [OWNER]: Owner };

function owned<T extends NodeView | PodView>(view: T, owner: Owner): T & { [OWNER]: Owner } {
  return Object.assign(view, { [OWNER]: owner });
}

type SettingsView = ReturnType<typeof settingsView>;

/** The trace's own object (made for this request) as the Path, the picture beside it: no copy of the path. */
function pathAnswer({ path, svg }: PathWithPicture): PathWithPicture['path'] & { [PICTURE]: () => string } {
  const answer = path as typeof path & { [PICTURE]: () => string };
  answer[PICTURE] = svg;
  return answer;
}

/** Everything a Cluster field needs, synchronously, except the datapath. */
interface ClusterData {
  readonly name: string;
  readonly settings: SettingsView;
  readonly podMtu: number;
  readonly meta: { version: number; createdAt: string; updatedAt: string } | null;
  capacity(): CapacityView;
  nodes(): NodeParent[];
  node(name: string): NodeParent | null;
  pods(): PodParent[];
  podsOn(node: string): PodParent[];
  /** The stored cluster, for route tables and verify. */
  snapshot(): Promise<Snapshot>;
}

/** A stored cluster: views are built on first use, one per node or pod reached. */
class SnapshotData implements ClusterData {
  private readonly self: Owner = () => Promise.resolve(this);
  private readonly nodeViews = new Map<NodeSpec, NodeParent>();
  private readonly podViews: (PodParent | undefined)[] = [];
  private settingsMemo: SettingsView | null = null;

  constructor(private readonly snap: Snapshot) {}

  get name(): string { return this.snap.topology.name; }
  get settings(): SettingsView { return (this.settingsMemo ??= settingsView(this.snap.topology)); }
  get podMtu(): number { return podMtu(this.snap.topology.network, this.snap.topology.podCidrs[0]?.family ?? 4); }
  get meta() {
    const r = this.snap.record;
    return { version: Number(r.version), createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() };
  }

  capacity(): CapacityView { return capacityView(this.snap.topology, this.snap.topology.nodes); }
  nodes(): NodeParent[] { return this.snap.topology.nodes.map((n) => this.viewOf(n)); }
  node(name: string): NodeParent | null {
    const n = this.snap.node(name);
    return n ? this.viewOf(n) : null;
  }
  pods(): PodParent[] { return Array.from({ length: this.snap.pods.length }, (_, i) => this.podAt(i)); }
  podsOn(node: string): PodParent[] { return this.snap.podsOn(node).map((i) => this.podAt(i)); }
  snapshot(): Promise<Snapshot> { return Promise.resolve(this.snap); }
  sizes(): ClusterSizes { return sizesOf(this.snap); }

  private viewOf(n: NodeSpec): NodeParent {
    let v = this.nodeViews.get(n);
    if (!v) this.nodeViews.set(n, (v = owned(nodeView(n), this.self)));
    return v;
  }
  private podAt(i: number): PodParent {
    return (this.podViews[i] ??= owned(podView(this.snap.pod(i)), this.self));
  }
}

const sizesMemo = new WeakMap<Snapshot, ClusterSizes>();

/** A snapshot's sizes, counted once per snapshot (it is immutable). */
function sizesOf(snap: Snapshot): ClusterSizes {
  let s = sizesMemo.get(snap);
  if (!s) {
    const t = snap.topology;
    const perNode = new Map<string, number>();
    let maxPodsPerNode = 0;
    const pods = snap.pods;
    for (let i = 0; i < pods.length; i++) {
      const node = pods.node(i);
      const n = (perNode.get(node) ?? 0) + 1;
      perNode.set(node, n);
      if (n > maxPodsPerNode) maxPodsPerNode = n;
    }
    const families = Math.max(1, t.podCidrs.length);
    s = {
      nodes: t.nodes.length, pods: pods.length, maxPodsPerNode,
      subnets: t.subnets.length, families, routesPerNode: (t.nodes.length + t.subnets.length + 3) * families,
    };
    sizesMemo.set(snap, s);
  }
  return s;
}

/** The cluster an apply returned (REST's body); a dry run has no snapshot to route over. */
class PlanData implements ClusterData {
  private readonly self: Owner = () => Promise.resolve(this);
  private readonly nodeList: NodeParent[];
  private readonly podList: PodParent[];
  private byName: Map<string, NodeParent> | null = null;
  private byNode: Map<string, PodParent[]> | null = null;

  constructor(private readonly view: ClusterView, private readonly stored: (() => Promise<Snapshot>) | null) {
    this.nodeList = view.nodes.map((n) => owned(n, this.self));
    this.podList = view.pods.map((p) => owned(p, this.self));
  }

  get name(): string { return this.view.name; }
  get settings(): SettingsView { return this.view; }
  get podMtu(): number { return this.view.podMtu; }
  get meta() {
    const v = this.view;
    return v.version === undefined ? null : { version: v.version, createdAt: v.createdAt!, updatedAt: v.updatedAt! };
  }

  capacity(): CapacityView { return this.view.capacity; }
  nodes(): NodeParent[] { return this.nodeList; }
  node(name: string): NodeParent | null {
    this.byName ??= new Map(this.nodeList.map((n) => [n.name, n]));
    return this.byName.get(name) ?? null;
  }
  pods(): PodParent[] { return this.podList; }
  podsOn(node: string): PodParent[] {
    if (!this.byNode) {
      this.byNode = new Map();
      for (const p of this.podList) {
        const l = this.byNode.get(p.node);
        if (l) l.push(p);
        else this.byNode.set(p.node, [p]);
      }
    }
    return this.byNode.get(node) ?? [];
  }
  snapshot(): Promise<Snapshot> {
    if (!this.stored) return Promise.reject(new AppError('BAD_REQUEST', `cluster "${this.name}" is a dry-run plan: route tables and verify exist only once it is applied`));
    return this.stored();
  }
}

/** The request's loader: one snapshot (one version probe) per cluster name per request. */
class RequestClusters implements SizeSource {
  private readonly data = new Map<string, Promise<SnapshotData>>();
  private everyCluster: Promise<SnapshotData[]> | null = null;

  constructor(private readonly service: ClusterService) {}

  /** Every cluster, listed once per request. */
  list(): Promise<SnapshotData[]> {
    this.everyCluster ??= (async () => {
      const names: string[] = [];
      for (let cursor: string | null = null; ;) {
        const page = await this.service.list(1000, cursor);
        names.push(...page.items.map((c) => c.name));
        if (!(cursor = page.nextCursor)) break;
      }
      return Promise.all(names.map((n) => this.load(n)));
    })();
    return this.everyCluster;
  }

  /** The cluster, or null when there is none (SDL: "Null when there is no such cluster"). */
  async find(name: string): Promise<SnapshotData | null> {
    try {
      return await this.load(name);
    } catch (err) {
      if (err instanceof AppError && err.code === 'CLUSTER_NOT_FOUND') return null;
      throw err;
    }
  }

  async one(name: string): Promise<ClusterSizes | null> {
    return (await this.find(name))?.sizes() ?? null;
  }

  async all(): Promise<ClusterSizes[]> {
    return (await this.list()).map((c) => c.sizes());
  }

  load(name: string): Promise<SnapshotData> {
    let p = this.data.get(name);
    if (!p) {
      p = this.service.get(name).then((s) => new SnapshotData(s));
      this.data.set(name, p);
      p.catch(() => this.data.delete(name));
    }
    return p;
  }

  /** After a write: later fields of the same request must see it. */
  forget(name: string): void {
    this.data.delete(name);
    this.everyCluster = null;
  }
}

const perRequest = new WeakMap<object, RequestClusters>();

/** The sizes the cost of a query is judged by, through the request's loader (what is loaded for it is reused). */
export function clustersOf(ctx: MercuriusContext, service: ClusterService): RequestClusters {
  let c = perRequest.get(ctx);
  if (!c) perRequest.set(ctx, (c = new RequestClusters(service)));
  return c;
}

function routes(table: RouteTable | null, what: () => AppError) {
  if (!table) throw what();
  return table.routes.map(routeJson);
}

const ROUTE_FORMATTERS: Record<string, (t: RouteTable) => string> = {
  TEXT: formatRoutesText,
  SCRIPT: formatRoutesScript,
  JSON: (t) => JSON.stringify(routeTableJson(t)),
};

/** `ns/name`, or `name` in namespace `default` (SPEC §2). */
function splitPodRef(ref: string): { namespace: string; name: string } {
  const i = ref.indexOf('/');
  return i < 0 ? { namespace: 'default', name: ref } : { namespace: ref.slice(0, i), name: ref.slice(i + 1) };
}

const passThrough = (name: string, description: string) =>
  new GraphQLScalarType({ name, description, serialize: (v) => v, parseValue: (v) => v });

type Args<T> = T & Record<string, unknown>;

export function buildResolvers(service: ClusterService): IResolvers {
  const nodeMissing = (cluster: string, node: string) => new AppError('NODE_NOT_FOUND', `node "${node}" does not exist in cluster "${cluster}"`);
  const podMissing = (cluster: string, ref: string) => new AppError('POD_NOT_FOUND', `pod "${ref}" does not exist in cluster "${cluster}"`);
  /** An apply's answer (ApplyResult, ImportResult): later fields of the request see the new cluster; a dry run has no stored one. */
  const applied = (ctx: MercuriusContext, r: ApplyResult) => {
    const loader = clustersOf(ctx, service);
    loader.forget(r.name);
    const stored = r.dryRun ? null : () => loader.load(r.name).then((d) => d.snapshot());
    return {
      created: r.created, dryRun: r.dryRun, impact: () => r.impact(), cluster: new PlanData(r.view(), stored),
      // Made only when the query selects it (graphql-jit reads the field; it does not call it).
      get changes() { return r.changes.toArray(); },
    };
  };
  /** A node or pod a mutation just added: the request's loader forgets the cluster, the view keeps a way back to it. */
  const added = async <T extends NodeView | PodView>(ctx: MercuriusContext, cluster: string, adding: Promise<T>) => {
    const view = await adding;
    const loader = clustersOf(ctx, service);
    loader.forget(cluster);
    return owned(view, () => loader.load(cluster));
  };

  return {
    Count: passThrough('Count', 'A count: a JSON number, or a decimal string above 2^53'),
    JSON: passThrough('JSON', 'Any JSON value'),
    NetworkMode: coreEnum,
    ChangeAction: coreEnum,
    ChangeKind: coreEnum,
    EndpointKind: coreEnum,
    HopKind: coreEnum,

    Query: {
      clusters: (_root: unknown, _args: unknown, ctx: MercuriusContext) => clustersOf(ctx, service).list(),
      cluster: (_root: unknown, { name }: Args<{ name: string }>, ctx: MercuriusContext) => clustersOf(ctx, service).find(name),
      // A value at once when the snapshot needs no probe (a solo instance), else a promise: no microtask per path where none is needed.
      path: (_root: unknown, a: Args<{ cluster: string; from: string; to: string }>) => {
        const now = service.pathWithPictureNow(a.cluster, a.from, a.to);
        return now ? pathAnswer(now) : service.pathWithPicture(a.cluster, a.from, a.to).then(pathAnswer);
      },
    },

    Mutation: {
      applyCluster: async (_root: unknown, a: Args<{ definition: unknown; dryRun: boolean | null }>, ctx: MercuriusContext) => {
        try {
          return applied(ctx, await service.apply(a.definition, { mode: 'apply', dryRun: a.dryRun === true }));
        } catch (err) {
          // As REST does: `nodes[3] (node-d).address`, the object named from the definition sent.
          throw err instanceof AppError ? nameObjectPaths(err, a.definition) : err;
        }
      },
      importCluster: async (_root: unknown, a: Args<{ name: string; input: unknown; dryRun: boolean | null }>, ctx: MercuriusContext) => {
        const { result, skipped } = await importCluster(service, a.name, a.input, a.dryRun === true);
        return { ...applied(ctx, result), skipped };
      },
      deleteCluster: async (_root: unknown, { name }: Args<{ name: string }>, ctx: MercuriusContext) => {
        await service.remove(name);
        clustersOf(ctx, service).forget(name);
        return true;
      },
      addNode: (_root: unknown, a: Args<{ cluster: string; node: unknown }>, ctx: MercuriusContext) =>
        added(ctx, a.cluster, service.addNode(a.cluster, a.node)),
      removeNode: async (_root: unknown, a: Args<{ cluster: string; name: string }>, ctx: MercuriusContext) => {
        await service.removeNode(a.cluster, a.name);
        clustersOf(ctx, service).forget(a.cluster);
        return true;
      },
      addPod: (_root: unknown, a: Args<{ cluster: string; pod: unknown }>, ctx: MercuriusContext) =>
        added(ctx, a.cluster, service.addPod(a.cluster, a.pod)),
      removePod: async (_root: unknown, a: Args<{ cluster: string; ref: string }>, ctx: MercuriusContext) => {
        const { namespace, name } = splitPodRef(a.ref);
        await service.removePod(a.cluster, namespace, name);
        clustersOf(ctx, service).forget(a.cluster);
        return true;
      },
    },

    Cluster: {
      podCidrs: (c: ClusterData) => c.settings.podCidrs,
      serviceCidr: (c: ClusterData) => c.settings.serviceCidr,
      mode: (c: ClusterData) => c.settings.network.mode,
      mtu: (c: ClusterData) => c.settings.network.mtu,
      nodeMaskSize: (c: ClusterData) => c.settings.nodeMaskSize,
      network: (c: ClusterData) => c.settings.network,
      subnets: (c: ClusterData) => c.settings.subnets,
      reserved: (c: ClusterData) => c.settings.reserved,
      nodes: (c: ClusterData) => c.nodes(),
      node: (c: ClusterData, { name }: Args<{ name: string }>) => c.node(name),
      pods: (c: ClusterData, { namespace, node }: Args<{ namespace?: string | null; node?: string | null }>) => {
        const pods = typeof node === 'string' ? c.podsOn(node) : c.pods();
        return typeof namespace === 'string' ? pods.filter((p) => p.namespace === namespace) : pods;
      },
      capacity: (c: ClusterData) => c.capacity(),
      verify: async (c: ClusterData) => verify((await c.snapshot()).datapath),
      version: (c: ClusterData) => c.meta?.version ?? null,
      createdAt: (c: ClusterData) => c.meta?.createdAt ?? null,
      updatedAt: (c: ClusterData) => c.meta?.updatedAt ?? null,
    },

    Node: {
      pods: async (n: NodeParent) => (await n[OWNER]()).podsOn(n.name),
      routes: async (n: NodeParent) => {
        const c = await n[OWNER]();
        return routes((await c.snapshot()).datapath.nodeRoutes(n.name), () => nodeMissing(c.name, n.name));
      },
      routeTable: async (n: NodeParent, { format }: Args<{ format: string }>) => {
        const c = await n[OWNER]();
        const table = (await c.snapshot()).datapath.nodeRoutes(n.name);
        if (!table) throw nodeMissing(c.name, n.name);
        return ROUTE_FORMATTERS[format]!(table);
      },
    },

    Pod: {
      node: async (p: PodParent) => {
        const c = await p[OWNER]();
        const node = c.node(p.node);
        if (!node) throw nodeMissing(c.name, p.node);
        return node;
      },
      routes: async (p: PodParent) => {
        const c = await p[OWNER]();
        return routes((await c.snapshot()).datapath.podRoutes(p.namespace, p.name), () => podMissing(c.name, p.ref));
      },
    },

    VerifyCheck: {
      failureCount: (c: VerifyCheck) => c.failureCount ?? 0,
      failures: (c: VerifyCheck) => (c.failures ?? []).map((f) => f.message),
      failureDetails: (c: VerifyCheck) => c.failures ?? [],
    },

    Endpoint: {
      pod: (e: Endpoint) => (e.kind === 'pod' ? e.ref : null),
      node: (e: Endpoint) => (e.kind === 'pod' ? e.node : e.kind === 'node' ? e.name : null),
      subnet: (e: Endpoint) => (e.kind === 'router' ? e.subnet : null),
    },

    Path: {
      svg: (p: { [PICTURE]: () => string }) => p[PICTURE](),
    },
  } as unknown as IResolvers;
}
