// The service under test as a child process (bench/server.ts), and what
// /proc says about a process: CPU time, memory, children.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { BENCH_DIR, ROOT, withTimeout } from './util.js';

const DIST = path.join(ROOT, 'dist');

/**
 * What production runs: dist/, compiled by scripts/build.mjs (rebuilt when
 * src/ is newer), and the harness bench/server.ts as plain JavaScript, so no
 * loader hook or tsx transform (keep-names wrappers) runs in the server.
 */
function compiledServer(): string {
  const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error(`scripts/build.mjs failed (exit ${built.status})`);
  const source = fs.readFileSync(path.join(BENCH_DIR, 'server.ts'), 'utf8');
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false },
    fileName: 'server.ts',
  }).outputText;
  const file = path.join(os.tmpdir(), `podnet-bench-server-${process.pid}.mjs`);
  fs.writeFileSync(file, js);
  return file;
}

export interface Child {
  url: string;
  pid: number;
  proc: ChildProcess;
  /** A request over the IPC channel (see bench/server.ts). */
  call<T>(type: string, payload?: object): Promise<T>;
  stop(): Promise<void>;
}

export async function startChild(databaseUrl: string, profiling: boolean, flags: string[]): Promise<Child> {
  // Source maps only when profiling (to map profile positions back to .ts lines): they slow stack traces.
  // --expose-gc: the bench asks for a collection before reading the live heap (between phases, never during one).
  const harness = compiledServer();
  const args = [...flags, ...(profiling ? ['--enable-source-maps'] : []), '--expose-gc', harness];
  const proc = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // MALLOC_TRIM_THRESHOLD_ as `npm start` and the image set it (README, "Memory"); NODE_ENV as
    // the image sets it (the Dockerfile: graphql-js skips its development instanceof checks, Prisma
    // formats errors minimally), unless the caller's environment says otherwise.
    env: { MALLOC_TRIM_THRESHOLD_: '131072', NODE_ENV: 'production', ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', PODNET_BENCH_DIST: DIST },
  });
  const ready = await withTimeout('server start', 60_000, () =>
    new Promise<{ url: string; pid: number }>((resolve, reject) => {
      proc.once('exit', (code, sig) => reject(new Error(`server exited before it was ready (code ${code}, signal ${sig})`)));
      proc.on('message', (m: { type?: string; url?: string; pid?: number }) => {
        if (m.type === 'ready') resolve({ url: m.url!.replace('localhost', '127.0.0.1'), pid: m.pid! });
      });
    }),
  );
  fs.rmSync(harness, { force: true }); // loaded by now
  let lastId = 0;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    url: ready.url,
    pid: ready.pid,
    proc,
    call: <T>(type: string, payload: object = {}) =>
      withTimeout(`server ${type}`, 30_000, () =>
        new Promise<T>((resolve, reject) => {
          const id = ++lastId;
          const on = (m: { type?: string; id?: number; error?: string }) => {
            if (m.type === 'reply' && m.id === id) {
              proc.off('message', on);
              if (m.error) reject(new Error(m.error));
              else resolve(m as T);
            }
          };
          proc.on('message', on);
          proc.send({ ...payload, type, id });
        }),
      ),
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.send({ type: 'stop' });
      const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU time (user + system) a process has used so far, in ms. */
export function cpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11], fields[12]: utime, stime in clock ticks (USER_HZ = 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

/** The kernel's view of a process's memory (kB → MB). */
export function procStatus(pid: number): { rssMb: number; hwmMb: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}
