// Every expected failure is an AppError with a stable UPPER_SNAKE code. The
// one table below maps codes to HTTP status; GraphQL uses the same codes in
// extensions.code. Anything else is an internal error and is never described
// to the client.
import { NetError } from '../net/ip.js';

export interface FieldProblem {
  path: string;
  message: string;
}

export const STATUS_BY_CODE: Record<string, number> = {
  BAD_REQUEST: 400,
  MALFORMED_BODY: 400,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  CLUSTER_NOT_FOUND: 404,
  NODE_NOT_FOUND: 404,
  POD_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  CLUSTER_EXISTS: 409,
  NODE_EXISTS: 409,
  POD_EXISTS: 409,
  TOKEN_EXISTS: 409,
  POD_CIDR_CONFLICT: 409,
  POD_CIDR_EXHAUSTED: 409,
  NODE_POD_CIDR_EXHAUSTED: 409,
  POD_IP_CONFLICT: 409,
  ADDRESS_CONFLICT: 409,
  CONCURRENT_UPDATE: 409,
  VALIDATION_FAILED: 422,
  INVALID_ADDRESS: 422,
  INVALID_PREFIX: 422,
  PREFIX_HOST_BITS_SET: 422,
  FAMILY_MISMATCH: 422,
  INVALID_ENDPOINT: 422,
  RANGE_OVERLAP: 422,
  PAYLOAD_TOO_LARGE: 413,
  DATABASE_UNAVAILABLE: 503,
  NOT_READY: 503,
  INTERNAL: 500,
};

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly errors?: FieldProblem[];
  /** Extra members of the problem document (e.g. capacity figures). */
  readonly extra?: Record<string, unknown>;

  constructor(code: string, detail: string, opts: { errors?: FieldProblem[]; extra?: Record<string, unknown>; status?: number } = {}) {
    super(detail);
    this.name = 'AppError';
    this.code = code;
    this.status = opts.status ?? STATUS_BY_CODE[code] ?? 400;
    if (opts.errors) this.errors = opts.errors;
    if (opts.extra) this.extra = opts.extra;
  }
}

const DB_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', '57P01', '57P02', '57P03', '08006', '08001', '08003', 'P1001', 'P1017']);

/** True for errors that mean "the database is not reachable right now". */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; errno?: unknown; cause?: unknown; message?: unknown };
  if (typeof e.code === 'string' && DB_DOWN_CODES.has(e.code)) return true;
  if (typeof e.message === 'string' && /ECONNREFUSED|Connection terminated|connect ETIMEDOUT|Can't reach database|the database system is (starting up|shutting down)|terminating connection due to administrator/.test(e.message)) return true;
  if (e.cause && e.cause !== err) return isDatabaseUnavailable(e.cause);
  return false;
}

/** Normalises anything thrown into an AppError (internal errors keep no detail). */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof NetError) {
    const details = (err as NetError & { details?: Record<string, unknown> }).details;
    return new AppError(err.code, err.message, details ? { extra: details } : {});
  }
  if (isDatabaseUnavailable(err)) return new AppError('DATABASE_UNAVAILABLE', 'the database is not reachable; retry later');
  return new AppError('INTERNAL', 'internal error', { status: 500 });
}
