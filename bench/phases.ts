// The phases of one benchmark run, in order, as a table: each measures one
// SPEC §9 figure against the service (a child process) holding the workload
// cluster, and records metrics through the run's context. `apply` must pass
// for the others to run; `--only` picks among the optional ones.
import type { Sql } from 'postgres';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuMs, type Child } from './child.js';
import type { Databases } from './databases.js';
import { bulkFloor, schemaFloor, type FloorRun } from './floors.js';
import type { LightResult } from './light-client.js';
import { pathLoad } from './path-load.js';
import { rng } from './random.js';
import type { MemPoint, Metric, RunResult, Targets } from './results.js';
import { expectStatus, http, now, stats, withTimeout } from './util.js';
import { fingerprint, settledTupleStats, writesBetween } from './writes.js';
import {
  expectedBlock, expectedPodIp, extraNode, nodeName, podName, podNamespace, subnetCidr, subnetHost, type ClusterDefinition,
} from './workload.js';

export interface RunContext {
  nodes: number;
  def: ClusterDefinition;
  body: string;
  layout: { subnets: number; perSubnet: number };
  /** Timeouts grow with this (nodes / 5,000, at least 1). */
  scale: number;
  /** A smoke run: fewer samples and repeats. */
  quick: boolean;
  samples: number;
  loadSeconds: number;
  targets: Targets;
  dbs: Databases;
  server: Child;
  /** The cluster's name, URL-encoded. */
  c: string;
  /** A connection to the service's database, for reading what it wrote. */
  observer: Sql;
  result: RunResult;
  floors: { bulk: FloorRun[]; schema: FloorRun[] };
  metric(m: Metric): void;
  fail(what: string, err: unknown): void;
  /** With --profile: a CPU profile of the server during fn, summarised in the results. */
  profiled<T>(name: string, fn: () => Promise<T>): Promise<T>;
  memCheckpoint(name: string, gc?: boolean): Promise<MemPoint>;
}

export interface Phase {
  name: string;
  /** Optional phases can be left out with --only. */
  optional: boolean;
  /** The metric recorded when the phase throws. */
  onError: Omit<Metric, 'value' | 'verdict'>;
  run(ctx: RunContext): Promise<void>;
}

const get = (ctx: RunContext, url: string, timeoutMs = 30_000) => http(ctx.server.url, 'GET', url, null, timeoutMs * ctx.scale);

/** GETs `urls` one at a time from a client process of its own (bench/light-client.ts), timed there; the child is killed after `totalMs`. */
function lightGets(base: string, urls: string[], timeoutMs: number, totalMs: number): Promise<LightResult[]> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(new URL('./light-client.ts', import.meta.url)), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let settled = false;
    const settle = (f: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      f();
    };
    const timer = setTimeout(() => settle(() => {
      child.kill('SIGKILL');
      reject(new Error(`light client: no answer after ${totalMs} ms`));
    }), totalMs);
    child.once('message', (m: { results?: LightResult[]; error?: string }) => settle(() => (m.results ? resolve(m.results) : reject(new Error(`light client: ${m.error}`)))));
    child.once('error', (e) => settle(() => reject(e)));
    // 'close' comes after the IPC channel has delivered everything: no answer by then means none.
    child.once('close', (code) => settle(() => reject(new Error(`light client exited (${code}) before answering`))));
    child.send({ base, urls, timeoutMs });
  });
}

/** Both floors, timed once more; the lowest of each is the floor. */
export async function measureFloors(ctx: Pick<RunContext, 'dbs' | 'def' | 'scale' | 'floors'>): Promise<void> {
  ctx.floors.bulk.push(await withTimeout('bulk floor', 120_000 * ctx.scale, () => bulkFloor(ctx.dbs.floorUrl, ctx.def)));
  ctx.floors.schema.push(await withTimeout('schema floor', 120_000 * ctx.scale, () => schemaFloor(ctx.dbs.floorUrl, ctx.def)));
}

const lowest = (runs: FloorRun[]): FloorRun | null => runs.reduce<FloorRun | null>((a, b) => (a === null || b.ms < a.ms ? b : a), null);
const cpuS = (ms: number | null | undefined) => (ms == null ? '?' : (ms / 1000).toFixed(1));

/** The allocations first-fit gave must be the floor's rows: a few nodes and pods checked. */
async function checkAllocations(ctx: RunContext, answer: string): Promise<void> {
  type View = { nodes?: { name: string; podCidrs: string[] }[]; pods?: { name: string; namespace: string; ips: string[] }[] };
  let view = JSON.parse(answer) as View & { cluster?: View };
  if (!view.nodes) view = view.cluster?.nodes ? view.cluster : (JSON.parse((await get(ctx, `/v1/clusters/${ctx.c}`, 120_000)).text) as View);
  const mismatches: string[] = [];
  for (const i of [0, 1, Math.floor(ctx.nodes / 2), ctx.nodes - 1]) {
    const n = view.nodes?.find((x) => x.name === nodeName(i));
    if (n && n.podCidrs[0] !== expectedBlock(i)) mismatches.push(`${n.name} got ${n.podCidrs[0]}, floor used ${expectedBlock(i)}`);
    const p = view.pods?.find((x) => x.name === podName(i, 29) && x.namespace === podNamespace(29));
    if (p && p.ips[0] !== expectedPodIp(i, 29)) mismatches.push(`${p.namespace}/${p.name} got ${p.ips[0]}, floor used ${expectedPodIp(i, 29)}`);
  }
  if (!view.nodes || !view.pods) mismatches.push('neither the answer nor GET of the cluster has nodes/pods lists to check allocations against');
  if (mismatches.length) ctx.result.errors.push(`allocations differ from the floor's: ${mismatches.join('; ')}`);
}

const apply: Phase = {
  name: 'apply',
  optional: false,
  onError: { key: 'apply', what: 'apply whole definition (POST, empty db)', unit: 's', target: '≤ 3 × bulk floor' },
  async run(ctx) {
    const pid = ctx.server.pid;
    const cpu0 = cpuMs(pid);
    const db0 = await ctx.dbs.pgCpuMs();
    const r = await ctx.profiled('apply', () =>
      withTimeout('apply', 300_000 * ctx.scale, () => http(ctx.server.url, 'POST', '/v1/clusters', ctx.body, 300_000 * ctx.scale)));
    const applyCpu = cpuMs(pid) - cpu0;
    const db1 = await ctx.dbs.pgCpuMs();
    const applyDbCpu = db0 === null || db1 === null ? null : db1 - db0;
    expectStatus(r, [201], 'POST /v1/clusters');
    Object.assign(ctx.result.details, { applyServerCpuMs: applyCpu, applyDbCpuMs: applyDbCpu, applyResponseBytes: r.bytes });
    await checkAllocations(ctx, r.text);
    // Second floor runs, after the apply: the lowest of each is the floor.
    await measureFloors(ctx).catch((err) => ctx.fail('floors (after the apply)', err));
    ctx.result.details.floors = ctx.floors;
    const bulk = lowest(ctx.floors.bulk);
    const schema = lowest(ctx.floors.schema);
    const ratio = bulk ? r.ms / bulk.ms : null;
    const t = ctx.targets.applyRatio;
    ctx.metric({
      key: 'apply', what: 'apply whole definition (POST, empty db)', value: r.ms / 1000, unit: 's', floor: bulk ? bulk.ms / 1000 : null,
      ratio, ratioKind: '×', target: `≤ ${t} × bulk floor`, verdict: ratio === null ? 'n/a' : ratio <= t ? 'PASS' : 'FAIL',
      note: `CPU: server ${cpuS(applyCpu)} s + db ${cpuS(applyDbCpu)} s, bulk floor db ${cpuS(bulk?.dbCpuMs)} s; answer ${(r.bytes / 2 ** 20).toFixed(1)} MiB`,
    });
    ctx.metric({
      key: 'applyVsSchemaFloor', what: "apply vs the same rows into podnet's own schema", value: r.ms / 1000, unit: 's', floor: schema ? schema.ms / 1000 : null,
      ratio: schema ? r.ms / schema.ms : null, ratioKind: '×', verdict: 'info',
      note: `schema floor ÷ bulk floor ${schema && bulk ? (schema.ms / bulk.ms).toFixed(2) : '?'} × (what the constraints cost); schema floor db CPU ${cpuS(schema?.dbCpuMs)} s`,
    });
    // The first read after the apply (informational; it also warms the cache).
    const firstRead = await get(ctx, `/v1/clusters/${ctx.c}/nodes/${nodeName(0)}`, 120_000);
    expectStatus(firstRead, [200], 'GET node after apply');
    await ctx.memCheckpoint('snapshot loaded (after the apply)');
    ctx.metric({ key: 'firstReadAfterApply', what: 'first read after apply', value: firstRead.ms, unit: 'ms', verdict: 'info' });
  },
};

const reapply: Phase = {
  name: 'reapply',
  optional: true,
  onError: { key: 'reapply', what: 're-apply unchanged (PUT)', unit: 's' },
  async run(ctx) {
    const before = { stats: await settledTupleStats(ctx.observer), fp: await fingerprint(ctx.observer, ctx.def.name) };
    const times: number[] = [];
    const cpus: number[] = [];
    let changes: unknown[] | null = null;
    for (let k = 0; k < (ctx.quick ? 1 : 3); k++) {
      const cpu0 = cpuMs(ctx.server.pid);
      const r = await ctx.profiled(`reapply-${k + 1}`, () =>
        withTimeout('re-apply', 60_000 * ctx.scale, () => http(ctx.server.url, 'PUT', `/v1/clusters/${ctx.c}`, ctx.body, 60_000 * ctx.scale)));
      cpus.push(cpuMs(ctx.server.pid) - cpu0);
      expectStatus(r, [200], 'PUT /v1/clusters/{name}');
      times.push(r.ms);
      changes = (JSON.parse(r.text) as { changes?: unknown[] }).changes ?? null;
      if (k === 0) ctx.result.details.reapplyResponseBytes = r.bytes;
    }
    const after = { fp: await fingerprint(ctx.observer, ctx.def.name), stats: await settledTupleStats(ctx.observer) };
    const written = writesBetween(before, after);
    if (changes === null || changes.length !== 0) written.push(`changes reported: ${JSON.stringify(changes)?.slice(0, 200)}`);
    ctx.result.details.reapply = { timesMs: times, serverCpuMs: cpus, before, after, written };
    // The first re-apply is what a pipeline sees; the repeats show what caching buys.
    const first = times[0]!;
    const t = ctx.targets.reapplyS;
    ctx.metric({
      key: 'reapply', what: 're-apply unchanged (PUT), first', value: first / 1000, unit: 's', target: `≤ ${t} s`,
      verdict: first <= t * 1000 ? 'PASS' : 'FAIL',
      note: `server CPU ${(cpus[0]! / 1000).toFixed(2)} s${times.length > 1 ? `; repeats ${times.slice(1).map((x) => (x / 1000).toFixed(2)).join(', ')} s` : ''}`,
    });
    ctx.metric({
      key: 'reapplyWrites', what: 're-apply: rows written', value: written.length === 0 ? 0 : null, unit: '', target: '0 (version, xmins, pg_stat)',
      verdict: written.length === 0 ? 'PASS' : 'FAIL', note: written.length ? written.join('; ').slice(0, 300) : `version ${after.fp.cluster?.version}`,
    });
  },
};

const addNode: Phase = {
  name: 'addnode',
  optional: true,
  onError: { key: 'addNode', what: 'add one node (POST …/nodes)', unit: 'ms' },
  async run(ctx) {
    const addMs: number[] = [];
    const addCpu: number[] = [];
    const reloadMs: number[] = [];
    let staleReads = 0;
    const runTag = String(process.pid);
    for (let s = 0; s < ctx.samples; s++) {
      const extra = extraNode(s, ctx.layout.subnets, runTag);
      const name = encodeURIComponent(extra.name);
      const add = () => withTimeout('add node', 30_000 * ctx.scale, () =>
        http(ctx.server.url, 'POST', `/v1/clusters/${ctx.c}/nodes`, JSON.stringify(extra), 30_000 * ctx.scale));
      const cpu0 = cpuMs(ctx.server.pid);
      // Profiled: the first and the last sample only.
      const r = s === 0 || s === ctx.samples - 1 ? await ctx.profiled(`addnode-${s + 1}`, add) : await add();
      addCpu.push(cpuMs(ctx.server.pid) - cpu0);
      expectStatus(r, [201], 'POST …/nodes');
      addMs.push(r.ms);
      // Back to exactly `nodes` nodes (untimed), so that every sample meets the same full cluster.
      const d = await http(ctx.server.url, 'DELETE', `/v1/clusters/${ctx.c}/nodes/${name}`, null, 30_000 * ctx.scale);
      expectStatus(d, [204], 'DELETE …/nodes/{node}');
      // The DELETE has committed: a read that starts now must answer 404. Any 200 is a stale read.
      const t0 = now();
      for (let tries = 0; ; tries++) {
        const g = await get(ctx, `/v1/clusters/${ctx.c}/nodes/${name}`, 60_000);
        if (g.status === 404) break;
        expectStatus(g, [200], 'GET the deleted node');
        staleReads++;
        if (tries >= 20) throw new Error(`node ${extra.name} still readable 20 reads after its DELETE`);
      }
      reloadMs.push(now() - t0);
    }
    const st = stats(addMs);
    ctx.result.details.addNode = { ms: addMs, serverCpuMs: addCpu, readAfterDeleteMs: reloadMs, staleReadsAfterDelete: staleReads };
    const t = ctx.targets.addNodeMs;
    ctx.metric({
      key: 'addNode', what: `add one node (POST …/nodes), p50 of ${ctx.samples}`, value: st.p50, unit: 'ms', target: `≤ ${t} ms`,
      verdict: st.p50 <= t ? 'PASS' : 'FAIL', note: `p90 ${st.p90.toFixed(1)}, max ${st.max.toFixed(1)} ms; server CPU ${stats(addCpu).mean.toFixed(0)} ms/add`,
    });
    ctx.metric({
      key: 'staleReads', what: 'stale reads: GET of a node right after its DELETE (204) answered 200', value: staleReads, unit: `of ${ctx.samples}`,
      target: '0', verdict: staleReads === 0 ? 'PASS' : 'FAIL', note: `read after the DELETE p50 ${stats(reloadMs).p50.toFixed(1)} ms`,
    });
  },
};

const routes: Phase = {
  name: 'routes',
  optional: true,
  onError: { key: 'routes', what: "one node's route table (json)", unit: 'ms' },
  async run(ctx) {
    const pick = rng(7);
    const url = (node: string) => `/v1/clusters/${ctx.c}/nodes/${node}/routes?format=json`;
    const coldCpu0 = cpuMs(ctx.server.pid);
    const first = await ctx.profiled('routes-cold', () => withTimeout('routes (cold)', 120_000 * ctx.scale, () => get(ctx, url(nodeName(0)), 120_000)));
    const coldCpu = cpuMs(ctx.server.pid) - coldCpu0;
    expectStatus(first, [200], 'GET …/routes');
    await ctx.memCheckpoint('datapath built (after the first route table)');
    const table = JSON.parse(first.text) as { routes?: unknown[]; neighbors?: unknown[]; fdb?: unknown[] };
    ctx.result.details.routeTable = { routes: table.routes?.length, neighbors: table.neighbors?.length, fdb: table.fdb?.length, bytes: first.bytes };
    ctx.metric({
      key: 'routesCold', what: 'first route table after the last write', value: first.ms, unit: 'ms', verdict: 'info',
      note: `server CPU ${coldCpu} ms; ${table.routes?.length} routes, ${table.neighbors?.length} neigh, ${table.fdb?.length} fdb, ${(first.bytes / 1024).toFixed(0)} KiB`,
    });
    const n = Math.max(ctx.samples, 50);
    const urls = Array.from({ length: n }, () => url(nodeName(Math.floor(pick() * ctx.nodes))));
    const cpu0 = cpuMs(ctx.server.pid);
    // Timed from a client process holding nothing else (bench/light-client.ts): the collector of this one, holding the workload, was timed too.
    const answers = await ctx.profiled('routes', () => lightGets(ctx.server.url, urls, 30_000 * ctx.scale, 30_000 * ctx.scale * (n + 1)));
    for (const r of answers) if (r.status !== 200) throw new Error(`GET …/routes: HTTP ${r.status} (wanted 200)`);
    const times = answers.map((r) => r.ms);
    const cpuPerReq = (cpuMs(ctx.server.pid) - cpu0) / (n + 1); // the light client's untimed first GET too
    const st = stats(times);
    ctx.result.details.routes = { ms: times, serverCpuMsPerRequest: cpuPerReq };
    const t = ctx.targets.routesMs;
    ctx.metric({
      key: 'routes', what: `one node's route table (json), p50 of ${n}`, value: st.p50, unit: 'ms', target: `≤ ${t} ms`,
      verdict: st.p50 <= t ? 'PASS' : 'FAIL', note: `p90 ${st.p90.toFixed(1)}, max ${st.max.toFixed(1)} ms; server CPU ${cpuPerReq.toFixed(1)} ms/req`,
    });
  },
};

const verify: Phase = {
  name: 'verify',
  optional: true,
  onError: { key: 'verify', what: 'verify whole cluster', unit: 's' },
  async run(ctx) {
    const cpu0 = cpuMs(ctx.server.pid);
    const r = await ctx.profiled('verify', () => withTimeout('verify', 300_000 * ctx.scale, () => get(ctx, `/v1/clusters/${ctx.c}/verify`, 300_000)));
    const verifyCpu = cpuMs(ctx.server.pid) - cpu0;
    expectStatus(r, [200], 'GET …/verify');
    const rep = JSON.parse(r.text) as { ok?: boolean; checks?: { name: string; ok: boolean }[] };
    const failed = (rep.checks ?? []).filter((x) => !x.ok).map((x) => x.name);
    ctx.result.details.verify = { serverCpuMs: verifyCpu, ok: rep.ok, checks: rep.checks?.map((x) => ({ name: x.name, ok: x.ok })), bytes: r.bytes };
    const t = ctx.targets.verifyS;
    ctx.metric({
      key: 'verify', what: 'verify whole cluster (GET …/verify)', value: r.ms / 1000, unit: 's', target: `≤ ${t} s`,
      verdict: r.ms <= t * 1000 ? 'PASS' : 'FAIL',
      note: `server CPU ${(verifyCpu / 1000).toFixed(2)} s; ${rep.ok ? 'report ok' : `report NOT ok: ${failed.join(', ')}`}`,
    });
    if (!rep.ok) ctx.result.errors.push(`verify reported failures on the benchmark cluster: ${failed.join(', ')}`);
  },
};

/** The definition with rack-0's nodes moved into a new underlay subnet (SPEC §9's dry-run impact workload). */
export function movedRackDefinition(def: ClusterDefinition, layout: { subnets: number; perSubnet: number }): ClusterDefinition {
  const k = layout.subnets; // the first subnet index the workload does not use
  const moved = { name: 'rack-moved', cidr: subnetCidr(k), gateway: subnetHost(k, 1) };
  const nodes = def.nodes.map((n, i) => (i < layout.perSubnet ? { ...n, address: subnetHost(k, 2 + i) } : n));
  return { ...def, subnets: [...def.subnets, moved], nodes };
}

const impact: Phase = {
  name: 'impact',
  optional: true,
  onError: { key: 'impact', what: 'dry-run impact of moving one rack to another subnet', unit: 's' },
  async run(ctx) {
    const body = JSON.stringify(movedRackDefinition(ctx.def, ctx.layout));
    const cpu0 = cpuMs(ctx.server.pid);
    const r = await ctx.profiled('impact', () => withTimeout('impact', 120_000 * ctx.scale, () =>
      http(ctx.server.url, 'PUT', `/v1/clusters/${ctx.c}?dryRun=true`, body, 120_000 * ctx.scale)));
    const cpu = cpuMs(ctx.server.pid) - cpu0;
    expectStatus(r, [200], 'PUT …?dryRun=true');
    const answer = JSON.parse(r.text) as { impact?: { reachability?: { broken?: number; fixed?: number }; routes?: { changed?: number; added?: number; removed?: number } } };
    const t = ctx.targets.impactS;
    const has = answer.impact !== undefined;
    ctx.result.details.impact = { ms: r.ms, serverCpuMs: cpu, bytes: r.bytes, impact: answer.impact ?? null };
    ctx.metric({
      key: 'impact', what: 'dry-run impact of moving one rack to another subnet (PUT ?dryRun=true)', value: r.ms / 1000, unit: 's', target: `≤ ${t} s`,
      verdict: !has ? 'n/a' : r.ms <= t * 1000 ? 'PASS' : 'FAIL',
      note: has
        ? `server CPU ${(cpu / 1000).toFixed(2)} s; broken ${answer.impact?.reachability?.broken ?? '?'}, routes +${answer.impact?.routes?.added ?? '?'} −${answer.impact?.routes?.removed ?? '?'}`
        : 'the dry-run answer has no impact yet (SPEC §13): the plan alone was timed',
    });
  },
};

const path: Phase = {
  name: 'path',
  optional: true,
  onError: { key: 'pathThroughput', what: 'GraphQL path, 10 connections', unit: 'req/s' },
  run: (ctx) => pathLoad(ctx),
};

const memory: Phase = {
  name: 'memory',
  optional: false,
  onError: { key: 'rss', what: 'service RSS holding the cluster', unit: 'MB' },
  async run(ctx) {
    const m = await ctx.memCheckpoint('at the end (after the path load)', true);
    const t = ctx.targets.rssMb;
    ctx.metric({
      key: 'rss', what: 'service RSS holding the cluster (after the path load)', value: m.rssMb, unit: 'MB', target: `≤ ${t} MB`,
      verdict: m.rssMb <= t ? 'PASS' : 'FAIL', note: `heap ${m.heapUsedMb.toFixed(0)} MB, live after GC ${m.liveHeapMb?.toFixed(0) ?? '?'} MB; server process only`,
    });
    ctx.metric({ key: 'rssPeak', what: 'service peak RSS during the run (VmHWM)', value: m.peakRssMb, unit: 'MB', verdict: 'info', note: 'what a container memory limit must allow' });
  },
};

export const PHASES: readonly Phase[] = [apply, reapply, addNode, routes, verify, impact, path, memory];
export const OPTIONAL_PHASES = PHASES.filter((p) => p.optional).map((p) => p.name);
