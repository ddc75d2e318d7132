// An apply's writes and the stored state they leave: the plan's deletes,
// updates and inserts in one transaction, then the next snapshot derived from
// the plan and the new rows' ids, without reading the cluster back.
import type { BulkWrite } from '../store/clusters.js';
import { StringKeyIndex } from '../net/hash-index.js';
import { PodTable, PodTableBuilder } from '../net/pod-table.js';
import type { ClusterRecord, StoredCluster, StoredNode } from '../store/records.js';
import type { ApplyPlan } from './plan.js';
import type { SnapshotState } from './snapshots.js';

export async function writePlan(w: BulkWrite, row: ClusterRecord | null, plan: ApplyPlan, current: StoredCluster | null): Promise<Written> {
  const t = plan.topology;
  const record = row ?? (await w.insertCluster(t));
  if (row && plan.settingsChanged) await w.updateSettings(row.id, t);
  await w.deleteNodes(plan.nodeDeletes);
  await w.deletePods(plan.podDeletes);
  await w.updateNodes(plan.nodeUpdates);
  const nodeIds = await w.insertNodes(record.id, plan.nodeInserts);
  const podIds = plan.podInserts.length === 0 ? [] : await w.insertPods(record.id, plan.podInserts, nodeIdsByName(current, plan, nodeIds));
  return { row: plan.created ? record : await w.bumpVersion(record.id), nodeIds, podIds };
}

/** Every node's id by name after the node writes: the stored ones (deleted ones do not matter: no pod names them), then the new ones. */
function nodeIdsByName(current: StoredCluster | null, plan: ApplyPlan, newIds: readonly number[]): Map<string, number> {
  const ids = new Map<string, number>();
  for (const n of current?.nodes ?? []) ids.set(n.name, n.id);
  plan.nodeInserts.forEach((n, k) => ids.set(n.spec.name, newIds[k]!));
  return ids;
}

/** Whether two states list the same nodes and pods in the same order (a snapshot's derived data can then be inherited). */
export function sameOrder(a: { nodes: readonly { name: string }[]; pods: readonly { namespace: string; name: string }[] }, b: typeof a): boolean {
  return a.nodes.length === b.nodes.length && a.pods.length === b.pods.length &&
    a.nodes.every((n, i) => n.name === b.nodes[i]!.name) &&
    a.pods.every((p, i) => p.name === b.pods[i]!.name && p.namespace === b.pods[i]!.namespace);
}

export interface Written {
  row: ClusterRecord;
  /** Ids of plan.nodeInserts / plan.podInserts, in the same order. */
  nodeIds: number[];
  podIds: number[];
}

/**
 * The stored state after writing `plan` over `current`, in ordinal order (as a
 * reload would read it). The plan lists its inserts in topology order, so one
 * cursor over them finds each new row's id: no map keyed by spec.
 */
export function storedAfter(current: StoredCluster | null, plan: ApplyPlan, w: Written): SnapshotState {
  const prevNodes = new Map((current?.nodes ?? []).map((n) => [n.name, n]));
  const nodes: StoredNode[] = [];
  let j = 0;
  for (const spec of plan.topology.nodes) {
    const ins = plan.nodeInserts[j];
    if (ins?.spec === spec) nodes.push({ ...spec, id: w.nodeIds[j++]!, ordinal: ins.ordinal });
    else {
      const at = prevNodes.get(spec.name)!;
      nodes.push({ ...spec, id: at.id, ordinal: at.ordinal });
    }
  }
  // The pods go straight into the next snapshot's PodTable (no StoredPod
  // object per pod made only to be turned into columns); a kept pod's id and
  // ordinal are found by name in the previous table, the namespace checked.
  const specs = plan.topology.pods;
  const prev = current ? PodTable.of(current.pods) : null;
  const prevByName = prev ? StringKeyIndex.of(prev.length, (k) => prev.name(k)) : null;
  const ids = new Int32Array(specs.length);
  const ordinals = new Int32Array(specs.length);
  let inOrder = true;
  j = 0;
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i]!;
    const ins = plan.podInserts[j];
    if (ins?.spec === spec) {
      ids[i] = w.podIds[j++]!;
      ordinals[i] = ins.ordinal;
    } else {
      const k = prevByName!.find(spec.name, (x) => prev!.namespace(x) === spec.namespace);
      ids[i] = prev!.id(k);
      ordinals[i] = prev!.ordinal(k);
    }
    if (i > 0 && ordinals[i - 1]! >= ordinals[i]!) inOrder = false;
  }
  const order = inOrder ? null : Array.from({ length: specs.length }, (_, i) => i).sort((a, b) => ordinals[a]! - ordinals[b]!);
  const pods = new PodTableBuilder(specs.length);
  for (let k = 0; k < specs.length; k++) {
    const i = order ? order[k]! : k;
    const spec = specs[i]!;
    pods.add(spec.namespace, spec.name, spec.node, spec.ips, ids[i]!, ordinals[i]!);
  }
  const byOrdinal = (a: { ordinal: number }, b: { ordinal: number }) => a.ordinal - b.ordinal;
  const sorted = <T extends { ordinal: number }>(xs: T[]) => (xs.every((x, i) => i === 0 || xs[i - 1]!.ordinal < x.ordinal) ? xs : xs.sort(byOrdinal));
  return { id: w.row.id, version: w.row.version, settings: plan.topology, nodes: sorted(nodes), pods: pods.finish() };
}
