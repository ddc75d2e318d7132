// The shape of a verification report (SPEC §4 `verify`) and the collector
// every check fills: capped failure lists with whole counts.
import type { Family } from './ip.js';
import type { Datapath } from './datapath.js';
import { FAMILIES } from './routes.js';

export type CheckName = 'no-overlap' | 'pod-ips' | 'reachability' | 'mtu' | 'capacity';

export interface VerifyFailure {
  message: string;
  [field: string]: string | number | boolean | null;
}

export interface VerifyCheck {
  name: CheckName;
  ok: boolean;
  detail?: string;
  /** The first MAX_FAILURES failures; `failureCount` has the total. */
  failures?: VerifyFailure[];
  failureCount?: number;
  figures?: Record<string, unknown>;
  /** How long the check took, when verify was given a clock. */
  durationMs?: number;
}

export interface VerifyReport {
  ok: boolean;
  checks: VerifyCheck[];
}

export const MAX_FAILURES = 20;

/** Collects failures, keeping the first MAX_FAILURES and counting all. */
export class Failures {
  readonly list: VerifyFailure[] = [];
  count = 0;

  add(f: VerifyFailure): void {
    this.count++;
    if (this.list.length < MAX_FAILURES) this.list.push(f);
  }

  /** Counts `n` more failures, materialising examples only while under the cap. */
  addMany(n: number, examples: () => Iterable<VerifyFailure>): void {
    if (n <= 0) return;
    for (const f of examples()) {
      if (this.list.length >= MAX_FAILURES) break;
      this.list.push(f);
    }
    this.count += n;
  }

  check(name: CheckName, okDetail: string, figures?: Record<string, unknown>, failDetail?: string): VerifyCheck {
    const c: VerifyCheck = { name, ok: this.count === 0 };
    c.detail = this.count === 0 ? okDetail : (failDetail ?? `${this.count} problem${this.count === 1 ? '' : 's'}`);
    if (this.count > 0) {
      c.failures = this.list;
      c.failureCount = this.count;
    }
    if (figures) c.figures = figures;
    return c;
  }
}

export const v = (f: Family): string => `IPv${f}`;

export function clusterFamilies(dp: Datapath): Family[] {
  const fams = new Set<Family>(dp.topology.podCidrs.map((p) => p.family));
  for (const n of dp.nodes) for (const f of FAMILIES) if (n.fam[f].block) fams.add(f);
  return FAMILIES.filter((f) => fams.has(f));
}
