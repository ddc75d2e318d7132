// An embedded PostgreSQL for machines without one: the real server binaries
// that ship inside an npm package, run and watched by podnet itself. Used by
// `npm start` and `npm test` when DATABASE_URL is unset.
//
// - A persistent server keeps PostgreSQL's durable defaults (fsync,
//   synchronous_commit, full_page_writes); only throw-away test and benchmark
//   servers turn them off.
// - One podnet owns a state directory at a time (`podnet.pid` in it). A
//   server left running by a podnet that died (kill -9) is stopped before a
//   new one starts on the same data.
// - A server that dies under a running service is started again, and the log
//   says so.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import postgres from 'postgres';
import { placeServer, type Placement } from './embedded-place.js';
import { StartupError } from './startup-error.js';

export interface EmbeddedServer {
  /** URL of the `postgres` maintenance database. */
  adminUrl: string;
  /** URL of the given application database (created if missing). */
  url: string;
  port: number;
  /** The PostgreSQL data directory in use (it may live outside `dir`, see embedded-place.ts). */
  pgdata: string;
  /** The postmaster's PID, or null while it is not running. */
  pid(): number | null;
  stop(): Promise<void>;
  /** Start again after stop() (same data, same port). */
  start(): Promise<void>;
}

export interface EmbeddedLog {
  info(msg: string): void;
  warn(msg: string): void;
}

export interface EmbeddedOptions {
  /** podnet's state directory; the data lives in `<dir>/pg` unless it must live elsewhere. */
  dir: string;
  /** Preferred port; when busy (or 0) a free one is chosen. */
  port: number;
  database: string;
  /** false: a throw-away server (fast, non-durable settings; its data is deleted by stop()). */
  persistent: boolean;
  log?: EmbeddedLog;
}

const USER = 'postgres';
const PASSWORD = 'podnet';
const LOCK_FILE = 'podnet.pid';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const quiet: EmbeddedLog = { info: () => {}, warn: () => {} };

export async function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = opts.log ?? quiet;
  fs.mkdirSync(opts.dir, { recursive: true });
  const release = claimDirectory(opts.dir);
  try {
    const place = placeServer(opts.dir, !opts.persistent);
    if (place.relocated) log.info(`embedded PostgreSQL data in ${place.pgdata} (${place.relocated})`);
    await stopLeftoverServer(place.pgdata, log);
    if (!fs.existsSync(path.join(place.pgdata, 'PG_VERSION'))) await initdb(place, !opts.persistent);
    const port = opts.port !== 0 && (await portIsFree(opts.port)) ? opts.port : await freePort();
    const flags = serverFlags(port, opts.persistent);
    const supervisor = new Supervisor(place, flags, log);
    await supervisor.start();
    const base = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}`;
    try {
      await ensureDatabase(`${base}/postgres`, opts.database);
    } catch (err) {
      await supervisor.stop();
      throw err;
    }
    let released = false;
    return {
      adminUrl: `${base}/postgres`,
      url: `${base}/${opts.database}`,
      port,
      pgdata: place.pgdata,
      pid: () => supervisor.pid(),
      async stop() {
        await supervisor.stop();
        if (released) return;
        released = true;
        if (!opts.persistent) {
          fs.rmSync(place.pgdata, { recursive: true, force: true });
          if (place.scratch) fs.rmSync(place.scratch, { recursive: true, force: true });
        }
        release();
      },
      async start() {
        await supervisor.start();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

/** Settings the server starts with; the persistent one keeps PostgreSQL's durable defaults. */
export function serverFlags(port: number, persistent: boolean): string[] {
  // lc_messages=C: readiness is read off the server's (English) log line.
  const flags = ['-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'lc_messages=C'];
  if (!persistent) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  return flags;
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin`SELECT 1 FROM pg_database WHERE datname = ${database}`;
    if (rows.length === 0) await admin.unsafe(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
}

const claimed = new Set<string>();

/**
 * Makes this process the one podnet that uses `dir`, or explains which one
 * does. A lock left by a podnet that is gone (kill -9) is taken over.
 */
function claimDirectory(dir: string): () => void {
  const real = fs.realpathSync(dir);
  const file = path.join(real, LOCK_FILE);
  if (claimed.has(real)) throw inUse(real, process.pid);
  const holder = readPid(file);
  // The PID's start time, recorded beside it, tells a live podnet from an unrelated process that got its PID later.
  if (holder !== null && holder !== process.pid && isAlive(holder) && sameProcess(holder, readLine(file, 1)) && looksLike(holder, /node|podnet/)) throw inUse(real, holder);
  fs.writeFileSync(file, `${process.pid}\n${startTime(process.pid) ?? ''}\n`);
  claimed.add(real);
  return () => {
    if (!claimed.delete(real)) return;
    if (readPid(file) === process.pid) fs.rmSync(file, { force: true });
  };
}

function inUse(dir: string, pid: number): StartupError {
  return new StartupError(`the embedded database in ${dir} is in use by podnet PID ${pid}`, 'stop that podnet first, or set PODNET_DATA_DIR to another directory');
}

/** Line `n` (from 0) of a small file, trimmed; '' when there is none. */
function readLine(file: string, n: number): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n')[n]?.trim() ?? '';
  } catch {
    return '';
  }
}

/** When `pid` started (clock ticks since boot, /proc/PID/stat field 22), or null off Linux. */
function startTime(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether `pid` is the process whose start time was recorded (an older lock file without one: assume so). */
function sameProcess(pid: number, recorded: string): boolean {
  if (recorded === '') return true;
  const now = startTime(pid);
  return now === null || now === recorded;
}

function readPid(file: string): number | null {
  try {
    const first = fs.readFileSync(file, 'utf8').split('\n')[0]?.trim() ?? '';
    return /^\d+$/.test(first) ? Number(first) : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Guards against a recycled PID: on Linux the command line must match (and hold every one of `args`, when given). */
function looksLike(pid: number, pattern: RegExp, args: string[] = []): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const argv = cmdline.split('\0');
    return pattern.test(cmdline) && args.every((a) => argv.includes(a));
  } catch {
    return !fs.existsSync('/proc/self');
  }
}

/** A postmaster still running on `pgdata` whose podnet is gone: stop it, then go on. */
async function stopLeftoverServer(pgdata: string, log: EmbeddedLog): Promise<void> {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  const pid = readPid(pidFile);
  if (pid === null || !isAlive(pid)) return;
  // Ours was started as `postgres -D <pgdata>`. Any other process that has the PID now (a recycled
  // one, after a reboot) is never signalled; PostgreSQL would not start beside it either.
  if (!looksLike(pid, /postgres/, ['-D', pgdata])) {
    throw new StartupError(
      `${pidFile} names PID ${pid}, which is alive but is not a PostgreSQL on ${pgdata} (a stale file whose PID was reused?)`,
      `if no PostgreSQL runs on ${pgdata}, remove that file and start again`,
    );
  }
  log.warn(`embedded PostgreSQL PID ${pid} was left running on ${pgdata} by a podnet that is gone; stopping it`);
  const steps: [NodeJS.Signals, number][] = [['SIGINT', STOP_TIMEOUT_MS], ['SIGQUIT', 5_000], ['SIGKILL', 5_000]];
  for (const [signal, wait] of steps) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    if (await waitUntil(() => !isAlive(pid), wait)) return;
  }
  throw new StartupError(`PostgreSQL PID ${pid} keeps running on ${pgdata} and does not stop`, `stop it (kill ${pid}), then start podnet again`);
}

async function waitUntil(done: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

function childOptions(place: Placement): SpawnOptions {
  // The child's working directory must be one the server's user can enter.
  const cwd = path.dirname(place.pgdata);
  return { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...(place.runAs ?? {}) };
}

async function initdb(place: Placement, throwaway: boolean): Promise<void> {
  fs.mkdirSync(place.pgdata, { recursive: true, mode: 0o700 });
  const pwfile = path.join(path.dirname(place.pgdata), `.pgpass-${process.pid}`);
  fs.writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  try {
    if (place.runAs) {
      fs.chownSync(place.pgdata, place.runAs.uid, place.runAs.gid);
      fs.chownSync(pwfile, place.runAs.uid, place.runAs.gid);
    }
    const args = ['-D', place.pgdata, '-U', USER, '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-locale'];
    if (throwaway) args.push('--no-sync');
    const { code, output } = await run(place.binaries.initdb, args, childOptions(place));
    if (code !== 0) {
      throw new StartupError(`initdb failed in ${place.pgdata}: ${lastLine(output)}`, 'fix the cause above, or delete that directory to start with an empty database');
    }
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
}

function run(file: string, args: string[], options: SpawnOptions): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, options);
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', (err) => resolve({ code: -1, output: err.message }));
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

function lastLine(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.findLast((l) => /FATAL|ERROR|error|denied|cannot|could not/.test(l)) ?? lines.at(-1) ?? 'no output';
}

const running = new Set<ChildProcess>();
let exitHooked = false;

/**
 * A podnet that exits without closing (an uncaught error, process.exit) asks
 * its servers to stop on the way out rather than leave them running; kill -9
 * cannot be caught, which is what stopLeftoverServer is for.
 */
function track(child: ChildProcess): void {
  if (!exitHooked) process.on('exit', () => running.forEach((c) => c.kill('SIGINT')));
  exitHooked = true;
  running.add(child);
  child.once('exit', () => running.delete(child));
}

/** Runs the postmaster and starts it again if it dies while it should be running. */
class Supervisor {
  private child: ChildProcess | null = null;
  private wanted = false;
  private restarting: Promise<void> | null = null;

  constructor(
    private readonly place: Placement,
    private readonly flags: string[],
    private readonly log: EmbeddedLog,
  ) {}

  pid(): number | null {
    return this.child?.pid ?? null;
  }

  async start(): Promise<void> {
    if (this.wanted) return;
    this.wanted = true;
    try {
      await this.spawnOnce();
    } catch (err) {
      this.wanted = false;
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.wanted = false;
    await this.restarting?.catch(() => {});
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private spawnOnce(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.place.binaries.postgres, ['-D', this.place.pgdata, ...this.flags], childOptions(this.place));
      this.child = child;
      track(child);
      let output = '';
      let ready = false;
      const timer = setTimeout(() => {
        child.kill('SIGQUIT');
        reject(new StartupError(`the embedded PostgreSQL did not start within ${START_TIMEOUT_MS / 1000} s: ${lastLine(output)}`, `see ${this.place.pgdata}`));
      }, START_TIMEOUT_MS);
      child.stderr?.on('data', (c: Buffer) => {
        output = (output + c.toString()).slice(-8192);
        if (!ready && output.includes('database system is ready to accept connections')) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      });
      child.stdout?.resume();
      child.on('error', (err) => {
        clearTimeout(timer);
        reject(new StartupError(`the embedded PostgreSQL could not be run (${err.message})`, 'run npm install again, or set DATABASE_URL'));
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (!ready) {
          reject(new StartupError(`the embedded PostgreSQL exited at start: ${lastLine(output)}`, `see ${this.place.pgdata}, or set DATABASE_URL`));
          return;
        }
        if (this.wanted && this.child === child) this.restarting = this.restart(child.pid, code, signal);
      });
    });
  }

  private async restart(pid: number | undefined, code: number | null, signal: string | null): Promise<void> {
    this.log.warn(`embedded PostgreSQL (PID ${pid}) exited unexpectedly (${signal ?? `code ${code}`}); starting it again`);
    for (let attempt = 0; this.wanted; attempt++) {
      await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 5_000)));
      if (!this.wanted) return;
      try {
        await this.spawnOnce();
        this.log.warn(`embedded PostgreSQL restarted (PID ${this.child?.pid})`);
        return;
      } catch (err) {
        this.log.warn(`embedded PostgreSQL restart failed: ${(err as Error).message}`);
      }
    }
  }
}
