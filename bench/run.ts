// `npm run bench`: the SPEC §9 benchmark (workloads k8s-5k and k8s-65k, and
// the 1k/20k points of the curve), measured over HTTP as a client sees it,
// each figure next to a floor measured in the same run. One table per size
// and database, with ratios and the CPU count.
//
//   npm run bench -- [--nodes 1000,5000,20000,65000] [--db embedded,url] [--quick]
//                    [--profile] [--live-heap] [--server-flags "FLAGS"] [--only PHASES]
//
//   --nodes    comma-separated node counts (default 5000; 1k, 5k, … accepted); 30 pods per node
//   --db       where the data lives, comma-separated: `embedded` (a throw-away
//              embedded PostgreSQL) and/or `url` (DATABASE_URL's server);
//              default `url` when DATABASE_URL is set, else `embedded`
//   --quick    fewer samples, 3 s load runs (a smoke run, not a measurement)
//   --profile  a CPU profile of the server per phase (bench/results/profiles/…),
//              hottest functions with file:line; profiling slows the server
//   --live-heap  a full GC at every memory checkpoint (the live heap per stage)
//   --server-flags "FLAGS"  node/V8 flags for the server process (what-if runs)
//   --only     the optional phases to run, comma-separated (default all):
//              reapply,addnode,routes,verify,impact,path
//
// The phases are the table in bench/phases.ts; the floors are bench/floors.ts.
// The service runs as a child process (bench/server.ts), so that the bench
// client does not share its event loop, RSS is the service's alone and a CPU
// profile shows the server only. Everything talks to 127.0.0.1 only; every
// phase has a timeout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectPostgresJs } from '../src/store/db.js';
import { startChild, procStatus, type Child } from './child.js';
import { createDatabases, type DatabaseKind } from './databases.js';
import { OPTIONAL_PHASES, PHASES, measureFloors, type RunContext } from './phases.js';
import { formatSummary, summarise } from './profile.js';
import { fmtRatio, fmtValue, formatTable, targetsFor, type MemPoint, type Metric, type RunResult } from './results.js';
import { BENCH_DIR, ROOT, headCommit, now, withTimeout } from './util.js';
import { k8sDefinition, subnetLayout } from './workload.js';

interface Args {
  nodes: number[];
  dbs: DatabaseKind[];
  quick: boolean;
  profile: boolean;
  liveHeap: boolean;
  only: Set<string> | null;
  serverFlags: string[];
}

const USAGE = 'usage: npm run bench -- [--nodes 1000,5000,20000,65000] [--db embedded,url] [--quick] [--profile] [--live-heap] [--server-flags "FLAGS"] [--only reapply,addnode,routes,verify,impact,path]';

function usage(err: string): never {
  console.error(`bench: ${err}\n${USAGE}`);
  process.exit(2);
}

function readArgs(argv: string[]): Args {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      options: {
        nodes: { type: 'string', default: '5000' },
        db: { type: 'string' },
        quick: { type: 'boolean', default: false },
        profile: { type: 'boolean', default: false },
        'live-heap': { type: 'boolean', default: false },
        'server-flags': { type: 'string', default: '' },
        only: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    usage((err as Error).message);
  }
  const v = parsed.values;
  if (v.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const nodes = v.nodes.split(',').map((s) => {
    const n = Number(s.trim().replace(/k$/i, '000'));
    if (!Number.isInteger(n) || n < 2 || n > 65_000) usage(`--nodes: expected integers 2..65000, got ${JSON.stringify(s)}`);
    return n;
  });
  const dbs = (v.db ?? (process.env.DATABASE_URL ? 'url' : 'embedded')).split(',').map((s) => s.trim());
  for (const d of dbs) if (d !== 'embedded' && d !== 'url') usage(`--db: expected embedded and/or url, got ${JSON.stringify(d)}`);
  if (dbs.includes('url') && !process.env.DATABASE_URL) usage('--db url needs DATABASE_URL');
  const serverFlags = v['server-flags'].split(/\s+/).filter(Boolean);
  for (const f of serverFlags) if (!/^--[\w-]+(=[\w.-]+)?$/.test(f)) usage(`--server-flags: ${JSON.stringify(f)} is not a node/V8 flag`);
  let only: Set<string> | null = null;
  if (v.only !== undefined) {
    only = new Set(v.only.split(',').map((s) => s.trim()));
    for (const p of only) if (!OPTIONAL_PHASES.includes(p)) usage(`--only: unknown phase ${JSON.stringify(p)} (phases: ${OPTIONAL_PHASES.join(', ')})`);
  }
  return { nodes, dbs: dbs as DatabaseKind[], quick: v.quick, profile: v.profile, liveHeap: v['live-heap'], only, serverFlags };
}

function newResult(nodes: number, ctx: Pick<RunContext, 'def' | 'body'>, args: Args, db: DatabaseKind): RunResult {
  const cpus = os.cpus();
  const t = targetsFor(nodes);
  return {
    workload: {
      name: ctx.def.name, nodes, pods: ctx.def.pods.length, subnets: ctx.def.subnets.length, podCidr: ctx.def.podCidrs[0]!,
      bodyBytes: Buffer.byteLength(ctx.body), targets: t.workload,
    },
    machine: {
      cpus: cpus.length, cpuModel: cpus[0]?.model.trim() ?? 'unknown', node: process.version, platform: `${os.platform()} ${os.release()}`,
      totalMemGb: Math.round(os.totalmem() / 2 ** 30), date: new Date().toISOString(), database: '',
      loadavgStart: os.loadavg()[0]!, loadavgEnd: NaN, revision: headCommit(),
    },
    options: { quick: args.quick, profile: args.profile, liveHeap: args.liveHeap, only: args.only ? [...args.only] : null, serverFlags: args.serverFlags, db },
    metrics: [],
    details: {},
    errors: [],
    durationS: 0,
  };
}

async function runOne(nodes: number, db: DatabaseKind, args: Args): Promise<RunResult> {
  const started = now();
  const tag = `${new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14)}_${process.pid}`;
  const def = k8sDefinition({ nodes, podsPerNode: 30 });
  const body = JSON.stringify(def);
  const result = newResult(nodes, { def, body }, args, db);
  const scale = Math.max(1, nodes / 5000);
  const metric = (m: Metric) => {
    result.metrics.push(m);
    console.log(`  ${m.what}: ${fmtValue(m.value, m.unit)}${m.floor != null ? ` (floor ${fmtValue(m.floor, m.unit)}, ${fmtRatio(m)})` : ''} ${m.verdict}${m.note ? ` — ${m.note}` : ''}`);
  };
  const fail = (what: string, err: unknown) => {
    const msg = `${what}: ${(err as Error).message ?? String(err)}`;
    result.errors.push(msg);
    console.error(`  ! ${msg}`);
  };
  console.log(`\n== ${def.name}: ${nodes} nodes, ${def.pods.length} pods, ${def.subnets.length} subnets, pod CIDR ${def.podCidrs[0]} (body ${(result.workload.bodyBytes / 2 ** 20).toFixed(1)} MiB), ${db} database, ${result.workload.targets} targets`);
  const dbs = await withTimeout('create databases', 120_000, () => createDatabases(tag, db));
  result.machine.database = dbs.where;
  const profileDir = args.profile ? path.join(BENCH_DIR, 'results', 'profiles', `${tag}-${nodes}`) : null;
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
  const floors: RunContext['floors'] = { bulk: [], schema: [] };
  let server: Child | null = null;
  const observer = connectPostgresJs(dbs.benchUrl, { max: 2, onnotice: () => {} });
  try {
    // The floors first, before the service touches the server, so that nothing competes with them.
    await measureFloors({ dbs, def, scale, floors }).catch((err) => fail('floors', err));
    console.log(`  floors: bulk ${fmtValue((floors.bulk[0]?.ms ?? NaN) / 1000, 's')}, schema ${fmtValue((floors.schema[0]?.ms ?? NaN) / 1000, 's')} (${floors.bulk[0]?.rows ?? '?'} node+pod rows)`);
    server = await startChild(dbs.benchUrl, profileDir !== null, args.serverFlags);
    const child = server;
    console.log(`  service at ${child.url} (pid ${child.pid}), database: ${dbs.where}`);
    const ctx: RunContext = {
      nodes, def, body, layout: subnetLayout(nodes), scale, quick: args.quick, samples: args.quick ? 10 : 30, loadSeconds: args.quick ? 3 : 10,
      targets: targetsFor(nodes), dbs, server: child, c: encodeURIComponent(def.name), observer, result, floors, metric, fail,
      async memCheckpoint(name, gc = args.liveHeap) {
        const ps = procStatus(child.pid);
        const r = await child.call<{ mem: NodeJS.MemoryUsage; afterGc?: NodeJS.MemoryUsage }>('mem', { gc });
        const mb = (x: number) => x / 2 ** 20;
        const point: MemPoint = {
          rssMb: ps?.rssMb ?? mb(r.mem.rss), peakRssMb: ps?.hwmMb ?? NaN, heapUsedMb: mb(r.mem.heapUsed),
          liveHeapMb: r.afterGc ? mb(r.afterGc.heapUsed) : null, rssAfterGcMb: r.afterGc ? mb(r.afterGc.rss) : null,
          externalMb: mb(r.mem.external + r.mem.arrayBuffers),
          heapTotalMb: mb(r.mem.heapTotal), heapTotalAfterGcMb: r.afterGc ? mb(r.afterGc.heapTotal) : null,
        };
        ((result.details.memoryCheckpoints ??= {}) as Record<string, MemPoint>)[name] = point;
        return point;
      },
      async profiled(name, fn) {
        if (!profileDir) return fn();
        await child.call('prof-start');
        try {
          return await fn();
        } finally {
          const file = path.join(profileDir, `${name}.cpuprofile`);
          try {
            await child.call('prof-stop', { file });
            const sum = summarise(file, 30);
            (result.profiles ??= {})[name] = sum;
            console.log(`\n-- profile: ${name}\n${formatSummary(sum)}\n`);
          } catch (err) {
            fail(`profile ${name}`, err);
          }
        }
      },
    };
    await ctx.memCheckpoint('idle, empty database');
    for (const phase of PHASES) {
      if (phase.optional && args.only !== null && !args.only.has(phase.name)) continue;
      try {
        await phase.run(ctx);
      } catch (err) {
        fail(phase.name, err);
        metric({ ...phase.onError, value: null, verdict: 'ERROR' });
        if (!phase.optional) break; // without the cluster (or the server) there is nothing left to measure
      }
    }
    return result;
  } finally {
    if (server) await server.stop().catch((err) => fail('stop server', err));
    await observer.end({ timeout: 5 });
    await withTimeout('drop databases', 60_000, () => dbs.cleanup()).catch((err) => fail('cleanup', err));
    result.durationS = (now() - started) / 1000;
    result.machine.loadavgEnd = os.loadavg()[0]!;
  }
}

async function main(): Promise<void> {
  const args = readArgs(process.argv.slice(2));
  const cpus = os.cpus();
  console.log(`podnet bench — ${new Date().toISOString()} — ${cpus.length} CPUs (${cpus[0]?.model.trim()}), node ${process.version}`);
  const outDir = path.join(BENCH_DIR, 'results');
  fs.mkdirSync(outDir, { recursive: true });
  let failed = false;
  for (const db of args.dbs) {
    for (const n of args.nodes) {
      const r = await runOne(n, db, args);
      console.log(`\n${r.workload.name} (${r.workload.nodes} nodes, ${r.workload.pods} pods, ${r.workload.targets} targets) — ${r.machine.cpus} CPUs (${r.machine.cpuModel}), node ${r.machine.node}, ${db} database, ${r.machine.date}, load average ${r.machine.loadavgStart.toFixed(1)} → ${r.machine.loadavgEnd.toFixed(1)}`);
      console.log(formatTable(r));
      if (r.errors.length) console.log(`errors:\n${r.errors.map((e) => `  - ${e}`).join('\n')}`);
      console.log(`(${r.durationS.toFixed(0)} s)`);
      const suffix = `${db === 'url' ? '-url' : ''}${args.quick ? '-quick' : ''}${args.profile ? '-profile' : ''}${args.only ? '-partial' : ''}${args.serverFlags.length ? '-flags' : ''}`;
      const file = path.join(outDir, `${r.machine.date.slice(0, 10)}-${n}${suffix}.json`);
      fs.writeFileSync(file, JSON.stringify(r, null, 2) + '\n');
      console.log(`results: ${path.relative(ROOT, file)}`);
      if (r.errors.length || r.metrics.some((m) => m.verdict === 'ERROR')) failed = true;
    }
  }
  // Targets missed are a finding, not a crash: exit 1 only when the bench itself could not measure.
  process.exit(failed ? 1 : 0);
}

await main();
