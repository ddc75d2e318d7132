// What the store hands the service: core values plus the row identities the
// store needs back (ids, ordinals, versions). No database client type leaks
// out of src/store.
import type { ClusterSettings, NodeSpec, PodSpec } from '../net/model.js';

/** A cluster row's identity and bookkeeping (its settings are read separately). */
export interface ClusterRecord {
  id: number;
  name: string;
  /** Bumped by every change; service instances compare it to their snapshot. */
  version: bigint;
  createdAt: Date;
  updatedAt: Date;
}

export interface StoredNode extends NodeSpec { id: number; ordinal: number }
export interface StoredPod extends PodSpec { id: number; ordinal: number }

/** A whole cluster as stored, nodes and pods in ordinal (definition) order. */
export interface StoredCluster {
  id: number;
  version: bigint;
  settings: ClusterSettings;
  nodes: StoredNode[];
  pods: StoredPod[];
}

export interface ClusterSummaryRecord {
  name: string; podCidrs: string[]; mode: string; version: bigint; createdAt: Date; updatedAt: Date; nodes: number; pods: number;
}

/** What /metrics reports for every cluster: its settings and how many node blocks each family has taken. */
export interface ClusterUsageRecord {
  settings: ClusterSettings;
  blocks: { ipv4: number; ipv6: number };
}

/** A row to insert: the core value and the ordinal it is stored at. */
export interface NewRow<T> { spec: T; ordinal: number }

/** The constraint a write ran into, by the stable code a client sees. */
export type ConflictCode =
  | 'CLUSTER_EXISTS' | 'NODE_EXISTS' | 'ADDRESS_CONFLICT' | 'POD_EXISTS' | 'POD_IP_CONFLICT'
  | 'POD_CIDR_CONFLICT' | 'TOKEN_EXISTS' | 'CONCURRENT_UPDATE';

/** A write refused by a database constraint (after the store's own retries). */
export class StoreConflict extends Error {
  constructor(readonly code: ConflictCode, readonly constraint: string, readonly detail: string | null) {
    super(`constraint ${constraint} refused the write${detail ? `: ${detail}` : ''}`);
    this.name = 'StoreConflict';
  }
}
