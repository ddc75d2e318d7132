// `npm run bench:allocator`: the allocator micro-benchmark of issue 12, the
// workloads on which podnet's BlockAllocator was compared side by side with
// Kubernetes' nodeipam cidrset (Go, its metrics calls removed).
//
//   npm run bench:allocator -- [--rounds N] [--before REV] [--json FILE]
//
// No database, no HTTP: the pure core only. Each workload runs on a fresh
// allocator (set up untimed), `rounds` times after a warm-up; the figure is
// the median. There is no Go toolchain here, so cidrset itself is not run:
// its figures are REFERENCE NUMBERS FROM ISSUE 12. The issue gives one
// absolute time (all 8,192 /24s of a /11: cidrset 0.62 ms, podnet 10.3 ms)
// and, for every workload, podnet's time as a multiple of cidrset's, measured
// at the allocator of commit bbdad9c. So this bench also runs that allocator
// (read from git at --before, rounds interleaved with the current one, so
// that the shared machine's load hits both alike) and
// estimates cidrset's time here as before ÷ the issue's ratio; the ratio
// column is podnet now ÷ that estimate.
//
// Each variant (the current allocator's Prefix API, its index API, the one at
// --before) runs in a child process of its own, driven round by round from
// here: in one process the workloads' call sites would see both
// implementations' classes and slow each other (measured: the current pins
// took 1.6-2 x as long beside bbdad9c as alone).
//
// The current allocator runs compiled, from dist/ (scripts/build.mjs, rebuilt
// when src/ is newer), as the service runs it: through tsx, src/ carries the
// keep-names wrappers issue 12 measured at 1.3-1.6 x on the IPv6 figures.
// The allocator at --before runs from its sources through tsx, as the issue's
// own run did, so that "before ÷ the issue's ratio" still estimates cidrset.
import { execFileSync, fork, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { rng } from './random.js';
import type * as CurrentAllocatorModule from '../src/net/allocator.js';
import type * as CurrentIpModule from '../src/net/ip.js';

type CurrentPrefix = CurrentIpModule.Prefix;
const ROOT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The current allocator, compiled (see the header); loaded by the child that runs it. */
let current: typeof CurrentAllocatorModule;
let CurrentPrefix: typeof CurrentIpModule.Prefix;
async function loadCompiled(): Promise<void> {
  const dist = (f: string) => pathToFileURL(path.join(ROOT_DIR, 'dist', 'net', f)).href;
  current = (await import(dist('allocator.js'))) as typeof CurrentAllocatorModule;
  CurrentPrefix = ((await import(dist('ip.js'))) as typeof CurrentIpModule).Prefix;
}

/** Issue 12's figures: podnet (at bbdad9c) ÷ cidrset, per workload; and the one absolute cidrset time. */
const ISSUE_RATIO: Record<string, number> = {
  'allocate all 8,192 /24s of a /11': 16.6,
  'release all 8,192': 9.7,
  '10,000 release+allocate rounds at 5,000 used': 20,
  'allocate all 65,536 /64s of a /48': 9.9,
  'pin 5,000 random /24s of a /11': 65,
  'then allocate 3,000 more': 87,
  'one allocation at 8,191 of 8,192 used': 0.1,
};
const ISSUE_CIDRSET_MS: Record<string, number> = { 'allocate all 8,192 /24s of a /11': 0.62 };
const BEFORE_REV = 'bbdad9c';

/** What a workload needs of an allocator implementation (the current one, or the one at --before). */
interface BlockAllocatorLike {
  allocateNext(): PrefixLike;
  release(p: PrefixLike): boolean;
  occupy(p: PrefixLike): void;
  capacity(): { used: number };
}
interface PrefixLike {
  readonly bits: number;
  subnet(bits: number, i: bigint): PrefixLike;
}
interface Impl {
  name: string;
  newAllocator(range: PrefixLike, bits: number): BlockAllocatorLike;
  parsePrefix(s: string): PrefixLike;
}

interface Workload {
  name: string;
  /** Untimed: builds the state the timed part starts from; returns the timed part. */
  setup(impl: Impl, inputs: Inputs): () => void;
  /** The same work through the current allocator's index API (allocateIndex, releaseIndex, indexOf + occupyIndex). */
  indexed?(x: Inputs): () => void;
}

/** `n` distinct indices out of `count`, in random order. */
function randomIndices(n: number, count: number, seed: number): number[] {
  const next = rng(seed);
  const all = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, n);
}

/** What a workload passes in, built once per implementation (untimed). */
interface Inputs {
  v11: PrefixLike;
  v48: PrefixLike;
  blocks11: PrefixLike[];
  /** Pins as a caller has them: parsed from their text (a definition, a stored row). */
  pins: PrefixLike[];
  /** Block indices below 5,000: each victim is in use when released (the round before re-allocated it, first-fit). */
  churnVictims: number[];
}

function inputsFor(impl: Impl): Inputs {
  const v11 = impl.parsePrefix('10.0.0.0/11');
  const blocks11 = Array.from({ length: 8192 }, (_, i) => v11.subnet(24, BigInt(i)));
  const churnNext = rng(17);
  return {
    v11,
    v48: impl.parsePrefix('fd00:10:1::/48'),
    blocks11,
    pins: randomIndices(5000, 8192, 12).map((i) => impl.parsePrefix(blocks11[i]!.toString())),
    churnVictims: Array.from({ length: 10_000 }, () => Math.floor(churnNext() * 5000)),
  };
}

/** `n` allocations from a fresh allocator of the /11, kept as the caller keeps what it was given. */
function allocatedBlocks(a: BlockAllocatorLike, n: number): PrefixLike[] {
  const held: PrefixLike[] = [];
  for (let k = 0; k < n; k++) held.push(a.allocateNext());
  return held;
}

const currentAllocator = (range: PrefixLike, bits: number): CurrentAllocatorModule.BlockAllocator => new current.BlockAllocator(range as CurrentPrefix, bits);

let sink = 0; // keeps results alive so that no work is optimised away

// The timed parts are plain index loops: the harness should cost next to nothing (cidrset's is a Go for loop).
const workloads: Workload[] = [
  {
    name: 'allocate all 8,192 /24s of a /11',
    setup: (impl, x) => () => {
      const a = impl.newAllocator(x.v11, 24);
      for (let k = 0; k < 8192; k++) sink ^= a.allocateNext().bits;
    },
    indexed: (x) => () => {
      const a = currentAllocator(x.v11, 24);
      for (let k = 0; k < 8192; k++) sink ^= a.allocateIndex();
    },
  },
  {
    name: 'release all 8,192',
    setup: (impl, x) => {
      const a = impl.newAllocator(x.v11, 24);
      const held = allocatedBlocks(a, 8192);
      return () => {
        for (let k = 0; k < held.length; k++) if (a.release(held[k]!)) sink++;
      };
    },
    indexed: (x) => {
      const a = currentAllocator(x.v11, 24);
      const held: number[] = [];
      for (let k = 0; k < 8192; k++) held.push(a.allocateIndex());
      return () => {
        for (let k = 0; k < held.length; k++) if (a.releaseIndex(held[k]!)) sink++;
      };
    },
  },
  {
    name: '10,000 release+allocate rounds at 5,000 used',
    setup: (impl, x) => {
      const a = impl.newAllocator(x.v11, 24);
      const held = allocatedBlocks(a, 5000);
      const victims = x.churnVictims;
      return () => {
        for (let k = 0; k < victims.length; k++) {
          const v = victims[k]!;
          a.release(held[v]!);
          const b = a.allocateNext(); // first-fit: the block just released
          held[v] = b;
          sink ^= b.bits;
        }
      };
    },
    indexed: (x) => {
      const a = currentAllocator(x.v11, 24);
      for (let k = 0; k < 5000; k++) a.allocateIndex();
      const victims = x.churnVictims;
      return () => {
        for (let k = 0; k < victims.length; k++) {
          a.releaseIndex(victims[k]!);
          sink ^= a.allocateIndex();
        }
      };
    },
  },
  {
    name: 'allocate all 65,536 /64s of a /48',
    setup: (impl, x) => () => {
      const a = impl.newAllocator(x.v48, 64);
      for (let k = 0; k < 65_536; k++) sink ^= a.allocateNext().bits;
    },
    indexed: (x) => () => {
      const a = currentAllocator(x.v48, 64);
      for (let k = 0; k < 65_536; k++) sink ^= a.allocateIndex();
    },
  },
  {
    name: 'pin 5,000 random /24s of a /11',
    setup: (impl, x) => () => {
      const a = impl.newAllocator(x.v11, 24);
      const pins = x.pins;
      for (let k = 0; k < pins.length; k++) a.occupy(pins[k]!);
      sink ^= a.capacity().used;
    },
    // The caller still has Prefixes: indexOf is part of the timed work.
    indexed: (x) => () => {
      const a = currentAllocator(x.v11, 24);
      const pins = x.pins as CurrentPrefix[];
      for (let k = 0; k < pins.length; k++) a.occupyIndex(a.indexOf(pins[k]!));
      sink ^= a.capacity().used;
    },
  },
  {
    name: 'then allocate 3,000 more',
    setup: (impl, x) => {
      const a = impl.newAllocator(x.v11, 24);
      for (let k = 0; k < x.pins.length; k++) a.occupy(x.pins[k]!);
      return () => {
        for (let k = 0; k < 3000; k++) sink ^= a.allocateNext().bits;
      };
    },
    indexed: (x) => {
      const a = currentAllocator(x.v11, 24);
      for (let k = 0; k < x.pins.length; k++) a.occupy(x.pins[k] as CurrentPrefix);
      return () => {
        for (let k = 0; k < 3000; k++) sink ^= a.allocateIndex();
      };
    },
  },
  {
    name: 'one allocation at 8,191 of 8,192 used',
    setup: (impl, x) => {
      const a = impl.newAllocator(x.v11, 24);
      for (let i = 0; i < 8191; i++) a.occupy(x.blocks11[i]!);
      return () => {
        sink ^= a.allocateNext().bits;
      };
    },
    indexed: (x) => {
      const a = currentAllocator(x.v11, 24);
      for (let i = 0; i < 8191; i++) a.occupyIndex(i);
      return () => {
        sink ^= a.allocateIndex();
      };
    },
  },
];

const currentImpl: Impl = {
  name: 'current',
  newAllocator: (range, bits) => new current.BlockAllocator(range as CurrentPrefix, bits) as unknown as BlockAllocatorLike,
  parsePrefix: (s) => CurrentPrefix.parse(s),
};

/**
 * The allocator at `rev`, read from git into a temporary folder (its
 * allocator.ts and the ip.ts it imports) and imported; null when git cannot
 * give it (no history in this checkout).
 */
async function implAt(rev: string): Promise<Impl | null> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-allocator-before-'));
  try {
    for (const f of ['allocator.ts', 'ip.ts']) {
      const text = execFileSync('git', ['-C', root, 'show', `${rev}:src/net/${f}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      fs.writeFileSync(path.join(dir, f), text);
    }
    const alloc = (await import(pathToFileURL(path.join(dir, 'allocator.ts')).href)) as { BlockAllocator: new (r: unknown, b: number) => BlockAllocatorLike };
    const ip = (await import(pathToFileURL(path.join(dir, 'ip.ts')).href)) as { Prefix: { parse(s: string): PrefixLike } };
    return { name: rev, newAllocator: (range, bits) => new alloc.BlockAllocator(range, bits), parsePrefix: (s) => ip.Prefix.parse(s) };
  } catch {
    return null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A variant: an implementation (null: the current one; else the one at that rev) through one API. */
interface VariantSpec {
  rev: string | null;
  api: 'Prefix' | 'index';
}

/** A child process running one variant: `run(k)` sets up workload k untimed, times it once, answers the ms. */
interface Runner {
  run(workload: number): Promise<number>;
  close(): void;
}

interface Reply {
  ms?: number;
  ready?: boolean;
}

/** Starts the child for `spec`; null when it cannot build that implementation (no git history). */
async function startRunner(spec: VariantSpec): Promise<Runner | null> {
  const proc: ChildProcess = fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies: ((m: Reply) => void)[] = [];
  proc.on('message', (m: Reply) => replies.shift()?.(m));
  const next = () => new Promise<Reply>((resolve) => replies.push(resolve));
  const hello = await next();
  if (!hello.ready) {
    proc.kill();
    return null;
  }
  return {
    run: async (workload) => {
      const reply = next();
      proc.send({ workload });
      return (await reply).ms!;
    },
    close: () => proc.disconnect(),
  };
}

/** The child's side: builds its implementation and inputs once, then times what it is asked, one round per message. */
async function child(spec: VariantSpec): Promise<void> {
  if (spec.rev === null || spec.api === 'index') await loadCompiled();
  const impl = spec.rev === null ? currentImpl : await implAt(spec.rev);
  if (impl === null) {
    process.send!({ ready: false });
    process.disconnect();
    return;
  }
  const inputs = inputsFor(impl);
  process.on('message', (m: { workload: number }) => {
    const w = workloads[m.workload]!;
    const timed = spec.api === 'index' ? w.indexed!(inputs) : w.setup(impl, inputs);
    const t0 = performance.now();
    timed();
    const ms = performance.now() - t0;
    process.send!({ ms });
  });
  process.send!({ ready: true });
}

/** Times workload k on each runner, rounds interleaved (A B C A B C …) after a warm-up of each. */
async function run(runners: Runner[], k: number, rounds: number): Promise<number[][]> {
  for (const r of runners) for (let n = 0; n < 3; n++) await r.run(k);
  const times: number[][] = runners.map(() => []);
  for (let n = 0; n < rounds; n++) {
    for (let j = 0; j < runners.length; j++) times[j]!.push(await runners[j]!.run(k));
  }
  return times;
}

interface Row {
  workload: string;
  api: string;
  podnetMs: number;
  beforeMs: number;
  issueRatio: number;
  cidrsetEstMs: number;
  ratio: number;
  ratioOfBest: number;
  issueCidrsetMs: number;
  ratioVsIssueFigure: number;
}

const fmt = (ms: number, width: number): string => (Number.isFinite(ms) ? ms.toFixed(3) : '—').padStart(width);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '25' },
      before: { type: 'string', default: BEFORE_REV },
      json: { type: 'string' },
      child: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.child !== undefined) {
    await child(JSON.parse(values.child) as VariantSpec);
    return;
  }
  if (values.help) {
    console.log('usage: npm run bench:allocator -- [--rounds N] [--before REV] [--json FILE]');
    return;
  }
  const built = spawnSync(process.execPath, [path.join(ROOT_DIR, 'scripts', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });
  if (built.status !== 0) {
    console.error(`scripts/build.mjs failed (exit ${built.status})`);
    process.exitCode = 1;
    return;
  }
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: expected a positive integer, got ${values.rounds}`);
  const [now, before, indexed] = await Promise.all([
    startRunner({ rev: null, api: 'Prefix' }),
    startRunner({ rev: values.before, api: 'Prefix' }),
    startRunner({ rev: null, api: 'index' }),
  ]);
  if (!now || !indexed) throw new Error('bench:allocator: the current allocator did not start in a child process');
  const cpus = os.cpus();
  console.log(`podnet BlockAllocator vs Kubernetes nodeipam cidrset · ${cpus.length} × ${cpus[0]?.model ?? 'CPU'} · node ${process.version} · load ${os.loadavg()[0]!.toFixed(1)} · median of ${rounds}`);
  console.log('cidrset is not run here: its figures are REFERENCE NUMBERS FROM ISSUE 12 (see the header of bench/allocator.ts).');
  console.log(before
    ? `cidrset here ≈ podnet at ${values.before} (same run, interleaved, each variant in a process of its own) ÷ the issue's podnet/cidrset ratio; the issue's own absolute cidrset figure is shown where it gives one.\n`
    : `git could not give the allocator at ${values.before}: only the issue's absolute figure is compared.\n`);
  // Per workload: the Prefix API now, the same at --before, and the index API now, interleaved.
  const rows: Row[] = [];
  for (let k = 0; k < workloads.length; k++) {
    const w = workloads[k]!;
    const runners = [now, ...(before ? [before] : []), ...(w.indexed ? [indexed] : [])];
    const times = await run(runners, k, rounds);
    const medians = times.map(median);
    const bests = times.map((xs) => Math.min(...xs));
    const then = before ? medians[1]! : NaN;
    // The same ratio from each variant's fastest round: the least disturbed by a loaded machine, for both sides.
    const bestRatio = (j: number) => bests[j]! / (bests[1]! / ISSUE_RATIO[w.name]!);
    const cidrset = then / ISSUE_RATIO[w.name]!;
    const issueMs = ISSUE_CIDRSET_MS[w.name] ?? NaN;
    const row = (api: string, j: number): Row => {
      const ms = medians[j]!;
      return { workload: w.name, api, podnetMs: ms, beforeMs: then, issueRatio: ISSUE_RATIO[w.name]!, cidrsetEstMs: cidrset, ratio: ms / cidrset, ratioOfBest: before ? bestRatio(j) : NaN, issueCidrsetMs: issueMs, ratioVsIssueFigure: ms / issueMs };
    };
    rows.push(row('Prefix', 0), ...(w.indexed ? [row('index', runners.length - 1)] : []));
  }
  for (const r of [now, before, indexed]) r?.close();
  console.log(`${'workload'.padEnd(46)} ${'API'.padEnd(6)} ${'podnet'.padStart(8)} ${('@' + values.before).padStart(9)} ${'issue ×'.padStart(7)} ${'cidrset≈'.padStart(9)} ${'ratio'.padStart(7)} ${'best'.padStart(7)} ${'issue ms'.padStart(9)} ${'ratio'.padStart(7)}  verdict`);
  for (const r of rows) {
    const verdictOf = (x: number) => (Number.isNaN(x) ? '' : x <= 1 ? 'PASS' : 'FAIL');
    const ratio = (x: number) => (Number.isNaN(x) ? '—' : `${x.toFixed(2)} ×`).padStart(7);
    const verdicts = [verdictOf(r.ratio), verdictOf(r.ratioVsIssueFigure)].filter(Boolean).join(', ');
    console.log(`${r.workload.padEnd(46)} ${r.api.padEnd(6)} ${fmt(r.podnetMs, 8)} ${fmt(r.beforeMs, 9)} ${String(r.issueRatio).padStart(7)} ${fmt(r.cidrsetEstMs, 9)} ${ratio(r.ratio)} ${ratio(r.ratioOfBest)} ${fmt(r.issueCidrsetMs, 9)} ${ratio(r.ratioVsIssueFigure)}  ${verdicts}`);
  }
  console.log('\nms, medians; "ratio" ≤ 1 × is the issue\'s target (podnet no slower than cidrset); "best": the same ratio from each side\'s fastest round.');
  console.log('API: Prefix = allocateNext/release/occupy (a Prefix in, a Prefix out; the workloads as the issue states them);');
  console.log('index = allocateIndex/releaseIndex/indexOf+occupyIndex (block numbers; the pins still start from the caller\'s Prefixes).');
  if (values.json) {
    fs.writeFileSync(values.json, JSON.stringify({ at: new Date().toISOString(), node: process.version, load: os.loadavg()[0], before: values.before, rounds, rows }, null, 2));
  }
  if (sink === -1) console.log(''); // never true; reads the sink
}

await main();
