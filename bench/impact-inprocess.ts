// The dry-run impact of SPEC §9's workload (one rack moved to a new subnet),
// taken apart in process: the compiled dist/ (run `npm run build` first), no
// HTTP and no PostgreSQL. The stored side is the plan of the workload applied
// to an empty store; each stage of planImpact is then timed on its own, best
// of N rounds of CPU time (the collector's helper threads included).
//
//   npx tsx bench/impact-inprocess.ts [--nodes 65000] [--rounds 3]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as ApplyWriteModule from '../src/service/apply-write.js';
import type * as DatapathModule from '../src/net/datapath.js';
import type * as DefinitionModule from '../src/service/definition.js';
import type * as ImpactModule from '../src/service/impact.js';
import type * as ImpactRoutesModule from '../src/net/impact-routes.js';
import type * as PlanModule from '../src/service/plan.js';
import type * as ReachabilityModule from '../src/net/reachability.js';
import type * as SnapshotsModule from '../src/service/snapshots.js';
import { movedRackDefinition } from './phases.js';
import { ROOT } from './util.js';
import { k8sDefinition, subnetLayout } from './workload.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const NODES = arg('nodes', 65_000);
const ROUNDS = arg('rounds', 3);
const dist = path.join(ROOT, 'dist');
const load = <T>(file: string): Promise<T> => import(pathToFileURL(path.join(dist, file)).href) as Promise<T>;

const { parseClusterDefinition } = await load<typeof DefinitionModule>('service/definition.js');
const { planApply } = await load<typeof PlanModule>('service/plan.js');
const { storedAfter } = await load<typeof ApplyWriteModule>('service/apply-write.js');
const { planImpact } = await load<typeof ImpactModule>('service/impact.js');
const { buildDatapath } = await load<typeof DatapathModule>('net/datapath.js');
const { classifyPairs } = await load<typeof ReachabilityModule>('net/reachability.js');
const { diffRoutes } = await load<typeof ImpactRoutesModule>('net/impact-routes.js');
const { Snapshot } = await load<typeof SnapshotsModule>('service/snapshots.js');

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function best<T>(what: string, fn: () => T): T {
  let min = Infinity;
  let out: T;
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = cpu();
    out = fn();
    min = Math.min(min, cpu() - c0);
  }
  console.log(`${what.padEnd(40)} ${min.toFixed(0).padStart(7)} ms`);
  return out!;
}

const def = k8sDefinition({ nodes: NODES });
const plan0 = planApply(null, parseClusterDefinition(def));
const written = { row: { id: 1, version: 1n, name: def.name, createdAt: new Date(), updatedAt: new Date() }, nodeIds: plan0.nodeInserts.map((_, k) => k + 1), podIds: plan0.podInserts.map((_, k) => k + 1) };
// What a dry run plans against: the cached snapshot's stored cluster.
const current = new Snapshot(written.row, storedAfter(null, plan0, written)).stored;
const moved = movedRackDefinition(def, subnetLayout(NODES));
const plan = planApply(current, parseClusterDefinition(moved));
console.log(`k8s ${NODES} nodes, rack of ${subnetLayout(NODES).perSubnet} moved; best of ${ROUNDS}; node ${process.version}`);

const before = best('nodes-only datapath, before', () => buildDatapath({ ...current.settings, nodes: current.nodes, pods: [] }));
const after = best('nodes-only datapath, after', () => buildDatapath({ ...plan.topology, pods: [] }));
best('classifyPairs, before', () => classifyPairs(before));
best('classifyPairs, after', () => classifyPairs(after));
best('diffRoutes', () => diffRoutes(before, after));
const impact = best('planImpact (all of it)', () => planImpact(current, plan));
console.log(`broken ${impact.reachability.broken}, routes +${impact.routes.added} −${impact.routes.removed} ~${impact.routes.changed}`);
