// Every expected failure is an AppError with a stable UPPER_SNAKE code from
// the one table below, which also gives its HTTP status; GraphQL puts the
// same code in extensions.code. A code not in the table does not compile.
// Anything else is an internal error and is never described to the client.
import { NetError } from '../net/ip.js';
import { isDatabaseUnavailable } from '../store/failures.js';
import { StoreConflict } from '../store/records.js';

export interface FieldProblem {
  path: string;
  message: string;
}

const STATUS = {
  BAD_REQUEST: 400,
  MALFORMED_BODY: 400,
  MALFORMED_REQUEST: 400,
  BAD_URL: 400,
  MALFORMED_QUERY: 400,
  GRAPHQL_PARSE_FAILED: 400,
  UNKNOWN_PARAMETER: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ROUTE_NOT_FOUND: 404,
  CLUSTER_NOT_FOUND: 404,
  NODE_NOT_FOUND: 404,
  POD_NOT_FOUND: 404,
  TOKEN_NOT_FOUND: 404,
  ENDPOINT_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
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
  REQUEST_TIMEOUT: 408,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_FAILED: 422,
  HEADERS_TOO_LARGE: 431,
  INVALID_ADDRESS: 422,
  INVALID_PREFIX: 422,
  PREFIX_HOST_BITS_SET: 422,
  FAMILY_MISMATCH: 422,
  INVALID_ENDPOINT: 422,
  RANGE_OVERLAP: 422,
  INTERNAL: 500,
  DATABASE_UNAVAILABLE: 503,
  SERVICE_UNAVAILABLE: 503,
  NOT_READY: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof STATUS;

/** A code some lower layer chose (the core's NetError codes are plain strings), as one of ours. */
export function knownCode(s: string): ErrorCode {
  return Object.hasOwn(STATUS, s) ? (s as ErrorCode) : 'BAD_REQUEST';
}

/** The code for a 4xx status some framework chose itself. */
export function codeForStatus(status: number): ErrorCode {
  const exact: Partial<Record<number, ErrorCode>> = { 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 408: 'REQUEST_TIMEOUT', 413: 'PAYLOAD_TOO_LARGE', 414: 'URI_TOO_LONG', 415: 'UNSUPPORTED_MEDIA_TYPE', 422: 'VALIDATION_FAILED', 431: 'HEADERS_TOO_LARGE' };
  return exact[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly errors?: FieldProblem[];
  /** Extra members of the problem document (e.g. capacity figures). */
  readonly extra?: Record<string, unknown>;

  constructor(code: ErrorCode, detail: string, opts: { errors?: FieldProblem[]; extra?: Record<string, unknown> } = {}) {
    super(detail);
    this.name = 'AppError';
    this.code = code;
    if (opts.errors) this.errors = opts.errors;
    if (opts.extra) this.extra = opts.extra;
  }

  get status(): number {
    return STATUS[this.code];
  }
}

const CONFLICT_DETAIL: Record<StoreConflict['code'], string> = {
  CLUSTER_EXISTS: 'the cluster already exists',
  NODE_EXISTS: 'a node with this name already exists',
  ADDRESS_CONFLICT: 'another node already has this address',
  POD_EXISTS: 'a pod with this namespace/name already exists',
  POD_IP_CONFLICT: 'another pod already has this IP',
  POD_CIDR_CONFLICT: 'the block overlaps another node\'s block',
  TOKEN_EXISTS: 'a token with this name already exists',
  CONCURRENT_UPDATE: 'conflicting concurrent change',
};

/** Normalises anything thrown into an AppError (internal errors keep no detail). */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof StoreConflict) {
    return new AppError(err.code, `${CONFLICT_DETAIL[err.code]}${err.detail ? ` (${err.detail})` : ''}`);
  }
  if (err instanceof NetError) {
    const details = (err as NetError & { details?: Record<string, unknown> }).details;
    return new AppError(knownCode(err.code), err.message, details ? { extra: details } : {});
  }
  if (isDatabaseUnavailable(err)) return new AppError('DATABASE_UNAVAILABLE', 'the database is not reachable; retry later');
  // Input the edge checks should have refused (a NUL byte, an invalid encoding) is still the client's, not a 500.
  const sqlState = (err as { code?: unknown } | null)?.code;
  if (sqlState === '22021' || sqlState === '22P05') return new AppError('BAD_REQUEST', 'the input holds a character the database cannot store (such as NUL)');
  return new AppError('INTERNAL', 'internal error');
}
