// Solo reads: an instance that is the only one attached to its database
// answers reads from its snapshots without a version probe per request.
//
// Every read normally asks PostgreSQL for the cluster's version first
// (snapshots.ts), so that a change committed through any instance before the
// read arrived is seen. That round trip is a fifth of a GraphQL path request.
// It is only needed when someone else can commit. So each instance holds a
// membership lock (shared) on a connection of its own, and one that sees no
// other member takes the solo lock (exclusive, session-level). While it holds
// it, the trigger of migration 20261202110000_solo_reads_guard makes every
// other writer's statement on the cluster table wait; the holder sees the
// waiter (or a new member) at its next heartbeat, stops trusting its
// snapshots, and only then lets go. So a write that commits anywhere else
// commits after the holder went back to probing, and every read the holder
// answered without a probe arrived before that commit. The holder's own
// writes pass the guard, marked in flight (key 3, migration
// 20261202150000): no instance becomes solo while one is uncommitted.
//
// Trust is also bounded in time: a heartbeat that went out at t lets the
// holder trust until t + trustMs. A holder whose heartbeats stop (its event
// loop blocked, its network gone) stops trusting within trustMs; one whose
// waiter has been waiting for staleHolderMs has certainly stopped, and any
// other instance ends its lease session (pg_terminate_backend) so that the
// write can go on. Without another instance, PostgreSQL ends it itself: the
// lease session's idle_session_timeout (PostgreSQL 14 on) is a few
// heartbeats, which only a frozen holder lets pass.
import type { Sql } from 'postgres';
import { connectPostgresJs, withoutApplicationName } from './db.js';
import { withDeadline } from './failures.js';

/** The advisory lock keys (int4, int4): "podn" in ASCII, then 1 (solo), 2 (members) and 3 (the holder's own writes in flight, taken by the guard). */
export const LEASE_CLASS = 0x706f646e;
export const SOLO = 1;
export const MEMBER = 2;
export const OWN_WRITES = 3;

export interface SoloLeaseOptions {
  url: string;
  /** The instance's application_name (Db.instance), which its writes carry past the guard. */
  instance: string;
  heartbeatMs?: number;
  trustMs?: number;
  staleHolderMs?: number;
  /** PostgreSQL ends the lease session after this long without a statement (idle_session_timeout); default max(2 × trustMs, 10 heartbeats). */
  idleSessionEndMs?: number;
  connectTimeoutMs?: number;
  /** The application_name the service's own pools really use; solo is refused unless it is `instance`. */
  poolNames?: () => Promise<string[]>;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

interface Beat {
  pid: number;
  member: boolean;
  members: number;
  waiting: number;
  holding: boolean;
  holder: number | null;
}

/** This database's lease locks (the two-key form shows objsubid 2). */
const LOCKS = `FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND classid = ${LEASE_CLASS} AND objsubid = 2`;

/** What a heartbeat learns, in one statement. */
const BEAT = `SELECT pg_backend_pid() AS pid,
  coalesce(bool_or(objid = ${MEMBER} AND granted AND pid = pg_backend_pid()), false) AS member,
  (count(*) FILTER (WHERE objid = ${MEMBER} AND granted))::int AS members,
  (count(*) FILTER (WHERE objid = ${SOLO} AND NOT granted))::int AS waiting,
  coalesce(bool_or(objid = ${SOLO} AND granted AND mode = 'ExclusiveLock' AND pid = pg_backend_pid()), false) AS holding,
  min(pid) FILTER (WHERE objid = ${SOLO} AND granted AND mode = 'ExclusiveLock') AS holder
${LOCKS}`;

/** The solo lock if free, and the member count as of the same statement. */
const ACQUIRE = `SELECT pg_try_advisory_lock(${LEASE_CLASS}, ${SOLO}) AS got,
  (SELECT count(*) ${LOCKS} AND objid = ${MEMBER} AND granted)::int AS members`;

/**
 * Asked once the solo lock is held: no write that passed the guard as the
 * last holder's is still uncommitted (the lock is taken and, outside a
 * transaction, let go at once). A write that passes it later finds this
 * instance holding, under another name, and waits.
 */
const NO_WRITE_IN_FLIGHT = `SELECT pg_try_advisory_xact_lock(${LEASE_CLASS}, ${OWN_WRITES}) AS free`;

/**
 * The lease session's idle_session_timeout, set when it joins: PostgreSQL
 * ends a session that sends nothing for that long, which releases its locks.
 * A beating holder sends a statement every heartbeat. Before PostgreSQL 14
 * there is no such setting, and the WHERE keeps it unset.
 */
const IDLE_END = `SELECT set_config('idle_session_timeout', $1, false) WHERE current_setting('server_version_num')::int >= 140000`;

export class SoloLease {
  private readonly sql: Sql;
  private readonly heartbeatMs: number;
  private readonly trustMs: number;
  private readonly staleHolderMs: number;
  private readonly idleEndMs: number;
  private solo = false;
  private epoch = 0;
  private trustedUntil = 0;
  private trustedUntilWall = 0;
  private timer: NodeJS.Timeout | null = null;
  private beating = false;
  private stopped = false;
  private disabled = false;
  private checkedNames = false;
  private waiterSeen: { holder: number; at: number } | null = null;
  /** Solo periods so far, and how many ended because another writer or member appeared (for /metrics and tests). */
  readonly stats = { acquired: 0, yielded: 0, terminatedStaleHolders: 0 };

  constructor(private readonly opts: SoloLeaseOptions) {
    this.heartbeatMs = opts.heartbeatMs ?? 200;
    this.trustMs = opts.trustMs ?? 1000;
    this.staleHolderMs = opts.staleHolderMs ?? 5000;
    this.idleEndMs = opts.idleSessionEndMs ?? Math.max(2 * this.trustMs, 10 * this.heartbeatMs);
    // A stale holder is one that has certainly stopped trusting: its last heartbeat's trust ran out long before.
    if (!(this.staleHolderMs >= 2 * this.trustMs + this.heartbeatMs) || !(this.idleEndMs >= this.trustMs + this.heartbeatMs)) {
      throw new RangeError('solo lease: staleHolderMs must be at least 2 × trustMs + heartbeatMs, and idleSessionEndMs at least trustMs + heartbeatMs');
    }
    this.sql = connectPostgresJs(withoutApplicationName(opts.url), {
      max: 1,
      // No idle or lifetime end (null, as postgres.js' own LISTEN connection has; its types only say number).
      idle_timeout: null as unknown as number,
      max_lifetime: null as unknown as number,
      onnotice: () => {},
      connect_timeout: Math.max(1, Math.round((opts.connectTimeoutMs ?? 5000) / 1000)),
      connection: { application_name: opts.instance },
      // No array types to learn (postgres.js asks for them on each new connection, and while the
      // database is down the heartbeat reconnects every beat: that internal query's failure went unhandled).
      fetch_types: false,
      // The session is the lease: when it goes, so does the lock, and trust with it.
      onclose: () => this.drop(),
    });
  }

  /**
   * The solo period reads may trust right now, or -1. A snapshot whose
   * version was read in this period (after it began) is current for as long
   * as the same number comes back.
   */
  trustEpoch(): number {
    // Both clocks: the monotonic one stands still while the host is suspended (a paused VM), the wall clock does not.
    return this.solo && performance.now() < this.trustedUntil && Date.now() < this.trustedUntilWall ? this.epoch : -1;
  }

  /**
   * Stops trusting now (a write of this instance failed, and its outcome may
   * not be known yet); the next heartbeat lets the lock go, and a new solo
   * period waits for that write's transaction to end (OWN_WRITES).
   */
  distrust(): void {
    this.drop();
  }

  get isSolo(): boolean {
    return this.trustEpoch() >= 0;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.beat(), this.heartbeatMs);
    this.timer.unref();
    void this.beat();
  }

  /** Never solo again (another service on the same connections: its writes would pass the guard as this one's). */
  disable(): void {
    this.disabled = true;
    if (this.solo) void this.yieldLock();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.drop();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.sql.end({ timeout: 1 }).catch(() => {});
  }

  /** One heartbeat: join, hold, yield or acquire. Exported for tests that drive it by hand. */
  async beat(): Promise<void> {
    if (this.beating || this.stopped) return;
    this.beating = true;
    const sent = performance.now();
    const sentWall = Date.now();
    try {
      const b = await this.read();
      if (this.stopped) return;
      if (!b.member) {
        // A new session (the first beat, or after a reconnect): it holds nothing yet.
        this.drop();
        await this.bounded(this.sql.unsafe(IDLE_END, [String(this.idleEndMs)]));
        await this.bounded(this.sql`SELECT pg_advisory_lock_shared(${LEASE_CLASS}::int4, ${MEMBER}::int4)`);
        return;
      }
      if (b.holding) {
        if (this.disabled || b.members > 1 || b.waiting > 0) {
          await this.yieldLock();
          return;
        }
        if (this.solo) this.trustUntil(sent, sentWall);
        else await this.yieldLock(); // held without being solo (a stop, a drop or a distrust since the acquire)
        return;
      }
      if (this.solo) this.drop(); // the session lost it
      await this.watchHolder(b, sent);
      if (!this.disabled && b.members === 1 && b.holder === null && b.waiting === 0 && (await this.namesAgree())) await this.acquire(sent, sentWall);
    } catch {
      // The database is away or slow: no trust until a heartbeat gets through.
      this.drop();
    } finally {
      this.beating = false;
    }
  }

  /** Every lease statement has the heartbeat's deadline: a beat that cannot finish must not stop the next ones. */
  private bounded<T>(q: Promise<T>): Promise<T> {
    return withDeadline(q, this.trustMs);
  }

  private async read(): Promise<Beat> {
    const rows = await this.bounded(this.sql.unsafe<Beat[]>(BEAT));
    return rows[0]!;
  }

  private async noWriteInFlight(): Promise<boolean> {
    const [w] = await this.bounded(this.sql.unsafe<{ free: boolean }[]>(NO_WRITE_IN_FLIGHT));
    return w!.free;
  }

  private trustUntil(sent: number, sentWall: number): void {
    this.trustedUntil = sent + this.trustMs;
    this.trustedUntilWall = sentWall + this.trustMs;
  }

  private async acquire(sent: number, sentWall: number): Promise<void> {
    const [r] = await this.bounded(this.sql.unsafe<{ got: boolean; members: number }[]>(ACQUIRE));
    if (!r!.got) return;
    if (r!.members !== 1 || this.stopped || this.disabled || !(await this.noWriteInFlight())) {
      await this.bounded(this.sql`SELECT pg_advisory_unlock(${LEASE_CLASS}::int4, ${SOLO}::int4)`);
      return;
    }
    this.epoch++;
    this.solo = true;
    this.trustUntil(sent, sentWall);
    this.stats.acquired++;
  }

  /** Stop trusting first, then let go: a writer waiting on the lock commits only after this instance probes again. */
  private async yieldLock(): Promise<void> {
    if (this.solo) this.stats.yielded++;
    this.drop();
    await this.bounded(this.sql`SELECT pg_advisory_unlock(${LEASE_CLASS}::int4, ${SOLO}::int4)`);
  }

  private drop(): void {
    if (this.solo) this.epoch++;
    this.solo = false;
    this.trustedUntil = 0;
    this.trustedUntilWall = 0;
  }

  /**
   * A holder that keeps a writer waiting for staleHolderMs has stopped
   * beating (a live one yields within a heartbeat) and so stopped trusting
   * long ago: end its session, which releases the lock.
   */
  private async watchHolder(b: Beat, now: number): Promise<void> {
    if (b.holder === null || b.waiting === 0) {
      this.waiterSeen = null;
      return;
    }
    if (!this.waiterSeen || this.waiterSeen.holder !== b.holder) {
      this.waiterSeen = { holder: b.holder, at: now };
      return;
    }
    if (now - this.waiterSeen.at < this.staleHolderMs) return;
    this.waiterSeen = null;
    const [r] = await this.bounded(this.sql<{ ended: boolean }[]>`SELECT pg_terminate_backend(${b.holder}::int4) AS ended`);
    if (r?.ended) this.stats.terminatedStaleHolders++;
    this.opts.log?.warn({ pid: b.holder, ended: r?.ended ?? false }, 'solo reads: the instance holding the solo lock kept a writer waiting without a heartbeat; its lease session was ended');
  }

  /** Solo only if this instance's writes really carry its name (a URL's own application_name, a proxy rewriting it). */
  private async namesAgree(): Promise<boolean> {
    if (this.checkedNames) return !this.disabled;
    const names = this.opts.poolNames ? await this.bounded(this.opts.poolNames()) : [];
    const [own] = await this.bounded(this.sql<{ name: string }[]>`SELECT current_setting('application_name') AS name`);
    // Checked once, but only once both answers came: a failed check (the beat's catch) is asked again.
    this.checkedNames = true;
    const all = [own!.name, ...names];
    if (!this.opts.instance.startsWith('podnet ') || all.some((n) => n !== this.opts.instance)) {
      this.disabled = true;
      this.opts.log?.info({ expected: this.opts.instance, found: all }, 'solo reads off: the connections do not carry this instance\'s application_name');
    }
    return !this.disabled;
  }
}
