// YAML request bodies are parsed in one worker thread, one document at a
// time: the yaml library is slow (seconds per MB) and recursive, so a hostile
// document parsed on the main thread could block every other request or run
// the process out of memory. In the worker it can only fail: past its time or
// heap budget the worker is terminated (and replaced), and the request is a
// 4xx. The worker also refuses what a definition never needs: tags other than
// the core schema's own (`!foo`, `!!python/…`, verbatim `!<…>`, %TAG
// directives), documents nested deeper than maxDepth, and NUL characters.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { AppError } from '../service/errors.js';

export interface YamlLimits {
  maxDepth: number;
  /** Past this a document is refused as too complex (default 10 s). */
  timeoutMs?: number;
  /** The worker's heap (default 512 MB). */
  heapMb?: number;
}

interface Job { text: string; resolve(v: unknown): void; reject(e: Error): void }
type Reply = { ok: true; value: unknown } | { ok: false; message: string };

export class YamlParser {
  private worker: Worker | null = null;
  private readonly queue: Job[] = [];
  private current: { job: Job; timer: NodeJS.Timeout } | null = null;
  private closed = false;

  constructor(private readonly limits: YamlLimits) {}

  /** The document as plain JSON values; AppError MALFORMED_BODY (400) or PAYLOAD_TOO_LARGE (413) when refused. */
  parse(text: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ text, resolve, reject });
      this.next();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new AppError('SERVICE_UNAVAILABLE', 'the service is shutting down'));
    await this.worker?.terminate();
    this.worker = null;
  }

  private next(): void {
    if (this.current || this.closed) return;
    const job = this.queue.shift();
    if (!job) return;
    const worker = this.spawn();
    const timer = setTimeout(() => this.abandon(new AppError('PAYLOAD_TOO_LARGE', `the YAML body took longer than ${this.timeoutMs / 1000} s to parse; send it as JSON`)), this.timeoutMs);
    this.current = { job, timer };
    worker.postMessage(job.text);
  }

  private get timeoutMs(): number {
    return this.limits.timeoutMs ?? 10_000;
  }

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const yamlPath = createRequire(import.meta.url).resolve('yaml');
    const source = `var __name = (f) => f;\n(${yamlWorkerMain.toString()})(${JSON.stringify(yamlPath)}, ${this.limits.maxDepth});`;
    const worker = new Worker(source, { eval: true, resourceLimits: { maxOldGenerationSizeMb: this.limits.heapMb ?? 512 } });
    worker.unref();
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (err: Error & { code?: string }) => {
      const outOfMemory = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.abandon(new AppError(outOfMemory ? 'PAYLOAD_TOO_LARGE' : 'MALFORMED_BODY', outOfMemory
        ? 'the YAML body needs more memory to parse than a request may use; send it as JSON'
        : `the YAML body does not parse: ${err.message}`));
    });
    // Only an exit nobody asked for concerns the current document (abandon() detaches first).
    worker.on('exit', () => {
      if (this.worker === worker) this.abandon(new AppError('MALFORMED_BODY', 'the YAML body could not be parsed'));
    });
    this.worker = worker;
    return worker;
  }

  private settle(reply: Reply): void {
    const cur = this.current;
    if (!cur) return;
    clearTimeout(cur.timer);
    this.current = null;
    if (reply.ok) cur.job.resolve(reply.value);
    else cur.job.reject(new AppError('MALFORMED_BODY', reply.message));
    this.next();
  }

  /** The current document failed the worker: refuse it and start afresh for the next one. */
  private abandon(err: AppError): void {
    const cur = this.current;
    const worker = this.worker;
    this.worker = null;
    this.current = null;
    if (cur) {
      clearTimeout(cur.timer);
      cur.job.reject(err);
    }
    void worker?.terminate();
    this.next();
  }
}

/**
 * The worker's whole program; it runs from its source text (eval), so it
 * uses nothing but its arguments and `require`. Replies one message per
 * document: {ok, value} or {ok: false, message}.
 */
function yamlWorkerMain(yamlPath: string, maxDepth: number): void {
  /* eslint-disable @typescript-eslint/no-require-imports -- an eval'd worker is CommonJS: require is its only loader */
  const { parentPort } = require('node:worker_threads') as typeof import('node:worker_threads');
  const YAML = require(yamlPath) as typeof import('yaml');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const CORE_TAGS = new Set(['!!str', '!!int', '!!float', '!!bool', '!!null', '!!map', '!!seq']);
  const refuse = (message: string): never => { throw new Error(message); };

  // Before the composer (which recurses) runs: tags, directives and flow nesting, from the lexer's tokens.
  const screen = (text: string): void => {
    let flow = 0;
    let scalarNext = false;
    for (const tok of new YAML.Lexer().lex(text)) {
      const c = tok.charCodeAt(0);
      if (scalarNext) { scalarNext = false; continue; }
      if (tok === '\u001f') scalarNext = true;
      else if (c === 0x21 && !CORE_TAGS.has(tok)) refuse(`the YAML tag ${JSON.stringify(tok.slice(0, 40))} is not accepted: only plain YAML (core schema) is`);
      else if (c === 0x25 && tok.startsWith('%TAG')) refuse('%TAG directives are not accepted');
      else if (tok === '[' || tok === '{') {
        if (++flow > maxDepth) refuse(`the body nests deeper than ${maxDepth} levels`);
      } else if (tok === ']' || tok === '}') flow--;
    }
  };

  // After: depth of block nesting, and NUL characters, over the plain values (iteratively).
  const check = (root: unknown): void => {
    const stack: [unknown, number][] = [[root, 0]];
    while (stack.length > 0) {
      const [v, d] = stack.pop()!;
      if (typeof v === 'string') {
        if (v.includes('\u0000')) refuse('the body contains a NUL character');
      } else if (v !== null && typeof v === 'object') {
        if (d >= maxDepth) refuse(`the body nests deeper than ${maxDepth} levels`);
        for (const [k, x] of Object.entries(v)) {
          if (k.includes('\u0000')) refuse('the body contains a NUL character');
          stack.push([x, d + 1]);
        }
      }
    }
  };

  parentPort!.on('message', (text: string) => {
    try {
      screen(text);
      const doc = YAML.parseDocument(text, { uniqueKeys: true, prettyErrors: false });
      const problem = doc.errors[0] ?? doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
      if (problem) refuse(problem.message.split('\n')[0]!);
      const value: unknown = doc.toJS({ maxAliasCount: 100 });
      check(value);
      parentPort!.postMessage({ ok: true, value });
    } catch (err) {
      const e = err as Error;
      const message = e instanceof RangeError ? `the body nests deeper than ${maxDepth} levels` : e.message.split('\n')[0];
      parentPort!.postMessage({ ok: false, message: `the YAML body does not parse: ${message}` });
    }
  });
}
