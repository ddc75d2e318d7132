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
import v8 from 'node:v8';

/** Applies the process-wide memory settings of `podnet serve`; call before the cluster data is loaded. */
export function tuneHeap(growthPercent: number): void {
  // Read when a WebAssembly module is compiled: set before Prisma first connects.
  v8.setFlagsFromString('--liftoff-only');
  // Read by V8 at every full collection, so it takes effect when set at run time.
  if (growthPercent > 0) v8.setFlagsFromString(`--heap-growing-percent=${growthPercent}`);
}
