// A podnet-like process that holds an embedded PostgreSQL on the directory
// given as its argument and prints `{"pid":…,"postmaster":…}` once it is up;
// the orphaned-server tests kill it with SIGKILL.
import { startEmbeddedPostgres } from '../../src/store/embedded.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: embedded-child.ts DIR');
const pg = await startEmbeddedPostgres({ dir, port: 0, database: 'podnet', persistent: true });
process.stdout.write(`${JSON.stringify({ pid: process.pid, postmaster: pg.pid(), url: pg.url })}\n`);
setInterval(() => {}, 60_000);
