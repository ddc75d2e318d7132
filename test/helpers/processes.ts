// Child processes for the tests of start, crash and exit behaviour.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { deleteStateDir, POINTER_FILE } from '../../src/store/embedded-place.js';

const HOLDER = new URL('./embedded-child.ts', import.meta.url).pathname;

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null> | T | null, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface Holder {
  child: ChildProcess;
  /** The holding process (a stand-in for a podnet). */
  pid: number;
  /** Its embedded server's postmaster. */
  postmaster: number;
  url: string;
}

/** A separate process that holds an embedded PostgreSQL on `dir` (test/helpers/embedded-child.ts). */
export async function startHolder(dir: string): Promise<Holder> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  const line = await waitFor('the holder to start', () => (out.includes('\n') ? out.split('\n')[0]! : null), 60_000);
  return { child, ...(JSON.parse(line) as { pid: number; postmaster: number; url: string }) };
}

/** Stops a holder and its server (the holder has no signal handler, as podnet serve has). */
export async function stopHolder(h: Holder): Promise<void> {
  h.child.kill('SIGKILL');
  if (alive(h.postmaster)) process.kill(h.postmaster, 'SIGINT');
  await waitFor("the holder's server to stop", () => (alive(h.postmaster) ? null : true));
}

/** Deletes a test's temporary folder and the embedded data any state directory in it points to. */
export function removeTestDir(root: string): void {
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (fs.existsSync(path.join(p, POINTER_FILE))) deleteStateDir(p);
      else walk(p);
    }
  };
  if (fs.existsSync(root)) walk(root);
  fs.rmSync(root, { recursive: true, force: true });
}
