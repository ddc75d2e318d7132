// The impact of a planned apply (SPEC §13), for every dry run: PUT/POST
// `?dryRun=true`, GraphQL `applyCluster(dryRun: true)`, and import's dry run
// (which plans with planApply too, then calls planImpact the same way).
import { buildDatapath, type Datapath } from '../net/datapath.js';
import { computeImpact, type Impact } from '../net/impact.js';
import type { Topology } from '../net/model.js';
import type { StoredCluster } from '../store/records.js';
import type { ApplyPlan } from './plan.js';
import { capacityView, type CapacityView } from './views.js';

export type ClusterImpact = Impact<CapacityView>;

// Node pairs and route tables do not depend on pods: leaving them out makes
// building the two datapaths cheap (150,000 pods are most of a datapath).
const nodesOnly = (t: Topology): Datapath => buildDatapath({ ...t, pods: [] });

/** What applying `plan` over `current` (null: the cluster does not exist yet) does to the network. */
export function planImpact(current: StoredCluster | null, plan: ApplyPlan): ClusterImpact {
  const before = current ? nodesOnly({ ...current.settings, nodes: current.nodes, pods: [] }) : null;
  const after = plan.noop && before ? before : nodesOnly(plan.topology);
  return computeImpact(before, after, (t) => capacityView(t, t.nodes));
}
