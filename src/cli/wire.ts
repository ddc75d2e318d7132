// The JSON the CLI reads, typed by the server's own view types (type-only
// imports: nothing of the server is loaded). One file names them, so a
// server-side move touches the CLI in one place.
import type { ClusterSummary } from '../service/clusters.js';
import type { Change } from '../service/plan.js';
import type { ClusterImpact } from '../service/impact.js';
import type { TokenInfo } from '../service/tokens.js';
import type { CapacityView, ChangeCounts, ClusterView, NodeView, PodView } from '../service/views.js';
import type { Endpoint, Hop, OuterHeader, Path } from '../net/trace.js';
import type { VerifyCheck, VerifyReport } from '../net/verify.js';

export type { CapacityView, Change, ChangeCounts, ClusterImpact, ClusterSummary, ClusterView, Endpoint, Hop, NodeView, OuterHeader, Path, PodView, TokenInfo, VerifyCheck, VerifyReport };

/** PUT /v1/clusters/{name} and POST …/import answer the cluster, or with dryRun the plan. */
export interface ApplyAnswer {
  cluster?: ClusterView;
  plan?: ClusterView;
  changes?: Change[];
  /** Every change counted (the summary view lists only the first changes). */
  changeCounts?: ChangeCounts;
  /** Dry runs (SPEC §13): what the change does to the network. */
  impact?: ClusterImpact;
  /** Import only (SPEC §11): the live objects that were not adopted, and why. */
  skipped?: { ref: string; reason: string }[];
}

/** POST …/tokens: the token and, once, its secret. */
export type CreatedToken = TokenInfo & { token: string };

/** One entry of an audit (SPEC §12): podnet's route/neighbor/fdb JSON with its text. */
export interface AuditEntry { text?: string; [field: string]: unknown }

/** POST …/nodes/{node}/audit (SPEC §12). */
export interface AuditReport {
  ok: boolean;
  node: string;
  checked?: { routes?: number; neighbors?: number; fdb?: number };
  missing: AuditEntry[];
  unexpected: AuditEntry[];
  different: { expected: AuditEntry; actual: AuditEntry }[];
  ignored: number;
}
