// The embedded PostgreSQL as `npm start` and `npm test` run it: from a 0700
// directory as root (the postgres OS user cannot enter it, and podnet must
// not change its mode), durable settings on the persistent server only, a
// server orphaned by kill -9 of its podnet, one podnet per directory, and a
// server that dies under a running service started again.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import postgres from 'postgres';
import { startEmbeddedPostgres, type EmbeddedLog } from '../../src/store/embedded.js';
import { StartupError } from '../../src/store/startup-error.js';
import { alive, removeTestDir, startHolder, stopHolder, waitFor } from '../helpers/processes.js';

const isRoot = process.getuid?.() === 0;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-embedded-test-'));

async function settings(url: string): Promise<Record<string, string>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ name: string; setting: string }[]>`
      SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes') ORDER BY name`;
    return Object.fromEntries(rows.map((r) => [r.name, r.setting]));
  } finally {
    await sql.end();
  }
}

describe('embedded PostgreSQL', () => {
  after(() => removeTestDir(tmp));

  // Root is the hard case (the server runs as the postgres OS user, which cannot enter a 0700 directory).
  test(`${isRoot ? 'as root' : 'as a user'}, runs from a 0700 directory without changing its mode; the persistent server is durable`, async () => {
    const closed = fs.mkdtempSync(path.join(tmp, 'home-'));
    assert.equal(fs.statSync(closed).mode & 0o777, 0o700);
    const dir = path.join(closed, '.podnet');
    const pg = await startEmbeddedPostgres({ dir, port: 0, database: 'podnet', persistent: true });
    try {
      assert.deepEqual(await settings(pg.url), { fsync: 'on', full_page_writes: 'on', synchronous_commit: 'on' });
      assert.equal(fs.statSync(closed).mode & 0o777, 0o700, 'the directory keeps its mode');
      if (isRoot) {
        const pointer = JSON.parse(fs.readFileSync(path.join(dir, 'embedded.json'), 'utf8')) as { pgdata: string };
        assert.equal(pointer.pgdata, pg.pgdata, 'where the data lives is recorded in the state directory');
        assert.ok(!pg.pgdata.startsWith(closed), 'the data lives where the postgres user can reach it');
      }
    } finally {
      await pg.stop();
    }
    const again = await startEmbeddedPostgres({ dir, port: 0, database: 'podnet', persistent: true });
    try {
      assert.equal(again.pgdata, pg.pgdata, 'a restart finds the same data');
    } finally {
      await again.stop();
    }
  });

  test('a throw-away server turns durability off and leaves nothing behind', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'throwaway-'));
    const pg = await startEmbeddedPostgres({ dir, port: 0, database: 'x', persistent: false });
    const pgdata = pg.pgdata;
    assert.deepEqual(await settings(pg.url), { fsync: 'off', full_page_writes: 'off', synchronous_commit: 'off' });
    await pg.stop();
    assert.ok(!fs.existsSync(pgdata), `${pgdata} is deleted`);
    assert.deepEqual(fs.readdirSync(dir), [], 'no lock or data left in the directory');
  });

  test('a server orphaned by kill -9 of its podnet is stopped, and the next start is healthy with the data', async () => {
    const dir = path.join(tmp, 'orphan');
    const first = await startHolder(dir);
    const sql = postgres(first.url, { max: 1, onnotice: () => {} });
    await sql`CREATE TABLE kept (v int)`;
    await sql`INSERT INTO kept VALUES (42)`;
    await sql.end();
    first.child.kill('SIGKILL');
    await waitFor('the holder to die', () => (alive(first.pid) ? null : true));
    assert.ok(alive(first.postmaster), 'the postmaster outlives its podnet');
    const warnings: string[] = [];
    const log: EmbeddedLog = { info: () => {}, warn: (m) => warnings.push(m) };
    const pg = await startEmbeddedPostgres({ dir, port: 0, database: 'podnet', persistent: true, log });
    try {
      assert.ok(!alive(first.postmaster), 'the orphan was stopped');
      assert.ok(warnings.some((w) => w.includes(`PID ${first.postmaster}`)), `the log names the orphan: ${warnings.join(' | ')}`);
      const check = postgres(pg.url, { max: 1, onnotice: () => {} });
      assert.deepEqual([...(await check`SELECT v FROM kept`)], [{ v: 42 }]);
      await check.end();
    } finally {
      await pg.stop();
    }
  });

  test('a postmaster.pid naming a live process that is not our PostgreSQL (a reused PID): it is left alone, the start refuses in one line', { skip: !fs.existsSync('/proc/self') }, async () => {
    const dir = path.join(tmp, 'recycled');
    const h = await startHolder(dir);
    const argv = fs.readFileSync(`/proc/${h.postmaster}/cmdline`, 'utf8').split('\0');
    const pgdata = argv[argv.indexOf('-D') + 1]!;
    await stopHolder(h);
    const other = spawn('sleep', ['60'], { argv0: 'postgres-unrelated-helper', stdio: 'ignore' });
    const pidFile = path.join(pgdata, 'postmaster.pid');
    fs.writeFileSync(pidFile, `${other.pid}\n${pgdata}\n`);
    try {
      await assert.rejects(startEmbeddedPostgres({ dir, port: 0, database: 'podnet', persistent: true }), (err: unknown) => {
        assert.ok(err instanceof StartupError, String(err));
        assert.match(err.message, new RegExp(`PID ${other.pid}, which is alive but is not a PostgreSQL on`));
        assert.doesNotMatch(err.message, /\n/);
        return true;
      });
      assert.ok(alive(other.pid!), 'the unrelated process was not signalled');
    } finally {
      other.kill('SIGKILL');
      fs.rmSync(pidFile, { force: true });
    }
    // With the stale file gone, the directory starts as before, its data intact.
    const pg = await startEmbeddedPostgres({ dir, port: 0, database: 'podnet', persistent: true });
    await pg.stop();
  });

  test('while a live podnet holds the directory, another start refuses in one line naming its PID and the directory', async () => {
    const dir = path.join(tmp, 'held');
    const h = await startHolder(dir);
    try {
      await assert.rejects(startEmbeddedPostgres({ dir, port: 0, database: 'podnet', persistent: true }), (err: unknown) => {
        assert.ok(err instanceof StartupError, String(err));
        assert.match(err.message, new RegExp(`PID ${h.pid}\\b`));
        assert.ok(err.message.includes(fs.realpathSync(dir)), err.message);
        assert.doesNotMatch(err.message, /\n/);
        return true;
      });
      assert.ok(alive(h.postmaster), "the holder's server is left alone");
    } finally {
      await stopHolder(h);
    }
  });

  test('a server that dies under a running service is started again, and the log says so', async () => {
    const warnings: string[] = [];
    const log: EmbeddedLog = { info: () => {}, warn: (m) => warnings.push(m) };
    const pg = await startEmbeddedPostgres({ dir: path.join(tmp, 'dies'), port: 0, database: 'podnet', persistent: true, log });
    try {
      const before = pg.pid()!;
      process.kill(before, 'SIGKILL');
      const after = await waitFor('a new postmaster', () => {
        const p = pg.pid();
        return p !== null && p !== before && warnings.some((w) => /restarted/.test(w)) ? p : null;
      }, 30_000);
      assert.ok(alive(after));
      assert.ok(warnings.some((w) => w.includes(`PID ${before}`) && /exited unexpectedly/.test(w)), warnings.join(' | '));
      const sql = postgres(pg.url, { max: 1, onnotice: () => {} });
      assert.deepEqual([...(await sql`SELECT 1 AS one`)], [{ one: 1 }]);
      await sql.end();
    } finally {
      await pg.stop();
    }
  });
});
