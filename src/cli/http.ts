// The CLI's HTTP client: global fetch, bearer token, problem+json errors
// turned into typed failures that map onto the exit codes of SPEC §8.

export interface FieldError { path?: string; message?: string }

/** The server answered 4xx: a negative answer (exit 1). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly errors: FieldError[],
    readonly body: unknown,
  ) {
    super(`${code}: ${detail}`);
  }
}

/** The server could not be reached, timed out, or answered 5xx (exit 3). */
export class ServerError extends Error {
  constructor(message: string, readonly status: number | null = null, readonly code: string | null = null) {
    super(message);
  }
}

export interface RequestOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Accept this media type as well as JSON (the route tables' text, the path's SVG): the body comes back as text. */
  accept?: 'text/plain' | 'image/svg+xml';
}

export interface Response<T> {
  status: number;
  body: T;
}

const TIMEOUT_MS = 120_000;
/** Items per page when listing (the server's maximum is higher). */
const PAGE = 1000;

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/** The most telling code/message of a fetch failure (undici nests the cause, sometimes as an AggregateError). */
function describeNetworkError(err: unknown): string {
  const seen = new Set<unknown>();
  let e: unknown = err;
  let fallback = err instanceof Error ? err.message : String(err);
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const x = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown[] };
    if (typeof x.code === 'string' && (NETWORK_CODES.has(x.code) || /^E[A-Z]+$/.test(x.code))) return x.code;
    // TLS to a plain-HTTP server: OpenSSL's multi-line message says less than this does.
    if (typeof x.code === 'string' && /^ERR_SSL_/.test(x.code)) return `TLS failed (${x.code}): does the server speak HTTPS? podnet serves plain HTTP unless a proxy in front of it terminates TLS`;
    if (typeof x.message === 'string' && x.message !== '' && x.message !== 'fetch failed') fallback = x.message;
    e = x.cause ?? (Array.isArray(x.errors) ? x.errors[0] : undefined);
  }
  // One line, whatever the library wrote.
  return fallback.split('\n')[0]!;
}

export class Client {
  constructor(
    readonly baseUrl: string,
    private readonly token: string | null,
  ) {}

  url(path: string, query?: RequestOptions['query']): string {
    const u = new URL(this.baseUrl + path);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<Response<T>> {
    const headers: Record<string, string> = {
      accept: opts.accept ? `${opts.accept}, application/json;q=0.9, application/problem+json;q=0.8` : 'application/json, application/problem+json;q=0.9',
      'user-agent': 'podnet-cli',
    };
    if (this.token !== null) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const url = this.url(path, opts.query);
    let res: globalThis.Response;
    let text: string;
    try {
      res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'follow' });
      text = await res.text();
    } catch (err) {
      const name = (err as { name?: string } | null)?.name;
      const why = name === 'TimeoutError' ? `no answer within ${TIMEOUT_MS / 1000} s` : describeNetworkError(err);
      throw new ServerError(`cannot reach the podnet server at ${this.baseUrl} (${why}); is it running? (PODNET_URL)`);
    }
    const type = res.headers.get('content-type') ?? '';
    const isJson = /\bjson\b/i.test(type);
    let parsed: unknown = text;
    if (isJson && text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (res.ok) throw new ServerError(`${method} ${path}: the server sent malformed JSON (HTTP ${res.status})`, res.status);
        parsed = text;
      }
    }
    if (res.ok) {
      if (!opts.accept && !isJson && text !== '') {
        throw new ServerError(`${method} ${path}: expected JSON from the server, got ${type || 'no content type'} (HTTP ${res.status}); is PODNET_URL a podnet server?`, res.status);
      }
      return { status: res.status, body: (text === '' ? null : parsed) as T };
    }
    const problem = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
    const code = typeof problem?.code === 'string' ? problem.code : `HTTP_${res.status}`;
    let detail: string;
    if (typeof problem?.detail === 'string') detail = problem.detail;
    else if (typeof problem?.message === 'string') detail = problem.message;
    else if (typeof problem?.title === 'string') detail = problem.title;
    else detail = `${res.status} ${res.statusText}${text.trim() ? `: ${text.trim().split('\n')[0]!.slice(0, 200)}` : ''}`;
    if (res.status >= 500) throw new ServerError(`${code}: ${detail}`, res.status, code);
    const errors = Array.isArray(problem?.errors) ? (problem.errors as FieldError[]) : [];
    throw new ApiError(res.status, code, detail, errors, parsed);
  }

  get<T = unknown>(path: string, opts?: RequestOptions) { return this.request<T>('GET', path, opts); }

  /**
   * The items of a paginated list (`{items, total?, nextCursor}`), page by
   * page: all of them, or the first `max`. `total` is the server's count
   * where it gives one, and `more` says whether items were left.
   */
  async list<T>(path: string, query: RequestOptions['query'] = {}, max = Infinity): Promise<{ items: T[]; total: number | null; more: boolean }> {
    const items: T[] = [];
    let cursor: string | undefined;
    let total: number | null = null;
    for (let pages = 0; pages < 100_000; pages++) {
      const limit = Math.min(PAGE, max - items.length);
      const { body } = await this.get<{ items?: T[]; total?: number; nextCursor?: string | null }>(path, { query: { ...query, limit, cursor } });
      items.push(...(body?.items ?? []).slice(0, limit));
      if (typeof body?.total === 'number') total = body.total;
      const next = body?.nextCursor;
      if (!next || next === cursor) return { items, total, more: false };
      if (items.length >= max) return { items, total, more: true };
      cursor = next;
    }
    return { items, total, more: true };
  }
}

/** A path segment, escaped. */
export const seg = (s: string) => encodeURIComponent(s);
