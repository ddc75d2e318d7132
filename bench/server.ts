// The podnet server under benchmark, as its own process (bench/child.ts
// starts it with plain `node`, this file transpiled to JavaScript, and it runs
// the compiled dist/ that production runs, not src/ through tsx).
// Its own process so that the bench client (JSON building, autocannon) does
// not share the server's event loop, so that RSS is the service's alone, and
// so that a CPU profile shows the server only.
//
// Talks to its parent over the IPC channel: sends {type:'ready', url, pid}
// once listening; answers each {type, id} with {type:'reply', id, …}:
// 'mem' → process.memoryUsage(); 'queries' → {count} of postgres.js statements so far; 'prof-start' / 'prof-stop' {file} → a CPU
// profile of what ran in between, written to file; 'stop' (or SIGTERM,
// or the parent going away) closes the server and exits.
import fs from 'node:fs';
import inspector from 'node:inspector';
import { findSourceMap } from 'node:module';
import v8 from 'node:v8';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as ConfigModule from '../src/config.js';
import type * as MemoryModule from '../src/memory.js';
import type * as ServerModule from '../src/server.js';

const send = (msg: unknown) => process.send?.(msg);

// The compiled tree to run (bench/child.ts names it; npm run build makes it).
const dist = process.env.PODNET_BENCH_DIST;
if (!dist) throw new Error('PODNET_BENCH_DIST must name the compiled tree (dist/)');
const load = <T>(file: string): Promise<T> => import(pathToFileURL(path.join(dist, file)).href) as Promise<T>;
const { loadConfig } = await load<typeof ConfigModule>('config.js');
const { startServer } = await load<typeof ServerModule>('server.js');
const { tuneHeap } = await load<typeof MemoryModule>('memory.js');

const config = loadConfig({
  PORT: '0',
  HOST: '127.0.0.1',
  DATABASE_URL: process.env.DATABASE_URL,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  PODNET_AUTH: 'off',
  PODNET_HEAP_GROWTH: process.env.PODNET_HEAP_GROWTH,
  // `PODNET_GRAPHQL_FAST_PATH=off npm run bench …`: the path phase through mercurius alone, for an A/B.
  PODNET_GRAPHQL_FAST_PATH: process.env.PODNET_GRAPHQL_FAST_PATH,
});
// As `podnet serve` does before it starts.
tuneHeap(config.heapGrowthPercent);
const server = await startServer(config);

let stopping = false;
async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code || 1), 10_000);
  force.unref();
  try {
    await server.close();
  } finally {
    process.exit(code);
  }
}

// CPU profiles of single phases, on request (bench/run.ts --profile): the
// in-process inspector, so one run yields one profile per phase.
let session: inspector.Session | null = null;
function post<T>(method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session!.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T)));
  });
}

interface CallFrame { url: string; lineNumber: number; columnNumber: number }

/**
 * V8 reports positions in dist/'s compiled JavaScript; map them back to the
 * .ts line through the source maps tsc wrote beside it, which Node keeps when
 * started with --enable-source-maps (bench/run.ts does so with --profile).
 */
function toSource(cf: CallFrame): void {
  if (!cf.url.startsWith('file://') || cf.lineNumber < 0) return;
  let map: ReturnType<typeof findSourceMap>;
  try {
    map = findSourceMap(cf.url) ?? findSourceMap(fileURLToPath(cf.url));
  } catch {
    return;
  }
  const e = map?.findEntry(cf.lineNumber, cf.columnNumber) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
  if (!e || e.originalSource === undefined || e.originalLine === undefined) return;
  cf.url = e.originalSource.startsWith('file://') || e.originalSource.startsWith('/') ? e.originalSource : new URL(e.originalSource, cf.url).href;
  cf.lineNumber = e.originalLine;
  cf.columnNumber = e.originalColumn ?? 0;
}

async function handle(msg: { type?: string; file?: string; gc?: boolean }): Promise<unknown> {
  switch (msg.type) {
    case 'mem': {
      const before = process.memoryUsage();
      // On request (and with --expose-gc): also the live heap, after a full collection.
      const gc = (globalThis as { gc?: () => void }).gc;
      if (!gc || !msg.gc) return { mem: before };
      gc();
      const after = process.memoryUsage();
      // PODNET_BENCH_HEAPSNAP=DIR: a heap snapshot of the live heap at each such checkpoint (what holds the memory).
      const dir = process.env.PODNET_BENCH_HEAPSNAP;
      if (dir) v8.writeHeapSnapshot(path.join(dir, `podnet-${process.pid}-${Date.now()}.heapsnapshot`));
      return { mem: before, afterGc: after };
    }
    case 'queries':
      // Statements sent through postgres.js so far (the version probes, on the read paths).
      return { count: (server.app as unknown as { db: { queries: { count: number } } }).db.queries.count };
    case 'prof-start':
      if (!session) {
        session = new inspector.Session();
        session.connect();
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: 500 });
      }
      await post('Profiler.start');
      return {};
    case 'prof-stop': {
      const { profile } = await post<{ profile: { nodes: { callFrame: CallFrame }[] } }>('Profiler.stop');
      for (const n of profile.nodes) toSource(n.callFrame);
      fs.writeFileSync(msg.file!, JSON.stringify(profile));
      return { file: msg.file };
    }
    case 'stop':
      void stop(0);
      return {};
    default:
      throw new Error(`unknown message ${JSON.stringify(msg.type)}`);
  }
}

process.on('message', (msg: { type?: string; id?: number; file?: string; gc?: boolean }) => {
  handle(msg).then(
    (res) => send({ ...(res as object), type: 'reply', id: msg.id }),
    (err: Error) => send({ type: 'reply', id: msg.id, error: err.message }),
  );
});
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => void stop(0));
process.on('disconnect', () => void stop(0));

send({ type: 'ready', url: server.url, pid: process.pid });
