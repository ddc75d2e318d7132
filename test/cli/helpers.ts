// Running the podnet CLI in tests: as a child process (as CI would run it)
// or in this process with captured output, and reading what it writes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { runClient } from '../../src/cli/run.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = path.join(ROOT, 'src/cli/main.ts');

export interface Run { code: number | null; stdout: string; stderr: string }

// Each child loads tsx: a CPU-heavy second. Run a few at a time.
const MAX_CHILDREN = Math.max(4, Math.min(8, os.availableParallelism()));
let running = 0;
const waiting: (() => void)[] = [];
async function slot(): Promise<() => void> {
  if (running >= MAX_CHILDREN) await new Promise<void>((r) => waiting.push(r));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/**
 * `podnet ARGS` in a child process. `env` adds variables; `killAfterMs` ends a
 * child that is still running then (a command that should not have started a
 * server), reported as its exit.
 */
export async function podnet(args: string[], opts: { url: string; token?: string; input?: string; env?: Record<string, string>; killAfterMs?: number }): Promise<Run> {
  const release = await slot();
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, PODNET_URL: opts.url };
    delete env.PODNET_TOKEN;
    delete env.FORCE_COLOR;
    if (opts.token !== undefined) env.PODNET_TOKEN = opts.token;
    Object.assign(env, opts.env);
    return await new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
        cwd: ROOT, env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
      const timer = opts.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      if (opts.input !== undefined) child.stdin!.end(opts.input);
    });
  } finally {
    release();
  }
}

/**
 * The same command run in this process (runClient with captured output):
 * for the many variations that need no separate process, as each child
 * costs a second of CPU loading tsx.
 */
export async function inProcess(args: string[], opts: { url: string; token?: string }): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const config = loadConfig({ PODNET_URL: opts.url, ...(opts.token !== undefined ? { PODNET_TOKEN: opts.token } : {}) });
  const code = await runClient(args, config, { out: (x) => { stdout += x; }, err: (x) => { stderr += x; } });
  return { code, stdout, stderr };
}

/** Asserts the exit code, showing the child's output when it differs. */
export function expectCode(r: Run, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: exit ${r.code}, expected ${code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at .+:\d+:\d+/, `${what}: a stack trace on stderr\n${r.stderr}`);
}

/** A minimal XML reader: checks that tags balance and returns the elements with their attributes. */
export function readXml(xml: string): { name: string; attrs: Record<string, string>; text: string }[] {
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n/);
  const body = xml.replace(/^<\?xml[^>]*\?>/, '');
  const decode = (s: string) => s.replace(/&(lt|gt|amp|quot|apos|#\d+);/g, (_, e: string) =>
    e.startsWith('#') ? String.fromCharCode(Number(e.slice(1))) : ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[e]!);
  assert.doesNotMatch(body.replace(/&(lt|gt|amp|quot|apos|#\d+);/g, ''), /&/, 'unescaped &');
  const elements: { name: string; attrs: Record<string, string>; text: string }[] = [];
  const stack: { name: string; start: number; el: { text: string } }[] = [];
  const tag = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  for (let m = tag.exec(body); m; m = tag.exec(body)) {
    assert.doesNotMatch(body.slice(last, m.index), /[<>]/, `stray markup before ${m[0]}`);
    last = m.index + m[0].length;
    const [, close, name, attrText, selfClose] = m;
    if (close) {
      const open = stack.pop();
      assert.equal(open?.name, name, `</${name}> closes <${open?.name}>`);
      open!.el.text = decode(body.slice(open!.start, m.index));
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText!.matchAll(/([\w.-]+)="([^"]*)"/g)) attrs[a[1]!] = decode(a[2]!);
    const el = { name: name!, attrs, text: '' };
    elements.push(el);
    if (!selfClose) stack.push({ name: name!, start: last, el });
  }
  assert.equal(stack.length, 0, `unclosed: ${stack.map((s) => s.name).join(', ')}`);
  assert.doesNotMatch(body.slice(last), /[<>]/);
  return elements;
}

export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address() as net.AddressInfo;
  return `http://127.0.0.1:${addr.port}`;
}

export interface SeenRequest { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }
export interface FakeAnswer { status: number; type?: string; body?: string }

/**
 * A tiny HTTP server standing in for podnet where a test needs an answer the
 * real server cannot give (a 5xx) or exercises only the client's side.
 */
export async function fakeServer(answer: (req: SeenRequest) => FakeAnswer): Promise<{ url: string; seen: SeenRequest[]; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => {
      const r: SeenRequest = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(r);
      const a = answer(r);
      res.writeHead(a.status, a.type ? { 'content-type': a.type } : {});
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  return { url, seen, close: () => new Promise((r) => server.close(() => r())) };
}

export const jsonAnswer = (status: number, value: unknown, type = 'application/json'): FakeAnswer => ({ status, type, body: JSON.stringify(value) });

/**
 * The service's timeouts for CLI tests: these spawn many processes on a
 * shared machine, and what they check is the CLI, not how slow a client may be.
 */
export const PATIENT_SERVER = { PODNET_REQUEST_TIMEOUT_MS: '120000', PODNET_HEADERS_TIMEOUT_MS: '120000', PODNET_DB_TIMEOUT_MS: '60000' };
