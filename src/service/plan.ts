// The planner: given what is stored and what is wanted, decide every
// allocation and every row to write. Pure — no I/O — so dry runs, PUT and
// POST share one path and the rules are testable without a database.
//
// Allocation order (deterministic, SPEC §2): existing allocations are kept and
// occupied first, then pinned blocks/IPs, then first-fit in definition order.
import { AllocatorError, BlockAllocator, IpAllocator } from '../net/allocator.js';
import { StringKeyIndex } from '../net/hash-index.js';
import type { Addr, Family, Prefix } from '../net/ip.js';
import { excludedRanges, type ClusterSettings, type NodeSpec, type PodSpec, type Topology } from '../net/model.js';
import type { NewRow, StoredCluster, StoredNode, StoredPod } from '../store/records.js';
import type { ClusterDefinition, NodeDefinition, PodDefinition } from './definition.js';
import { clusterSettingsEqual, podRef } from './definition.js';
import { AppError, knownCode } from './errors.js';
import { ChangeList } from './change-list.js';
import { type FieldValues, nodeFieldChanges, podFieldChanges, settingsFieldChanges } from './field-changes.js';

export type ChangeAction = 'create' | 'update' | 'delete';
export interface Change {
  action: ChangeAction;
  kind: 'cluster' | 'node' | 'pod';
  name: string;
  podCidrs?: string[];
  ips?: string[];
  /** Updates only: the changed fields' values before and after (field-changes.ts). */
  before?: FieldValues;
  after?: FieldValues;
}

export type NewNodeRow = NewRow<NodeSpec>;
export type NewPodRow = NewRow<PodSpec>;

export interface ApplyPlan {
  created: boolean;
  settingsChanged: boolean;
  topology: Topology;
  /** In plan order; a created pod's change is made when the list is read (ChangeList). */
  changes: ChangeList;
  nodeInserts: NewNodeRow[];
  nodeUpdates: { id: number; spec: NodeSpec }[];
  nodeDeletes: number[];
  podInserts: NewPodRow[];
  podDeletes: number[];
  /** True when nothing at all would be written. */
  noop: boolean;
}

const familyOf = (p: Prefix | Addr): Family => p.family;

export function blockAllocators(settings: ClusterSettings): Map<Family, BlockAllocator> {
  const excluded = excludedRanges(settings);
  const out = new Map<Family, BlockAllocator>();
  for (const range of settings.podCidrs) {
    const bits = range.family === 4 ? settings.nodeMaskSize.ipv4 : settings.nodeMaskSize.ipv6;
    out.set(range.family, new BlockAllocator(range, bits, excluded));
  }
  return out;
}

export function conflict(err: unknown, what: string): never {
  if (err instanceof AllocatorError) {
    throw new AppError(knownCode(err.code), `${what}: ${err.message}`, { extra: err.details });
  }
  throw err;
}

/** Same addresses, in any order (at most one per family). */
function sameAddrs(a: readonly Addr[], b: readonly Addr[]): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => x.equals(y)));
}

/**
 * Every pin is one of the stored IPs. A pod pinning one family of a
 * dual-stack cluster holds its other family's IP as allocated, as a node
 * pinning one block keeps its other: requiring the pins to be all its IPs
 * re-planned such a pod at every apply, and could move that other IP.
 */
function pinsHeld(stored: readonly Addr[], pins: readonly Addr[]): boolean {
  return pins.every((x) => stored.some((y) => x.equals(y)));
}

/** Blocks for one node: keep what it has (if still valid), else its pin, else first-fit. */
function blocksFor(
  name: string,
  existing: readonly Prefix[],
  pinned: readonly Prefix[],
  allocators: Map<Family, BlockAllocator>,
  phase: 'occupy' | 'allocate',
  out: Map<Family, Prefix>,
): void {
  for (const [family, alloc] of allocators) {
    if (out.has(family) && phase === 'allocate') continue;
    const have = existing.find((p) => familyOf(p) === family);
    const pin = pinned.find((p) => familyOf(p) === family);
    if (phase === 'occupy') {
      if (have && pin && !have.equals(pin)) {
        throw new AppError('POD_CIDR_CONFLICT', `node "${name}" already holds ${have.toString()}; allocations never move, so it cannot be pinned to ${pin.toString()}`);
      }
      const keep = have ?? pin;
      if (!keep) continue;
      try {
        alloc.occupy(keep);
      } catch (err) {
        conflict(err, `node "${name}"`);
      }
      out.set(family, keep);
    } else {
      try {
        out.set(family, alloc.allocateNext());
      } catch (err) {
        conflict(err, `node "${name}"`);
      }
    }
  }
  for (const p of existing) {
    if (!allocators.has(familyOf(p))) {
      throw new AppError('POD_CIDR_CONFLICT', `node "${name}" holds ${p.toString()} but the cluster no longer has an IPv${familyOf(p)} pod CIDR`);
    }
  }
}

/** Primary family first, as everywhere in the API. */
function primaryFirst<T extends { family: Family }>(xs: Iterable<T>, primary: Family): T[] {
  const rank = (x: T) => (x.family === primary ? 0 : 1);
  return [...xs].sort((a, b) => rank(a) - rank(b));
}
const orderedBlocks = (m: Map<Family, Prefix>, primary: Family): Prefix[] => primaryFirst(m.values(), primary);

export function nextOrdinalAfter(rows: readonly { ordinal: number }[]): number {
  let max = -1;
  for (const r of rows) if (r.ordinal > max) max = r.ordinal;
  return max + 1;
}

/** Same addresses in the same order (a node's first address is its `address`). */
const sameOrderedAddrs = (a: readonly Addr[], b: readonly Addr[]) => a.length === b.length && a.every((x, i) => x.equals(b[i]!));

/**
 * True when applying `def` to `current` would change nothing: same settings,
 * the same nodes and pods in the same places, every pin already satisfied and
 * every family already allocated. O(nodes + pods) with no allocation work, so
 * re-applying an unchanged 150,000-pod definition costs a comparison.
 */
export function isUnchanged(current: StoredCluster, def: ClusterDefinition): boolean {
  if (!clusterSettingsEqual(current.settings, def)) return false;
  if (current.nodes.length !== def.nodes.length || current.pods.length !== def.pods.length) return false;
  const families = def.podCidrs.length;
  const nodes = new Map<string, StoredNode>();
  for (const n of current.nodes) nodes.set(n.name, n);
  for (const d of def.nodes) {
    const n = nodes.get(d.name);
    if (!n || n.interface !== d.interface || n.subnet !== d.subnet || n.vtepMac !== d.vtepMac || n.vtepMac6 !== d.vtepMac6 || !sameOrderedAddrs(n.addresses, d.addresses)) return false;
    if (n.podCidrs.length !== families) return false;
    if (d.podCidrs.length > 0 && !d.podCidrs.every((p) => n.podCidrs.some((b) => b.equals(p)))) return false;
  }
  const pods = new Map<string, StoredPod>();
  for (const p of current.pods) pods.set(`${p.namespace}/${p.name}`, p);
  for (const d of def.pods) {
    const p = pods.get(`${d.namespace}/${d.name}`);
    if (!p || p.node !== d.node) return false;
    if (!pinsHeld(p.ips, d.ips) || p.ips.length !== nodes.get(d.node)!.podCidrs.length) return false;
  }
  return true;
}

/** Plan converging `current` (null: the cluster does not exist) to `def`. */
export function planApply(current: StoredCluster | null, def: ClusterDefinition): ApplyPlan {
  if (current !== null && isUnchanged(current, def)) {
    return {
      created: false, settingsChanged: false, changes: new ChangeList(), noop: true,
      topology: { ...current.settings, nodes: current.nodes, pods: current.pods },
      nodeInserts: [], nodeUpdates: [], nodeDeletes: [], podInserts: [], podDeletes: [],
    };
  }
  return planApplyFull(current, def);
}

/** planApply without the unchanged fast path (the reference it is tested against). */
export function planApplyFull(current: StoredCluster | null, def: ClusterDefinition): ApplyPlan {
  const primary = def.podCidrs[0]!.family;
  const allocators = blockAllocators(def);
  const changes = new ChangeList();
  const created = current === null;
  const settingsChanged = current !== null && !clusterSettingsEqual(current.settings, def);
  if (created) changes.push({ action: 'create', kind: 'cluster', name: def.name });
  else if (settingsChanged) changes.push({ action: 'update', kind: 'cluster', name: def.name, ...settingsFieldChanges(current.settings, def) });

  const storedNodes = new Map((current?.nodes ?? []).map((n) => [n.name, n]));
  const wanted = new Set(def.nodes.map((n) => n.name));
  const nodeDeletes: number[] = [];
  for (const n of current?.nodes ?? []) {
    if (!wanted.has(n.name)) {
      nodeDeletes.push(n.id);
      changes.push({ action: 'delete', kind: 'node', name: n.name, podCidrs: n.podCidrs.map(String) });
    }
  }

  // Blocks: surviving allocations and pins first, then first-fit in definition order.
  const blocks = new Map<string, Map<Family, Prefix>>();
  for (const d of def.nodes) {
    const m = new Map<Family, Prefix>();
    blocksFor(d.name, storedNodes.get(d.name)?.podCidrs ?? [], d.podCidrs, allocators, 'occupy', m);
    blocks.set(d.name, m);
  }
  for (const d of def.nodes) blocksFor(d.name, [], [], allocators, 'allocate', blocks.get(d.name)!);

  let nextOrdinal = nextOrdinalAfter(current?.nodes ?? []);
  const nodeInserts: NewNodeRow[] = [];
  const nodeUpdates: { id: number; spec: NodeSpec }[] = [];
  const nodes: NodeSpec[] = [];
  for (const d of def.nodes) {
    const spec = nodeSpecOf(d, orderedBlocks(blocks.get(d.name)!, primary));
    nodes.push(spec);
    const stored = storedNodes.get(d.name);
    if (!stored) {
      nodeInserts.push({ spec, ordinal: nextOrdinal++ });
      changes.push({ action: 'create', kind: 'node', name: d.name, podCidrs: spec.podCidrs.map(String) });
    } else if (!sameNode(stored, spec)) {
      nodeUpdates.push({ id: stored.id, spec });
      changes.push({ action: 'update', kind: 'node', name: d.name, podCidrs: spec.podCidrs.map(String), ...nodeFieldChanges(stored, spec) });
    }
  }

  const pods = planPods(current, def, blocks, primary, wanted, changes);
  changes.resolvePods(pods.specs);
  const topology: Topology = { ...def, nodes, pods: pods.specs };
  const noop = !created && !settingsChanged && nodeDeletes.length + nodeInserts.length + nodeUpdates.length + pods.inserts.length + pods.deletes.length === 0;
  return {
    created, settingsChanged, topology, changes,
    nodeInserts, nodeUpdates, nodeDeletes,
    podInserts: pods.inserts, podDeletes: pods.deletes, noop,
  };
}

function planPods(
  current: StoredCluster | null,
  def: ClusterDefinition,
  blocks: Map<string, Map<Family, Prefix>>,
  primary: Family,
  survivingNodes: Set<string>,
  changes: ChangeList,
): { specs: PodSpec[]; inserts: NewPodRow[]; deletes: number[] } {
  // Each wanted pod's stored pod by definition index: one lookup per pod
  // (150,000 of them) instead of one per phase, by name with the namespace
  // checked on a match (no "ns/name" string built and hashed per pod, and
  // int32 slots rather than a Map entry per pod).
  const storedPods = current?.pods ?? [];
  const byName = StringKeyIndex.of(storedPods.length, (k) => storedPods[k]!.name);
  const wantedStored = new Uint8Array(storedPods.length);
  const prevs: (StoredPod | undefined)[] = def.pods.map((d) => {
    const k = byName.find(d.name, (j) => storedPods[j]!.namespace === d.namespace);
    if (k < 0) return undefined;
    wantedStored[k] = 1;
    return storedPods[k];
  });
  const deletes: number[] = [];
  for (let k = 0; k < storedPods.length; k++) {
    const p = storedPods[k]!;
    // Pods of a deleted node go with it (the node delete trigger); still reported.
    if (!wantedStored[k]) {
      if (survivingNodes.has(p.node)) deletes.push(p.id);
      changes.push({ action: 'delete', kind: 'pod', name: podRef(p), ips: p.ips.map(String) });
    }
  }
  // A kept pod whose IPs are exactly its node's families, in order, needs no
  // allocator: its node's allocators are built only if a pod there needs one
  // (a new pod, a pin, a move), and then hold every such kept IP first. A
  // dry run that changes nodes but no pod then plans 150,000 pods with no
  // allocator at all.
  const families = new Map<string, Family[]>();
  const familiesOf = (node: string): Family[] => {
    let f = families.get(node);
    if (!f) families.set(node, (f = orderedBlocks(blocks.get(node)!, primary).map(familyOf)));
    return f;
  };
  const pendingKept = new Map<string, { pod: PodDefinition; ips: readonly Addr[] }[]>();
  const ipAllocs = new Map<string, IpAllocator[]>();
  const occupyKept = (allocs: IpAllocator[], pod: PodDefinition, kept: readonly Addr[]) => {
    for (let k = 0; k < kept.length; k++) {
      try {
        allocs[k]!.occupy(kept[k]!);
      } catch (err) {
        conflict(err, `pod "${podRef(pod)}"`);
      }
    }
  };
  const allocsOf = (node: string): IpAllocator[] => {
    let a = ipAllocs.get(node);
    if (!a) {
      a = orderedBlocks(blocks.get(node)!, primary).map((b) => new IpAllocator(b));
      ipAllocs.set(node, a);
      for (const k of pendingKept.get(node) ?? []) occupyKept(a, k.pod, k.ips);
      pendingKept.delete(node);
    }
    return a;
  };
  // Per pod after phase 1: null, kept exactly as stored; FRESH, not stored
  // before and unpinned (phase 2 takes one IP per block, no Map made for it);
  // else its IPs so far by family.
  const ips: (Map<Family, Addr> | null | typeof FRESH)[] = [];
  const keepers: (StoredPod | undefined)[] = [];
  // Phase 1: surviving IPs and pins.
  for (let i = 0; i < def.pods.length; i++) {
    const d = def.pods[i]!;
    const prev = prevs[i];
    const samePlace = prev && prev.node === d.node && pinsHeld(prev.ips, d.ips);
    keepers.push(samePlace ? prev : undefined);
    if (!prev && d.ips.length === 0) {
      ips.push(FRESH);
      continue;
    }
    if (samePlace && fitsExactly(prev.ips, familiesOf(d.node))) {
      ips.push(null);
      const built = ipAllocs.get(d.node);
      if (built) occupyKept(built, d, prev.ips);
      else {
        let l = pendingKept.get(d.node);
        if (!l) pendingKept.set(d.node, (l = []));
        l.push({ pod: d, ips: prev.ips });
      }
      continue;
    }
    const m = new Map<Family, Addr>();
    ips.push(m);
    const want = samePlace ? prev.ips : d.ips;
    for (const ip of want) {
      const alloc = allocsOf(d.node).find((a) => a.block.family === ip.family);
      if (!alloc) {
        if (samePlace) continue; // family dropped: the IP goes
        throw new AppError('POD_IP_CONFLICT', `pod "${podRef(d)}": ${ip.toString()} has no IPv${ip.family} block on node "${d.node}"`);
      }
      try {
        alloc.occupy(ip);
      } catch (err) {
        conflict(err, `pod "${podRef(d)}"`);
      }
      m.set(ip.family, ip);
    }
  }
  // Phase 2: first free IPs, in definition order.
  let nextOrdinal = nextOrdinalAfter(current?.pods ?? []);
  const specs: PodSpec[] = [];
  const inserts: NewPodRow[] = [];
  for (let i = 0; i < def.pods.length; i++) {
    const d = def.pods[i]!;
    const m = ips[i] ?? null;
    if (m === null) {
      // Kept exactly as stored (phase 1's fast path): no change.
      specs.push({ namespace: d.namespace, name: d.name, node: d.node, ips: keepers[i]!.ips });
      continue;
    }
    if (m === FRESH) {
      // New and unpinned: the first free IP of each of its node's blocks, in
      // their order (primary first, as primaryFirst would sort them).
      const allocs = allocsOf(d.node);
      const taken: Addr[] = new Array<Addr>(allocs.length);
      for (let k = 0; k < allocs.length; k++) {
        try {
          taken[k] = allocs[k]!.allocateNext();
        } catch (err) {
          conflict(err, `pod "${podRef(d)}" on node "${d.node}"`);
        }
      }
      changes.pushPodCreate(specs.length);
      const spec: PodSpec = { namespace: d.namespace, name: d.name, node: d.node, ips: taken };
      specs.push(spec);
      inserts.push({ spec, ordinal: nextOrdinal++ });
      continue;
    }
    const ref = podRef(d);
    for (const alloc of allocsOf(d.node)) {
      if (m.has(alloc.block.family)) continue;
      try {
        m.set(alloc.block.family, alloc.allocateNext());
      } catch (err) {
        conflict(err, `pod "${ref}" on node "${d.node}"`);
      }
    }
    const spec: PodSpec = { namespace: d.namespace, name: d.name, node: d.node, ips: primaryFirst(m.values(), primary) };
    specs.push(spec);
    const keep = keepers[i];
    const prev = prevs[i];
    if (keep && sameAddrs(keep.ips, spec.ips)) continue;
    if (prev) {
      // Moved to another node, re-pinned, or a family added: replaced.
      if (survivingNodes.has(prev.node)) deletes.push(prev.id);
      inserts.push({ spec, ordinal: nextOrdinal++ });
      changes.push({ action: 'update', kind: 'pod', name: ref, ips: spec.ips.map(String), ...podFieldChanges(prev, spec) });
    } else {
      inserts.push({ spec, ordinal: nextOrdinal++ });
      changes.pushPodCreate(specs.length - 1);
    }
  }
  return { specs, inserts, deletes };
}

/** Phase 1's mark for a new pod with no pins (planPods). */
const FRESH = Symbol('fresh');

/** The IPs are one per family, in exactly these families' order (so they are what allocation would keep). */
function fitsExactly(ips: readonly Addr[], families: readonly Family[]): boolean {
  if (ips.length !== families.length) return false;
  for (let k = 0; k < ips.length; k++) if (ips[k]!.family !== families[k]) return false;
  return true;
}

export function nodeSpecOf(d: NodeDefinition, podCidrs: Prefix[]): NodeSpec {
  const spec: NodeSpec = { name: d.name, addresses: d.addresses, interface: d.interface, subnet: d.subnet, podCidrs };
  if (d.vtepMac) spec.vtepMac = d.vtepMac;
  if (d.vtepMac6) spec.vtepMac6 = d.vtepMac6;
  return spec;
}

function sameNode(a: NodeSpec, b: NodeSpec): boolean {
  return (
    a.interface === b.interface &&
    a.subnet === b.subnet &&
    a.vtepMac === b.vtepMac &&
    a.vtepMac6 === b.vtepMac6 &&
    sameOrderedAddrs(a.addresses, b.addresses) &&
    a.podCidrs.length === b.podCidrs.length &&
    a.podCidrs.every((p, i) => p.equals(b.podCidrs[i]!))
  );
}

/** The cluster's node-block allocators with `usedBlocks` taken (what allocating one more node starts from). */
export function occupiedBlockAllocators(settings: ClusterSettings, usedBlocks: Iterable<Prefix>): Map<Family, BlockAllocator> {
  const allocators = blockAllocators(settings);
  for (const b of usedBlocks) {
    const a = allocators.get(b.family);
    try {
      a?.occupy(b);
    } catch {
      // A stored block that no longer fits the settings still blocks its range.
    }
  }
  return allocators;
}

/**
 * One node added to a stored cluster (POST …/nodes): its pins occupied, else
 * first-fit, in `allocators` (which keep the new blocks: releaseNodeBlocks
 * gives them back). Nothing is taken when it throws.
 */
export function planAddNode(settings: ClusterSettings, allocators: Map<Family, BlockAllocator>, node: NodeDefinition): NodeSpec {
  const m = new Map<Family, Prefix>();
  try {
    blocksFor(node.name, [], node.podCidrs, allocators, 'occupy', m);
    blocksFor(node.name, [], [], allocators, 'allocate', m);
  } catch (err) {
    releaseNodeBlocks(allocators, m.values());
    throw err;
  }
  return nodeSpecOf(node, orderedBlocks(m, settings.podCidrs[0]!.family));
}

export function releaseNodeBlocks(allocators: Map<Family, BlockAllocator>, blocks: Iterable<Prefix>): void {
  for (const b of blocks) allocators.get(b.family)?.release(b);
}
