// `npm test`'s runner: every test file under test/ with Node's test runner.
// Uses the PostgreSQL server named by DATABASE_URL (each test file creates
// and drops its own database there); without it, starts an embedded
// PostgreSQL in a temporary folder for the run.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedServer } from '../src/store/embedded.js';

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findTests(p));
    else if (e.name.endsWith('.test.ts')) out.push(p);
  }
  return out.sort();
}

const filter = process.argv.slice(2);
const files = findTests('test').filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)));
let embedded: EmbeddedServer | null = null;
let dir: string | null = null;
const env = { ...process.env };
if (!env.DATABASE_URL) {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-test-pg-'));
  embedded = await startEmbeddedPostgres({ dir, port: 0, database: 'podnet_test', persistent: false });
  env.DATABASE_URL = embedded.adminUrl;
  console.log(`# embedded PostgreSQL on port ${embedded.port} (DATABASE_URL unset)`);
}
const code = await new Promise<number>((resolve) => {
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], { env, stdio: 'inherit' });
  child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
});
await embedded?.stop();
if (dir) fs.rmSync(dir, { recursive: true, force: true });
process.exit(code);
