// Small helpers of the benchmark: time, timeouts, percentiles, one HTTP
// request as a client makes it, and the commit being measured.
import fs from 'node:fs';
import nodeHttp from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(BENCH_DIR, '..');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const now = (): number => performance.now();

export async function withTimeout<T>(what: string, ms: number, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${(ms / 1000).toFixed(0)} s`)), ms);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

export function stats(xs: readonly number[]): { n: number; min: number; p50: number; p90: number; max: number; mean: number } {
  return {
    n: xs.length,
    min: Math.min(...xs),
    p50: quantile(xs, 0.5),
    p90: quantile(xs, 0.9),
    max: Math.max(...xs),
    mean: xs.reduce((a, b) => a + b, 0) / xs.length,
  };
}

export interface HttpResult { status: number; readonly text: string; ms: number; bytes: number }

// Kept-alive connections, as fetch keeps them (idle sockets do not hold the process).
const agent = new nodeHttp.Agent({ keepAlive: true });

/**
 * One request as a client makes it: wall time from send to the last byte of
 * the body. node:http, not fetch: fetch hands the body over through web
 * streams, ~10 ms of the bench's own CPU for a 1.5 MiB route table on these
 * 2 cores (p50 19 ms with fetch against 7 ms with node:http for the same
 * answers), time the service does not spend. The text is decoded when asked for.
 */
export function http(base: string, method: string, url: string, body: string | null, timeoutMs: number): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const headers = body === null ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = nodeHttp.request(base + url, { method, agent, headers, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const ms = now() - t0;
        const buf = Buffer.concat(chunks);
        let text: string | null = null;
        resolve({ status: res.statusCode ?? 0, ms, bytes: buf.length, get text() { return (text ??= buf.toString('utf8')); } });
      });
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

export function expectStatus(r: HttpResult, want: number[], what: string): void {
  if (!want.includes(r.status)) throw new Error(`${what}: HTTP ${r.status} (wanted ${want.join('/')}): ${r.text.slice(0, 400)}`);
}

/** HEAD's commit id, read from the files under .git (no git command is run). */
export function headCommit(): string | null {
  try {
    let gitDir = path.join(ROOT, '.git');
    // A worktree's .git is a file naming its git dir.
    if (fs.statSync(gitDir).isFile()) gitDir = fs.readFileSync(gitDir, 'utf8').trim().replace(/^gitdir: /, '');
    const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return head;
    const ref = head.slice(5);
    const common = fs.existsSync(path.join(gitDir, 'commondir')) ? path.resolve(gitDir, fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim()) : gitDir;
    for (const dir of [gitDir, common]) {
      const loose = path.join(dir, ref);
      if (fs.existsSync(loose)) return fs.readFileSync(loose, 'utf8').trim();
    }
    const packed = fs.readFileSync(path.join(common, 'packed-refs'), 'utf8');
    return packed.split('\n').find((l) => l.endsWith(` ${ref}`))?.split(' ')[0] ?? null;
  } catch {
    return null;
  }
}
