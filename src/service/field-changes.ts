// The fields an update changes, with their values before and after (SPEC §13,
// kubectl-diff style): only the fields that differ, each in the form a client
// reads it back (the views of SPEC §3), so `before.address` and
// `after.address` are what GET answered before and will answer after.
import type { ClusterSettings, NodeSpec, PodSpec } from '../net/model.js';
import { nodeView, podView, settingsView } from './views.js';

export type FieldValues = Record<string, unknown>;
export interface FieldChanges { before: FieldValues; after: FieldValues }

const NODE_FIELDS = ['address', 'addresses', 'interface', 'subnet', 'podCidrs', 'vtepMac', 'vtepMac6'] as const;
const POD_FIELDS = ['node', 'ips'] as const;

function changedFields(b: FieldValues, a: FieldValues, keys: readonly string[], same = (k: string) => JSON.stringify(b[k]) === JSON.stringify(a[k])): FieldChanges {
  const out: FieldChanges = { before: {}, after: {} };
  for (const k of keys) {
    if (same(k)) continue;
    out.before[k] = b[k] ?? null;
    out.after[k] = a[k] ?? null;
  }
  return out;
}

export function nodeFieldChanges(before: NodeSpec, after: NodeSpec): FieldChanges {
  const b = nodeView(before) as unknown as FieldValues;
  const a = nodeView(after) as unknown as FieldValues;
  const d = changedFields(b, a, NODE_FIELDS);
  // A single-stack node's `addresses` only repeats `address`.
  if ('addresses' in d.before && before.addresses.length < 2 && after.addresses.length < 2 && 'address' in d.before) {
    delete d.before.addresses;
    delete d.after.addresses;
  }
  return d;
}

export function podFieldChanges(before: PodSpec, after: PodSpec): FieldChanges {
  return changedFields(podView(before) as unknown as FieldValues, podView(after) as unknown as FieldValues, POD_FIELDS);
}

/** Cluster settings, with the network's fields (`mode`, `mtu`, …) at the top as GraphQL's Cluster has them; subnets and reserved ranges compare as sets. */
export function settingsFieldChanges(before: ClusterSettings, after: ClusterSettings): FieldChanges {
  const flat = (s: ClusterSettings): FieldValues => {
    const { network, ...rest } = settingsView(s);
    return { ...rest, ...network };
  };
  const b = flat(before);
  const a = flat(after);
  const asSet = (v: unknown) => JSON.stringify((v as unknown[]).map((x) => JSON.stringify(x)).sort());
  const keys = ['podCidrs', 'nodeMaskSize', 'serviceCidr', 'mode', 'mtu', 'bridge', 'vxlan', 'subnets', 'reserved'];
  return changedFields(b, a, keys, (k) => (k === 'subnets' || k === 'reserved' ? asSet(b[k]) === asSet(a[k]) : JSON.stringify(b[k]) === JSON.stringify(a[k])));
}
