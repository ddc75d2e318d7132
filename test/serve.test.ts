// `podnet serve` as systemd, CI and a person at a terminal see it: a start
// that cannot succeed prints one line on stderr naming the cause and the fix
// (no stack trace) and exits non-zero, well within 30 s.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort } from '../src/store/embedded.js';
import { withDatabase } from '../src/store/db.js';
import { createEmptyDatabase, serverUrl } from './helpers/db.js';
import { removeTestDir, startHolder, stopHolder } from './helpers/processes.js';

const MAIN = new URL('../src/cli/main.ts', import.meta.url).pathname;
const BOUND_MS = 30_000;

interface Exit { code: number | null; stderr: string; stdout: string }

function serve(env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|PODNET_|PORT$|HOST$|LOG_)/.test(k)));
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve'], { env: { ...clean, LOG_LEVEL: 'warn', PODNET_AUTH: 'off', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`podnet serve still running after ${BOUND_MS / 1000} s; stderr: ${stderr}`));
    }, BOUND_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

function assertOneLine(r: Exit, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, `exit status; stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr: ${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr + r.stdout, /^\s+at /m, 'no stack trace');
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-serve-test-'));

describe('podnet serve that cannot start', () => {
  after(() => removeTestDir(tmp));

  test('a database that does not exist', async () => {
    const url = withDatabase(serverUrl(), `podnet_missing_${process.pid}`);
    assertOneLine(await serve({ DATABASE_URL: url }), 1, new RegExp(`^podnet: cannot start: database "podnet_missing_${process.pid}" does not exist .*createdb`));
  });

  test('nothing listening at DATABASE_URL', async () => {
    const port = await freePort();
    assertOneLine(await serve({ DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/podnet` }), 1, new RegExp(`no PostgreSQL is listening at 127\\.0\\.0\\.1:${port}.*DATABASE_URL`));
  });

  test('no Unix-domain socket where DATABASE_URL names one', async () => {
    const dir = path.join(tmp, 'no-socket-here');
    const socket = `${dir}/.s.PGSQL.5432`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assertOneLine(await serve({ DATABASE_URL: `postgresql://postgres@localhost/podnet?host=${encodeURIComponent(dir)}` }), 1,
      new RegExp(`no PostgreSQL socket at ${socket} \\(DATABASE_URL\\)`));
  });

  test('the HTTP port is in use', async (t) => {
    const db = await createEmptyDatabase();
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    t.after(async () => {
      blocker.close();
      await db.drop();
    });
    const port = (blocker.address() as net.AddressInfo).port;
    assertOneLine(await serve({ DATABASE_URL: db.url, PORT: String(port) }), 1, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*set PORT`));
  });

  test('a HOST that does not resolve is named as HOST, not as the database', async (t) => {
    const db = await createEmptyDatabase();
    t.after(() => db.drop());
    assertOneLine(await serve({ DATABASE_URL: db.url, PORT: '0', HOST: 'nosuch.invalid' }), 1, /HOST="nosuch\.invalid" does not resolve.*set HOST/);
  });

  test('PODNET_DATA_DIR where a file is, or under one: one line naming the variable', async () => {
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, 'x');
    for (const dir of [file, path.join(file, 'data')]) {
      assertOneLine(await serve({ PODNET_DATA_DIR: dir, PORT: '0' }), 1, /PODNET_DATA_DIR ".*" cannot be a directory: .* is a file.*set PODNET_DATA_DIR/);
    }
  });

  test('a bad configuration value is a usage error (2) naming the variable', async () => {
    assertOneLine(await serve({ PORT: 'eighty' }), 2, /^podnet: configuration error: PORT="eighty"/);
  });

  test('the embedded data directory is held by a live podnet: its PID and the directory', async () => {
    const dir = path.join(tmp, 'held');
    const h = await startHolder(dir);
    try {
      assertOneLine(await serve({ PODNET_DATA_DIR: dir }), 1, new RegExp(`in use by podnet PID ${h.pid}\\b.*${fs.realpathSync(dir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|${fs.realpathSync(dir).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*PID ${h.pid}\\b`));
    } finally {
      await stopHolder(h);
    }
  });
});
