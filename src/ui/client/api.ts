// podnet's API from the browser: the bearer token kept in sessionStorage
// (asked for once per tab), problem+json errors as ApiError, pages walked by
// cursor. Only the service's own origin is ever contacted.
import type { Page, Problem } from './types.js';

const TOKEN_KEY = 'podnet.token';

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
  get status(): number { return this.problem.status; }
  get code(): string { return this.problem.code ?? `HTTP_${this.problem.status}`; }
}

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string): void => sessionStorage.setItem(TOKEN_KEY, t),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

/** Called when the server answers 401: the console asks for a token again. */
let onUnauthorized: () => void = () => {};
export function whenUnauthorized(f: () => void): void {
  onUnauthorized = f;
}

async function request(path: string, init: RequestInit & { signal?: AbortSignal }, withToken = token.get()): Promise<Response> {
  const headers = new Headers(init.headers);
  if (withToken) headers.set('authorization', `Bearer ${withToken}`);
  const res = await fetch(path, { ...init, headers });
  if (res.ok) return res;
  let problem: Problem = { status: res.status };
  try {
    problem = { ...(await res.json()), status: res.status };
  } catch {
    // not problem+json (a proxy's page): the status says enough
  }
  if (res.status === 401) onUnauthorized();
  throw new ApiError(problem);
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return (await request(path, { signal, headers: { accept: 'application/json' } })).json() as Promise<T>;
}

export async function getText(path: string, signal?: AbortSignal, accept = 'text/plain'): Promise<string> {
  return (await request(path, { signal, headers: { accept } })).text();
}

export interface Session { auth: boolean; valid: boolean; scope: string | null }

/**
 * Whether the service wants a token, and whether `candidate` is one it
 * accepts. Always a 200, so a wrong token is an answer, not a failed request.
 */
export async function session(candidate: string | null): Promise<Session> {
  return (await request('/ui/session', { headers: { accept: 'application/json' } }, candidate)).json() as Promise<Session>;
}

export async function graphql<T>(query: string, variables: Record<string, unknown>, signal?: AbortSignal): Promise<T> {
  const res = await request('/graphql', { method: 'POST', signal, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  const first = body.errors?.[0];
  if (first) throw new ApiError({ status: 200, code: first.extensions?.code, detail: first.message });
  return body.data as T;
}

/** `path` with its query string; undefined values are left out. */
export function url(path: string, query: Record<string, string | number | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export const enc = encodeURIComponent;

/**
 * Every page of a paginated list, `onPage` called as each arrives (so big
 * lists render progressively). `path` may carry the cursor to start from.
 */
export async function eachPage<T>(path: string, limit: number, onPage: (items: T[], page: Page<T>) => void, signal?: AbortSignal): Promise<void> {
  const [bare, query] = path.split('?') as [string, string | undefined];
  let cursor = new URLSearchParams(query ?? '').get('cursor') ?? undefined;
  path = bare;
  do {
    const page = await getJson<Page<T>>(url(path, { limit, cursor }), signal);
    onPage(page.items, page);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
