// Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with
// the most self time and the project functions with the most inclusive time,
// each with file:line. `tsx bench/profile.ts FILE.cpuprofile [--top N]`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export interface HotFunction {
  fn: string;
  where: string;
  selfMs: number;
  selfPct: number;
  totalMs: number;
  totalPct: number;
}

export interface ProfileSummary {
  file: string;
  wallMs: number;
  sampledMs: number;
  idleMs: number;
  gcMs: number;
  bySelf: HotFunction[];
  /** Functions under src/ (the project's own code) by inclusive time. */
  projectByTotal: HotFunction[];
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function where(cf: CallFrame): string {
  let url = cf.url;
  if (url.startsWith('file://')) {
    try {
      url = fileURLToPath(url);
    } catch {
      // keep as is
    }
  }
  if (url.startsWith(ROOT + path.sep)) url = path.relative(ROOT, url);
  if (url === '') return '(native)';
  return `${url}:${cf.lineNumber + 1}`;
}

const keyOf = (cf: CallFrame) => `${cf.functionName || '(anonymous)'}\u0000${where(cf)}`;

export function summarise(file: string, top = 25): ProfileSummary {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of prof.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let sampled = 0;
  let idle = 0;
  let gc = 0;
  // Per sample: its time goes to the leaf (self) and once to every distinct function on its stack (inclusive).
  const stackKeys = new Map<number, string[]>();
  const keysFor = (id: number): string[] => {
    let ks = stackKeys.get(id);
    if (ks) return ks;
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) seen.add(keyOf(byId.get(cur)!.callFrame));
    ks = [...seen];
    stackKeys.set(id, ks);
    return ks;
  };
  for (let i = 0; i < prof.samples.length; i++) {
    const id = prof.samples[i]!;
    // timeDeltas[i] is the time before sample i; attribute the next delta to it.
    const dt = (prof.timeDeltas[i + 1] ?? 0) / 1000;
    const node = byId.get(id);
    if (!node) continue;
    sampled += dt;
    const name = node.callFrame.functionName;
    if (name === '(idle)') idle += dt;
    if (name === '(garbage collector)') gc += dt;
    const k = keyOf(node.callFrame);
    self.set(k, (self.get(k) ?? 0) + dt);
    for (const sk of keysFor(id)) total.set(sk, (total.get(sk) ?? 0) + dt);
  }
  const busy = Math.max(sampled - idle, 1e-9);
  const row = (k: string): HotFunction => {
    const [fn, w] = k.split('\u0000') as [string, string];
    const s = self.get(k) ?? 0;
    const t = total.get(k) ?? 0;
    return { fn, where: w, selfMs: s, selfPct: (100 * s) / busy, totalMs: t, totalPct: (100 * t) / busy };
  };
  const skip = new Set(['(idle)', '(root)', '(program)']);
  const bySelf = [...self.keys()].filter((k) => !skip.has(k.split('\u0000')[0]!)).map(row).sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  const projectByTotal = [...total.keys()]
    .filter((k) => k.split('\u0000')[1]!.startsWith('src' + path.sep))
    .map(row)
    .sort((a, b) => b.totalMs - a.totalMs)
    .slice(0, top);
  return { file, wallMs: (prof.endTime - prof.startTime) / 1000, sampledMs: sampled, idleMs: idle, gcMs: gc, bySelf, projectByTotal };
}

export function formatSummary(s: ProfileSummary): string {
  const ms = (x: number) => `${x.toFixed(0).padStart(7)} ms`;
  const pct = (x: number) => `${x.toFixed(1).padStart(5)}%`;
  const lines = [
    `profile ${s.file}`,
    `wall ${(s.wallMs / 1000).toFixed(1)} s, busy (non-idle) ${((s.sampledMs - s.idleMs) / 1000).toFixed(1)} s, GC ${(s.gcMs / 1000).toFixed(1)} s`,
    '',
    'self time (% of busy):',
    ...s.bySelf.map((h) => `  ${ms(h.selfMs)} ${pct(h.selfPct)}  ${h.fn}  ${h.where}`),
    '',
    'project code, inclusive time (% of busy):',
    ...s.projectByTotal.map((h) => `  ${ms(h.totalMs)} ${pct(h.totalPct)}  ${h.fn}  ${h.where}`),
  ];
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const topIdx = args.indexOf('--top');
  const top = topIdx >= 0 ? Number(args[topIdx + 1]) : 25;
  const file = args.find((a, i) => !a.startsWith('--') && !(topIdx >= 0 && i === topIdx + 1));
  if (!file) {
    console.error('usage: tsx bench/profile.ts FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  console.log(formatSummary(summarise(file, top)));
}
