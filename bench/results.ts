// What one run records (bench/results/*.json) and how it prints; the SPEC §9
// targets per workload size.
import type { ProfileSummary } from './profile.js';

export type Verdict = 'PASS' | 'FAIL' | 'info' | 'n/a' | 'ERROR';

export interface Metric {
  key: string;
  what: string;
  value: number | null;
  unit: string;
  floor?: number | null;
  ratio?: number | null;
  /** How ratio is shown: '×' (value/floor) or '%' (value/floor as percent). */
  ratioKind?: '×' | '%';
  target?: string;
  verdict: Verdict;
  note?: string;
}

export interface MemPoint {
  rssMb: number; peakRssMb: number; heapUsedMb: number; liveHeapMb: number | null; rssAfterGcMb: number | null; externalMb: number;
  /** V8's committed heap (what the heap holds of the RSS, garbage and free space included), before and after the GC. */
  heapTotalMb?: number; heapTotalAfterGcMb?: number | null;
}

export interface RunResult {
  workload: { name: string; nodes: number; pods: number; subnets: number; podCidr: string; bodyBytes: number; targets: string };
  machine: {
    cpus: number; cpuModel: string; node: string; platform: string; totalMemGb: number; date: string; database: string;
    /** 1-minute load average at the start and the end of the run: other work on the machine competes for the same cores. */
    loadavgStart: number; loadavgEnd: number;
    /** The commit HEAD names (read from .git; the work tree may hold uncommitted changes on top). */
    revision: string | null;
  };
  options: { quick: boolean; profile: boolean; liveHeap: boolean; only: string[] | null; serverFlags: string[]; db: string };
  metrics: Metric[];
  details: Record<string, unknown>;
  errors: string[];
  /** With --profile: the server's CPU profile per phase. */
  profiles?: Record<string, ProfileSummary>;
  durationS: number;
}

/** SPEC §9's targets: k8s-5k's up to 5,000 nodes, k8s-65k's above. */
export interface Targets {
  workload: 'k8s-5k' | 'k8s-65k';
  applyRatio: number;
  reapplyS: number;
  addNodeMs: number;
  pathShare: number;
  pathP99Ms: number;
  routesMs: number;
  verifyS: number;
  impactS: number;
  rssMb: number;
}

export function targetsFor(nodes: number): Targets {
  return nodes <= 5000
    ? { workload: 'k8s-5k', applyRatio: 3, reapplyS: 0.5, addNodeMs: 15, pathShare: 0.6, pathP99Ms: 5, routesMs: 10, verifyS: 1, impactS: 2, rssMb: 250 }
    : { workload: 'k8s-65k', applyRatio: 3, reapplyS: 5, addNodeMs: 50, pathShare: 0.5, pathP99Ms: 10, routesMs: 100, verifyS: 10, impactS: 20, rssMb: 1500 };
}

export function fmtValue(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (unit === 's') return `${v.toFixed(v < 10 ? 2 : 1)} s`;
  if (unit === 'ms') return `${v.toFixed(v < 10 ? 2 : 1)} ms`;
  if (unit === 'MB') return `${v.toFixed(0)} MB`;
  if (unit === 'req/s') return `${v.toFixed(0)} req/s`;
  return `${v}${unit ? ' ' + unit : ''}`;
}

export function fmtRatio(m: Metric): string {
  if (m.ratio === null || m.ratio === undefined || Number.isNaN(m.ratio)) return '—';
  return m.ratioKind === '%' ? `${(m.ratio * 100).toFixed(0)} %` : `${m.ratio.toFixed(2)} ×`;
}

export function formatTable(r: RunResult): string {
  const head = ['what', 'value', 'floor', 'ratio', 'target', 'result'];
  const rows = r.metrics.map((m) => [m.what, fmtValue(m.value, m.unit), fmtValue(m.floor, m.unit), fmtRatio(m), m.target ?? '—', m.verdict + (m.note ? ` (${m.note})` : '')]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}
