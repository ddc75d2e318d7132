// What a database error means, whichever client raised it: postgres.js puts
// PostgreSQL's fields on the error itself, Prisma Client (through its pg
// adapter) under meta.driverAdapterError.cause.
import postgres from 'postgres';
import { Addr } from '../net/ip.js';
import { StoreConflict, type ConflictCode } from './records.js';

interface PgFields { code: string; constraint: string; detail: string | null }

function pgFields(err: unknown): PgFields | null {
  if (typeof err !== 'object' || err === null) return null;
  const e = err as { constraint_name?: string; detail?: string; meta?: { driverAdapterError?: { cause?: Record<string, unknown> } } };
  const cause = e.meta?.driverAdapterError?.cause;
  if (cause) {
    const code = typeof cause.originalCode === 'string' ? cause.originalCode : typeof cause.code === 'string' ? cause.code : '';
    const message = typeof cause.originalMessage === 'string' ? cause.originalMessage : String(cause.message ?? '');
    const index = (cause.constraint as { index?: string } | undefined)?.index;
    const constraint = index ?? /constraint "([^"]+)"/.exec(message)?.[1] ?? '';
    return { code, constraint, detail: typeof cause.detail === 'string' ? cause.detail : null };
  }
  if (!(err instanceof postgres.PostgresError)) return null;
  return { code: err.code, constraint: e.constraint_name ?? '', detail: e.detail ?? null };
}

/** The exclusion key of an IPv4 node block (migration 20261201170000): `::<cluster id, 32 bits>:<block>/(96 + length)`. */
const BLOCK_KEY = /\(podnet_node_block_key_v4\(cluster_id, pod_cidr_v4\)\)=\(([0-9a-f:.]+)\/(\d+)\)/g;

/**
 * PostgreSQL names an exclusion key by its expression and value; for the
 * node block key that is the folded IPv6 prefix. Said as the plain
 * constraint said it: `Key (cluster_id, pod_cidr_v4)=(1, 10.0.0.0/24) …`.
 */
export function readableDetail(detail: string | null): string | null {
  return detail?.replace(BLOCK_KEY, (whole, addr: string, len: string) => {
    const bits = Number(len) - 96;
    let v: bigint;
    try {
      v = Addr.parse(addr).value;
    } catch {
      return whole;
    }
    if (!addr.includes(':') || bits < 0 || bits > 32) return whole;
    return `(cluster_id, pod_cidr_v4)=(${v >> 32n}, ${Addr.from(4, v & 0xffffffffn).toString()}/${bits})`;
  }) ?? null;
}

function conflictCode(f: PgFields): ConflictCode | null {
  const c = f.constraint;
  if (f.code === '23P01') return 'POD_CIDR_CONFLICT';
  if (f.code !== '23505') return null;
  if (c === 'cluster_name_key') return 'CLUSTER_EXISTS';
  if (c === 'node_cluster_id_name_key') return 'NODE_EXISTS';
  if (c.startsWith('node_cluster_id_address') || c.startsWith('node_cluster_id_vtep_mac')) return 'ADDRESS_CONFLICT';
  if (c === 'pod_cluster_id_namespace_name_key') return 'POD_EXISTS';
  if (c.startsWith('pod_cluster_id_ip')) return 'POD_IP_CONFLICT';
  if (c === 'api_token_name_key') return 'TOKEN_EXISTS';
  return 'CONCURRENT_UPDATE';
}

/** A constraint violation as a StoreConflict, or null for any other error. */
export function asConflict(err: unknown): StoreConflict | null {
  if (err instanceof StoreConflict) return err;
  const f = pgFields(err);
  const code = f && conflictCode(f);
  return code ? new StoreConflict(code, f.constraint, readableDetail(f.detail)) : null;
}

/** Errors a second attempt of the same transaction can succeed after. */
export function isRetryable(err: unknown): boolean {
  const f = pgFields(err);
  if (!f) return false;
  if (f.code === '40001' || f.code === '40P01') return true;
  return asConflict(err)?.code === 'CONCURRENT_UPDATE';
}

// P1008: operation timed out; P2028: the interactive transaction's connection is gone (closed or timed out).
const DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', '57P01', '57P02', '57P03', '08006', '08001', '08003', 'P1001', 'P1008', 'P1017', 'P2028']);
/** The pg adapter's error kinds (meta.driverAdapterError.cause.kind) for a server that went away. */
const DOWN_KINDS = new Set(['ConnectionClosed', 'DatabaseNotReachable', 'SocketTimeout', 'TooManyConnections']);
const DOWN_MESSAGE = /ECONNREFUSED|connect ENOENT \S*\.s\.PGSQL\.|Connection terminated|connect ETIMEDOUT|Can't reach database|the database system is (starting up|shutting down)|terminating connection due to administrator|is not queryable|server closed the connection|Transaction already closed|Transaction not found/;

/** True for errors that mean "the database is not reachable right now". */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; cause?: unknown; message?: unknown };
  if (typeof e.code === 'string' && DOWN_CODES.has(e.code)) return true;
  // A Unix-domain socket's file is gone while its server restarts (any other ENOENT is not the database's).
  if (e.code === 'ENOENT' && (err as { syscall?: unknown }).syscall === 'connect') return true;
  if (typeof e.message === 'string' && DOWN_MESSAGE.test(e.message)) return true;
  // Prisma Client's pg adapter: PostgreSQL's own code and message under meta.driverAdapterError.cause.
  const f = pgFields(err);
  if (f && DOWN_CODES.has(f.code)) return true;
  const adapterCause = (e as { meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } }).meta?.driverAdapterError?.cause;
  if (adapterCause && typeof adapterCause.kind === 'string' && DOWN_KINDS.has(adapterCause.kind)) return true;
  if (adapterCause && adapterCause !== err && isDatabaseUnavailable(adapterCause)) return true;
  if (e.cause && e.cause !== err) return isDatabaseUnavailable(e.cause);
  return false;
}

/**
 * Whether a transaction that failed with `err` certainly did not commit: an
 * error of its own statements (a SQLSTATE that is not the server going
 * away), a conflict, or a refusal (AppError) thrown by the caller's code
 * inside it. A lost connection or a deadline, around COMMIT, leaves the
 * outcome unknown; so does anything else.
 */
export function rolledBack(err: unknown): boolean {
  if (isDatabaseUnavailable(err)) return false;
  if (err instanceof StoreConflict || (pgFields(err)?.code ?? '') !== '') return true;
  return err instanceof Error && err.name === 'AppError';
}

const MAX_ATTEMPTS = 3;

/**
 * Runs one transaction, again when PostgreSQL says a retry can succeed (a
 * serialization failure, a deadlock, a race on a constraint the service does
 * not name); a constraint violation left over is a StoreConflict.
 */
export async function withRetries<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (attempt < MAX_ATTEMPTS && isRetryable(err)) continue;
      throw asConflict(err) ?? err;
    }
  }
}

/**
 * `q`, or an ETIMEDOUT failure (isDatabaseUnavailable: a 503) when the
 * database has not answered within `ms`. The statement itself is not
 * cancelled: on a connection to a server that stopped answering there is
 * nothing to cancel it with.
 */
export function withDeadline<T>(q: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`the database did not answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
  });
  return Promise.race([q, late]).finally(() => clearTimeout(timer));
}
