// The server's half of an apply to an empty database, stage by stage, in
// process: the compiled dist/ (run `npm run build` first), no HTTP and no
// PostgreSQL. Each stage's wall time, CPU time (the collector's helper
// threads included), the main thread's collector time (V8's gc entries that
// began during the stage) and the heap it leaves. The stages keep what the
// service keeps alive across them (the body's parse tree, the definition, the
// plan), so the collector's work is the one a real apply sees.
//
//   npx tsx bench/apply-inprocess.ts [--nodes 65000]
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import type * as DefinitionModule from '../src/service/definition.js';
import type * as PlanModule from '../src/service/plan.js';
import type * as ApplyWriteModule from '../src/service/apply-write.js';
import type * as BulkModule from '../src/store/bulk.js';
import type * as MemoryModule from '../src/memory.js';
import type * as ConfigModule from '../src/config.js';
import { ROOT } from './util.js';
import { k8sDefinition } from './workload.js';

const i = process.argv.indexOf('--nodes');
const NODES = i < 0 ? 65_000 : Number(process.argv[i + 1]);
if (!Number.isInteger(NODES) || NODES < 1) throw new Error('usage: npx tsx bench/apply-inprocess.ts [--nodes N]');
const dist = path.join(ROOT, 'dist');
const load = <T>(file: string): Promise<T> => import(pathToFileURL(path.join(dist, file)).href) as Promise<T>;

const { parseClusterDefinition } = await load<typeof DefinitionModule>('service/definition.js');
const { planApply } = await load<typeof PlanModule>('service/plan.js');
const { storedAfter } = await load<typeof ApplyWriteModule>('service/apply-write.js');
const { podColumns } = await load<typeof BulkModule>('store/bulk.js');
const { tuneHeap } = await load<typeof MemoryModule>('memory.js');
const { loadConfig } = await load<typeof ConfigModule>('config.js');
// The service's heap settings (podnet serve applies them before loading any cluster).
tuneHeap(loadConfig({}).heapGrowthPercent);

const gcs: { start: number; ms: number }[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcs.push({ start: e.startTime, ms: e.duration });
}).observe({ entryTypes: ['gc'] });

const text = JSON.stringify(k8sDefinition({ nodes: NODES }));
console.log(`k8s workload, ${NODES} nodes: ${(text.length / 2 ** 20).toFixed(0)} MiB of JSON · node ${process.version}`);
await new Promise((r) => setTimeout(r, 200));

async function stage<T>(name: string, fn: () => T): Promise<T> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const out = fn();
  const t1 = performance.now();
  const c = process.cpuUsage(c0);
  // The gc entries of the stage arrive after it, on the event loop.
  await new Promise((r) => setTimeout(r, 50));
  const mine = gcs.filter((g) => g.start >= t0 && g.start < t1);
  const gc = mine.reduce((a, g) => a + g.ms, 0);
  const heap = v8.getHeapStatistics().used_heap_size / 2 ** 20;
  console.log(`${name.padEnd(24)} wall ${(t1 - t0).toFixed(0).padStart(6)} ms   cpu ${((c.user + c.system) / 1000).toFixed(0).padStart(6)} ms   ` +
    `main-thread gc ${gc.toFixed(0).padStart(5)} ms (${String(mine.length).padStart(3)})   heap after ${heap.toFixed(0).padStart(5)} MB`);
  return out;
}

const t0 = performance.now();
const body: unknown = await stage('JSON.parse', () => JSON.parse(text));
const def = await stage('parseClusterDefinition', () => parseClusterDefinition(body));
const plan = await stage('planApply (empty store)', () => planApply(null, def));
// insertPods' columns and literals (podColumns), with node ids as a fresh database gives them.
const nodeIds = new Map(def.nodes.map((n, k) => [n.name, k + 1]));
await stage('pod columns + literals', () => podColumns(plan.podInserts, nodeIds).literals.reduce((a, s) => a + Buffer.byteLength(s), 0));
const written = { row: { id: 1, version: 1n, name: def.name, createdAt: new Date(), updatedAt: new Date() }, nodeIds: plan.nodeInserts.map((_, k) => k + 1), podIds: plan.podInserts.map((_, k) => k + 1) };
await stage('storedAfter', () => storedAfter(null, plan, written));
await stage('summary changes', () => JSON.stringify({ changes: plan.changes.slice(0, 100), changeCounts: plan.changes.counts() }).length);
const total = gcs.filter((g) => g.start >= t0).reduce((a, g) => a + g.ms, 0);
console.log(`all stages: ${(performance.now() - t0).toFixed(0)} ms wall (the pauses between stages included), main-thread gc ${total.toFixed(0)} ms`);
