// The GraphQL path request taken apart, in process: the compiled dist/ (run
// `npm run build` first), no HTTP, best of N rounds of CPU time per
// operation, over the same 20,000 random pod pairs as bench/path-load.ts.
//
//   DATABASE_URL=… npx tsx bench/path-inprocess.ts [--nodes 5000] [--rounds 7] [--profile [TEXT]]
//
// Pieces: tracePath alone; the whole GraphQL layer (mercurius' app.graphql:
// hooks, variables, graphql-jit, resolvers) with the snapshot handed over
// without a probe; the same with the real probe (coalesced, 10 in flight, as
// 10 connections would); JSON.stringify of the answer; podnet's own path
// executor (src/api/graphql/fast-path.ts, what the POST route runs for a
// document it knows), its answers checked against mercurius'; the probe alone.
import fs from 'node:fs';
import inspector from 'node:inspector';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import fp from 'fastify-plugin';
import { parse } from 'graphql';
import type * as FastPathModule from '../src/api/graphql/fast-path.js';
import type * as GraphqlModule from '../src/api/graphql/index.js';
import type * as ServiceModule from '../src/service/clusters.js';
import type * as StoreModule from '../src/store/clusters.js';
import type * as DbModule from '../src/store/db.js';
import type * as MigratorModule from '../src/store/migrator.js';
import type * as TraceModule from '../src/net/trace.js';
import { rng } from './random.js';
import { ROOT } from './util.js';
import { k8sDefinition, podName, podNamespace } from './workload.js';

const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const NODES = arg('nodes', 5000);
const ROUNDS = arg('rounds', 7);
const dist = path.join(ROOT, 'dist');
const load = <T>(file: string): Promise<T> => import(pathToFileURL(path.join(dist, file)).href) as Promise<T>;

const GQL_PATH = `query Path($c: String!, $f: String!, $t: String!) {
  path(cluster: $c, from: $f, to: $t) {
    disposition sameNode encapsulation natFree mtu
    hops { index node netns dev kind action route packet { src dst ttl } outer { src dst protocol port vni } }
  }
}`;

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** `--profile TEXT`: a CPU profile of each measurement whose name holds TEXT (default: the whole GraphQL layer without the probe). */
function profileTarget(): string | null {
  const i = process.argv.indexOf('--profile');
  if (i < 0) return null;
  const text = process.argv[i + 1];
  return text === undefined || text.startsWith('--') ? 'app.graphql(path) (no probe)' : text;
}
const PROFILE = profileTarget();
let profiles = 0;

/** Runs `fn` under the inspector's sampling profiler, the profile written to /tmp. */
async function profiled<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const session = new inspector.Session();
  const post = (m: string, p: object = {}) => new Promise<unknown>((res, rej) => session.post(m, p, (e, r) => (e ? rej(e) : res(r))));
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
  await post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    const file = `/tmp/path-inprocess-${process.pid}-${profiles++}.cpuprofile`;
    fs.writeFileSync(file, JSON.stringify(profile));
    console.log(`  profile of ${JSON.stringify(what)}: ${file}`);
    session.disconnect();
  }
}

/** Best of ROUNDS: µs of CPU per op over `n` ops. */
async function best(what: string, n: number, op: (k: number) => unknown): Promise<number> {
  if (PROFILE !== null && what.includes(PROFILE)) return profiled(what, () => bestOf(what, n, op));
  return bestOf(what, n, op);
}

async function bestOf(what: string, n: number, op: (k: number) => unknown): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const c0 = cpu();
    for (let k = 0; k < n; k++) {
      const x = op(k);
      if (x instanceof Promise) await x;
    }
    min = Math.min(min, ((cpu() - c0) * 1000) / n);
  }
  console.log(`${what.padEnd(58)} ${min.toFixed(1).padStart(7)} µs/op`);
  return min;
}

/** As `best`, but `width` operations in flight at once (as 10 connections keep them). */
async function bestConcurrent(what: string, n: number, width: number, op: (k: number) => Promise<unknown>): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    let next = 0;
    const c0 = cpu();
    await Promise.all(Array.from({ length: width }, async () => {
      while (next < n) await op(next++);
    }));
    min = Math.min(min, ((cpu() - c0) * 1000) / n);
  }
  console.log(`${what.padEnd(58)} ${min.toFixed(1).padStart(7)} µs/op`);
  return min;
}

const { graphqlPlugin } = await load<typeof GraphqlModule>('api/graphql/index.js');
const { ClusterService } = await load<typeof ServiceModule>('service/clusters.js');
const { ClusterStore } = await load<typeof StoreModule>('store/clusters.js');
const { connectDb, connectPostgresJs, withDatabase } = await load<typeof DbModule>('store/db.js');
const { migrate } = await load<typeof MigratorModule>('store/migrator.js');
const { tracePath } = await load<typeof TraceModule>('net/trace.js');
const { PathFastPath } = await load<typeof FastPathModule>('api/graphql/fast-path.js');

const server = process.env.DATABASE_URL;
if (!server) throw new Error('DATABASE_URL must name a PostgreSQL server');
const name = `podnet_inproc_${process.pid}`;
const admin = connectPostgresJs(server, { max: 1, onnotice: () => {} });
await admin.unsafe(`CREATE DATABASE "${name}"`);
const db = connectDb(withDatabase(server, name));
try {
  await migrate(db.sql);
  // The GraphQL plugin as the app registers it, on a bare instance (app.graphql is its own).
  const root = Fastify({ logger: false });
  const service = new ClusterService(new ClusterStore(db));
  await root.register(fp(graphqlPlugin), { service });
  await root.ready();
  const app = root as unknown as { graphql(source: string, context: never, variables?: Record<string, unknown>): Promise<unknown> };
  const def = k8sDefinition({ nodes: NODES });
  await service.apply(def, { mode: 'create', dryRun: false });
  const snap = await service.cache.get(def.name);
  const dp = snap.datapath;

  const pick = rng(42);
  const randomPod = () => {
    const i = Math.floor(pick() * NODES);
    const j = Math.floor(pick() * 30);
    return `${podNamespace(j)}/${podName(i, j)}`;
  };
  const pairs: [string, string][] = [];
  for (let k = 0; k < 20_000; k++) pairs.push([randomPod(), randomPod()]);
  const N = pairs.length;
  console.log(`k8s ${NODES} nodes, ${N} pairs, best of ${ROUNDS}; node ${process.version}, NODE_ENV=${process.env.NODE_ENV ?? ''}`);

  // Warm: build the lazy per-pod state once (what a long-running server has).
  for (const [f, t] of pairs) tracePath(dp, f, t);
  await best('tracePath', N, (k) => tracePath(dp, pairs[k]![0], pairs[k]![1]));
  // Over HTTP a request's own work (parsing, Fastify, the answer's bytes, the
  // client and PostgreSQL on the same cores) evicts the trace's data between
  // two paths: the same traces with 2 MiB read between them, less the walk.
  const junk = new Float64Array(1 << 18);
  let sink = 0;
  const flush = () => {
    for (let i = 0; i < junk.length; i += 8) sink += junk[i]!;
  };
  const walk = await best('  2 MiB walked (the flush alone)', N / 10, flush);
  const flushed = await best('  tracePath after the flush', N / 10, (k) => {
    flush();
    return tracePath(dp, pairs[k]![0], pairs[k]![1]);
  });
  console.log(`${'tracePath, caches cold'.padEnd(58)} ${(flushed - walk).toFixed(1).padStart(7)} µs/op${sink === 0.5 ? '' : ''}`);

  const vars = (k: number) => ({ c: def.name, f: pairs[k]![0], t: pairs[k]![1] });
  const ctx = () => ({ reply: { request: { podnetScope: 'admin', raw: { method: 'POST' } }, code: () => {} } });
  const gql = (k: number) => app.graphql(GQL_PATH, ctx() as never, vars(k));
  const sample = await gql(0);
  if ((sample as { errors?: unknown }).errors) throw new Error(JSON.stringify(sample).slice(0, 500));
  const answers: unknown[] = [];
  for (let k = 0; k < N; k++) answers.push(await gql(k)); // also past mercurius' jit threshold
  await best('JSON.stringify(answer)', N, (k) => JSON.stringify(answers[k]));
  console.log(`  answer ${(JSON.stringify(answers.slice(0, 200)).length / 200).toFixed(0)} B mean`);

  // The GraphQL layer without the probe: the cache hands the snapshot over.
  const cache = service.cache as unknown as { get(name: string): Promise<unknown> };
  const realGet = cache.get.bind(cache);
  cache.get = () => Promise.resolve(snap);
  await best('app.graphql(path) (no probe)', N, gql);
  const DISP = 'query Path($c: String!, $f: String!, $t: String!) { path(cluster: $c, from: $f, to: $t) { disposition } }';
  for (let k = 0; k < 3; k++) await app.graphql(DISP, ctx() as never, vars(k));
  await best('app.graphql(path { disposition }) (no probe)', N, (k) => app.graphql(DISP, ctx() as never, vars(k)));
  await best('app.graphql({ __typename })', N, () => app.graphql('{ __typename }', ctx() as never));
  // The GraphQL layer alone: the service answers with paths traced beforehand.
  const traced = pairs.map(([f, t]) => tracePath(dp, f, t));
  const svc = service as unknown as { pathWithPicture(c: string, f: string, t: string): Promise<unknown> };
  const realPath = svc.pathWithPicture.bind(svc);
  let at = 0;
  svc.pathWithPicture = () => Promise.resolve({ path: traced[at]!, svg: () => '' });
  await best('app.graphql(path), traced beforehand (no probe)', N, (k) => { at = k; return gql(k); });
  await best('app.graphql(path { disposition }), traced beforehand', N, (k) => { at = k; return app.graphql(DISP, ctx() as never, vars(k)); });
  // The path executor the POST route runs for a known document (fast-path.ts), on the same schema.
  const fast = new PathFastPath((root as unknown as { graphql: { schema: ConstructorParameters<typeof PathFastPath>[0] } }).graphql.schema);
  // Taken at mercurius' second run of a document (the one at which it compiles it), as the route does.
  fast.learn(GQL_PATH, parse(GQL_PATH));
  fast.learn(GQL_PATH, parse(GQL_PATH));
  const fctx = { app: root, reply: null };
  const fastRun = (k: number) => fast.run(GQL_PATH, undefined, vars(k), fctx);
  for (let k = 0; k < 200; k++) {
    at = k;
    if ((await fastRun(k))?.toString() !== `${JSON.stringify(answers[k])}\n`) throw new Error(`the path executor answered pair ${k} differently`);
  }
  await best('path executor (fast-path.ts), traced beforehand', N, (k) => { at = k; return fastRun(k); });
  // As the socket needs it: UTF-8 bytes (a string answer is encoded on its way out; a Buffer is sent as is).
  const bytes = (x: unknown): unknown => (typeof x === 'string' ? Buffer.from(x, 'utf8') : x);
  await best('path executor, traced beforehand, to UTF-8 bytes', N, async (k) => { at = k; return bytes(await fastRun(k)); });
  svc.pathWithPicture = realPath;
  await best('path executor (fast-path.ts) with the trace (no probe)', N, fastRun);
  cache.get = realGet;

  await bestConcurrent('app.graphql(path), real probe, 10 in flight', N, 10, gql);
  const store = (service as unknown as { store: { version(n: string): Promise<unknown> } }).store;
  await best('probe alone (store.version), one at a time', 2000, () => store.version(def.name));
  await root.close();
} finally {
  await db.close();
  await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}
