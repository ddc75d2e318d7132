// "No row written": what a re-apply leaves in the database, proven three ways
// (the cluster's version and updated_at; per table count(*), sum(xmin) and
// max(xmin), which any update or re-insert changes; pg_stat_user_tables'
// n_tup_ins/upd/del once the counters have settled).
import type { Sql } from 'postgres';
import { now, sleep } from './util.js';

export interface TableStat { n_tup_ins: string; n_tup_upd: string; n_tup_del: string }
export interface Fingerprint {
  cluster: { version: string; updated_at: string; xmin: string } | null;
  tables: Record<string, { rows: number; xminSum: string; xminMax: string }>;
}

export const TABLES = ['cluster', 'subnet', 'node', 'pod'] as const;

export async function fingerprint(sql: Sql, name: string): Promise<Fingerprint> {
  const [c] = await sql<{ version: string; updated_at: string; xmin: string }[]>`
    SELECT version::text AS version, updated_at::text AS updated_at, xmin::text AS xmin FROM cluster WHERE name = ${name}`;
  const tables: Fingerprint['tables'] = {};
  for (const t of TABLES) {
    const [r] = await sql.unsafe<{ rows: number; s: string; m: string }[]>(
      `SELECT count(*)::int AS rows, coalesce(sum(xmin::text::bigint), 0)::text AS s, coalesce(max(xmin::text::bigint), 0)::text AS m FROM "${t}"`,
    );
    tables[t] = { rows: r!.rows, xminSum: r!.s, xminMax: r!.m };
  }
  return { cluster: c ?? null, tables };
}

async function tupleStats(sql: Sql): Promise<Record<string, TableStat>> {
  // Outside an explicit transaction each statement gets a fresh stats snapshot;
  // the clear makes that explicit whatever stats_fetch_consistency is.
  await sql`SELECT pg_stat_clear_snapshot()`;
  const rows = await sql<(TableStat & { relname: string })[]>`
    SELECT relname, n_tup_ins::text AS n_tup_ins, n_tup_upd::text AS n_tup_upd, n_tup_del::text AS n_tup_del
    FROM pg_stat_user_tables WHERE relname IN ('cluster', 'subnet', 'node', 'pod') ORDER BY relname`;
  return Object.fromEntries(rows.map((r) => [r.relname, { n_tup_ins: r.n_tup_ins, n_tup_upd: r.n_tup_upd, n_tup_del: r.n_tup_del }]));
}

/**
 * Backends flush their table counters to the shared statistics when idle, at
 * most once a second (PostgreSQL ≥ 15): wait until two reads a second apart agree.
 */
export async function settledTupleStats(sql: Sql, maxMs = 8000): Promise<Record<string, TableStat>> {
  const t0 = now();
  let prev = JSON.stringify(await tupleStats(sql));
  for (;;) {
    await sleep(1100);
    const cur = await tupleStats(sql);
    const s = JSON.stringify(cur);
    if (s === prev || now() - t0 > maxMs) return cur;
    prev = s;
  }
}

/** What changed between two observations, one line per finding; empty when nothing was written. */
export function writesBetween(
  before: { fp: Fingerprint; stats: Record<string, TableStat> },
  after: { fp: Fingerprint; stats: Record<string, TableStat> },
): string[] {
  const written: string[] = [];
  if (JSON.stringify(before.fp) !== JSON.stringify(after.fp)) written.push(`row fingerprint changed: ${JSON.stringify({ before: before.fp, after: after.fp })}`);
  for (const t of TABLES) {
    const b = before.stats[t];
    const a = after.stats[t];
    if (b && a && (b.n_tup_ins !== a.n_tup_ins || b.n_tup_upd !== a.n_tup_upd || b.n_tup_del !== a.n_tup_del)) {
      written.push(`${t}: pg_stat ins/upd/del ${b.n_tup_ins}/${b.n_tup_upd}/${b.n_tup_del} → ${a.n_tup_ins}/${a.n_tup_upd}/${a.n_tup_del}`);
    }
  }
  return written;
}
