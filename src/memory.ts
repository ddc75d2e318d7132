// How the service process holds memory. podnet keeps every cluster it serves
// in memory (SPEC §9 sets an RSS target), and two defaults of the platform
// let the process grow far past what it keeps alive:
//
// - V8 lets the old generation grow up to 4 × its live size before the next
//   full collection when allocation is fast, as during an apply: a service
//   holding 130 MB showed 500–650 MB of RSS. A fixed growth factor keeps the
//   heap proportional to what is live, at 5,000 nodes as at 65,000, for the
//   price of more (concurrent) marking.
// - glibc raises its mmap threshold each time a large block is freed, after
//   which every buffer up to that size comes from the heap and stays there:
//   100–170 MB more. That is decided before the process runs, by the
//   environment (MALLOC_TRIM_THRESHOLD_, which pins the threshold); `npm
//   start` and the image set it (README, "Memory").
// - Prisma's query compiler is WebAssembly, which V8 compiles twice: Liftoff
//   at once, then TurboFan in the background for the hot functions, keeping
//   both. Liftoff alone held 25–50 MB less RSS at start and answered Prisma
//   queries no slower (0.35–0.38 vs 0.43–0.45 ms of CPU per query, 2,000
//   queries; the background compiles were part of the cost), so the service
//   compiles WebAssembly with Liftoff only.
// - A large apply leaves its garbage (the body, its parse tree, the plan, the
//   rows sent) in an old generation V8 has just grown to hold it all, and V8
//   collects it only when that heap fills again: at k8s-65k 1 GB used of
//   which 480 MB live, and an RSS that never came down. After a request that
//   dropped that much (see droppedGarbage) the service starts one full
//   collection itself, incremental, off the request's path.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (opts: { type: 'major'; execution: 'async' }) => Promise<void>;

/** V8's gc(), from a context of its own (nothing is exposed to the service's globals); null until tuneHeap. */
let collect: Gc | null = null;
let dropped = 0;
let collecting = false;

/** Garbage (estimated bytes) that starts a full collection once dropped since the last one. */
export const GC_HINT_BYTES = 64 * 2 ** 20;

/** Applies the process-wide memory settings of `podnet serve`; call before the cluster data is loaded. */
export function tuneHeap(growthPercent: number): void {
  // Read when a WebAssembly module is compiled: set before Prisma first connects.
  v8.setFlagsFromString('--liftoff-only');
  // Read by V8 at every full collection, so it takes effect when set at run time.
  if (growthPercent > 0) v8.setFlagsFromString(`--heap-growing-percent=${growthPercent}`);
  // Installed in contexts created from now on: the one made here, only.
  v8.setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc') as Gc;
}

/**
 * Notes that a request has just dropped about `bytes` of data it alone held
 * (a parsed body, a rendered view). Past GC_HINT_BYTES since the last
 * collection this starts one (incremental marking, so no long pause on the
 * event loop); one at a time. A no-op unless tuneHeap ran (tests, the CLI).
 */
export function droppedGarbage(bytes: number): void {
  if (collect === null || !(bytes > 0)) return;
  dropped += bytes;
  if (dropped < GC_HINT_BYTES || collecting) return;
  dropped = 0;
  collecting = true;
  const gc = collect;
  setImmediate(() => {
    gc({ type: 'major', execution: 'async' }).catch(() => {}).finally(() => {
      collecting = false;
    });
  });
}
