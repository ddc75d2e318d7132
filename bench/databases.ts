// Where a run keeps its data: a fresh database for the service and a second
// one for the floors, on DATABASE_URL's server ('url') or on an embedded
// PostgreSQL in a temporary folder ('embedded'); dropped at the end.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectPostgresJs, withDatabase } from '../src/store/db.js';
import { postgresJsTarget } from '../src/store/db-url.js';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/store/embedded.js';
import { childrenOf, cpuMs } from './child.js';

export type DatabaseKind = 'embedded' | 'url';

export interface Databases {
  /** Where the service keeps the cluster. */
  benchUrl: string;
  /** A second fresh database on the same server, for the floors. */
  floorUrl: string;
  kind: DatabaseKind;
  where: string;
  /**
   * CPU time used so far by the PostgreSQL processes that work for the run and
   * are alive now, in ms: the embedded server's postmaster and all its
   * children, or on DATABASE_URL's server the backends connected to the
   * run's two databases (read from /proc: the server is on this machine).
   * A backend that exits takes its time with it. Null when /proc has nothing.
   */
  pgCpuMs(): Promise<number | null>;
  cleanup(): Promise<void>;
}

export async function createDatabases(tag: string, kind: DatabaseKind): Promise<Databases> {
  const names = [`podnet_bench_${tag}`, `podnet_bench_${tag}_floor`] as const;
  let adminUrl: string;
  let embedded: EmbeddedServer | null = null;
  let tmp: string | null = null;
  if (kind === 'url') {
    const given = process.env.DATABASE_URL;
    if (!given) throw new Error('--db url needs DATABASE_URL');
    const target = postgresJsTarget(given);
    const host = new URL(target.url).hostname;
    if (target.path === null && !['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
      throw new Error(`DATABASE_URL points at ${host}: the bench only talks to this machine (127.0.0.1, or a Unix-domain socket)`);
    }
    adminUrl = given;
  } else {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-bench-pg-'));
    embedded = await startEmbeddedPostgres({ dir: tmp, port: 0, database: 'postgres', persistent: false });
    adminUrl = embedded.adminUrl;
  }
  const admin = connectPostgresJs(adminUrl, { max: 1, onnotice: () => {} });
  try {
    for (const n of names) await admin.unsafe(`CREATE DATABASE "${n}"`);
  } finally {
    await admin.end();
  }
  // Finds the run's backends on a server that is not ours (its own backend is in the admin database, not counted).
  const observer = connectPostgresJs(adminUrl, { max: 1, onnotice: () => {} });
  return {
    benchUrl: withDatabase(adminUrl, names[0]),
    floorUrl: withDatabase(adminUrl, names[1]),
    kind,
    where: embedded ? `embedded PostgreSQL (fsync=off, synchronous_commit=off) in ${tmp}` : `DATABASE_URL server, databases ${names.join(', ')}`,
    async pgCpuMs() {
      if (!embedded) {
        const rows = await observer.unsafe<{ pid: number }[]>('SELECT pid FROM pg_stat_activity WHERE datname = ANY($1::text[])', [[...names]]);
        const total = rows.reduce((sum, r) => sum + cpuMs(r.pid), 0);
        return Number.isNaN(total) || rows.length === 0 ? null : total;
      }
      // The data may live outside tmp (as root, see src/store/embedded-place.ts): ask the server.
      const postmaster = embedded.pid();
      if (!postmaster) return null;
      try {
        let total = cpuMs(postmaster);
        for (const pid of childrenOf(postmaster)) total += cpuMs(pid);
        return total;
      } catch {
        return null;
      }
    },
    async cleanup() {
      await observer.end({ timeout: 5 });
      const a = connectPostgresJs(adminUrl, { max: 1, onnotice: () => {} });
      try {
        for (const n of names) await a.unsafe(`DROP DATABASE IF EXISTS "${n}" WITH (FORCE)`);
      } finally {
        await a.end({ timeout: 5 });
      }
      await embedded?.stop();
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}
