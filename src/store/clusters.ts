// The cluster store: what the service may ask of PostgreSQL. Each write runs
// in one transaction under the cluster's advisory lock (so writes to one
// cluster are serialised across service instances), is retried when
// PostgreSQL says a retry can succeed, and fails with a StoreConflict when a
// constraint refuses it. Which client does what is in the README.
import { BulkWrite, loadCluster, readVersion } from './bulk.js';
import type { Db } from './db.js';
import { rolledBack, withDeadline, withRetries } from './failures.js';
import type { ClusterRecord, ClusterSummaryRecord, ClusterUsageRecord, StoredCluster } from './records.js';
import { RowWrite, clusterUsage, listClusters } from './rows.js';

/** Waiting for the cluster's lock counts against Prisma's transaction timeout (5 s by default). */
const TX_LIMITS = { maxWait: 10_000, timeout: 30_000 } as const;

export class ClusterStore {
  /** Per cluster, the end of this instance's queue of writes to it. */
  private readonly queues = new Map<string, Promise<unknown>>();

  private readonly probeTimeoutMs: number | undefined;

  constructor(private readonly db: Db, opts: { probeTimeoutMs?: number | undefined } = {}) {
    this.probeTimeoutMs = opts.probeTimeoutMs;
  }

  /**
   * The cluster's id and version, or null: one indexed read, probed before
   * every snapshot use. Bounded by PODNET_DB_TIMEOUT_MS: on a connection to a
   * server that stopped answering (hung, or a partition with the socket still
   * open) no connect timeout applies, and every read would wait with it; it
   * fails as ETIMEDOUT instead, which the API answers as 503
   * DATABASE_UNAVAILABLE.
   */
  version(name: string): Promise<{ id: number; version: bigint } | null> {
    const read = readVersion(this.db.sql, name);
    return this.probeTimeoutMs === undefined ? read : withDeadline(read, this.probeTimeoutMs);
  }

  /** The whole cluster in one consistent read. */
  load(name: string): Promise<{ record: ClusterRecord; stored: StoredCluster } | null> {
    return loadCluster(this.db.sql, name);
  }

  /**
   * This instance's writes: how many are under way, and a number that moves
   * when one starts or ends. A snapshot trusted without a probe (solo reads,
   * snapshots.ts) is trusted only while neither has moved since its version
   * was read, so a write made here is never hidden behind an older snapshot,
   * whenever the writer hands the cache its new one.
   */
  readonly writes = { inFlight: 0, gen: 0 };

  /**
   * Called when a write of this instance fails without a known outcome (a
   * connection lost around COMMIT, a deadline: not rolledBack): the
   * transaction may still commit after the failure was seen, so the solo
   * lease stops trusting (services.ts).
   */
  onWriteFailed: (() => void) | null = null;

  private tracked<T>(run: () => Promise<T>): Promise<T> {
    this.writes.inFlight++;
    this.writes.gen++;
    const done = () => {
      this.writes.inFlight--;
      this.writes.gen++;
    };
    const failed = (err: unknown): never => {
      if (!rolledBack(err)) this.onWriteFailed?.();
      throw err;
    };
    let p: Promise<T>;
    try {
      p = run();
    } catch (err) {
      done();
      return failed(err);
    }
    return p.catch(failed).finally(done);
  }

  /** An apply (set-based writes); `record` is null when the cluster does not exist yet. */
  bulkWrite<T>(name: string, fn: (w: BulkWrite, record: ClusterRecord | null) => Promise<T>): Promise<T> {
    return this.tracked(() => this.queued(name, () => withRetries(async () => {
      // postgres.js keeps the last transaction's result reachable from its
      // connection (the race with `onclose`) until that connection's next
      // transaction: an apply's plan (a copy of every pod) would stay alive
      // for as long. The result leaves through a box emptied at once.
      let box: { value: T } | null = null;
      await this.db.sql.begin(async (tx) => {
        const w = new BulkWrite(tx);
        box = { value: await fn(w, await w.lockAndRead(name)) };
      });
      const { value } = box as unknown as { value: T };
      box = null;
      return value;
    })));
  }

  /** A row-at-a-time change; `record` is null when the cluster does not exist. */
  rowWrite<T>(name: string, fn: (w: RowWrite, record: ClusterRecord | null) => Promise<T>): Promise<T> {
    return this.tracked(() => this.queued(name, () => withRetries(() => this.db.prisma.$transaction(async (tx) => {
      const w = new RowWrite(tx);
      return fn(w, await w.lockAndRead(name));
    }, TX_LIMITS))));
  }

  /**
   * Writes to one cluster from this instance wait their turn here, not on
   * the advisory lock: a burst of them then holds one pooled connection, not
   * all of them (the lock still orders writes across instances).
   */
  private queued<T>(name: string, run: () => Promise<T>): Promise<T> {
    const result = (this.queues.get(name) ?? Promise.resolve()).then(run);
    const tail = result.then(() => {}, () => {});
    this.queues.set(name, tail);
    void tail.then(() => {
      if (this.queues.get(name) === tail) this.queues.delete(name);
    });
    return result;
  }

  list(after: string | null, limit: number): Promise<ClusterSummaryRecord[]> {
    return listClusters(this.db.prisma, after, limit);
  }

  usage(): Promise<ClusterUsageRecord[]> {
    return clusterUsage(this.db.prisma);
  }
}

export type { BulkWrite } from './bulk.js';
export type { RowWrite } from './rows.js';
