// DATABASE_URL as libpq reads it, for both clients: Prisma's adapter
// (node-postgres) is given the URL as is, postgres.js what postgresJsTarget
// makes of it; they must reach the same server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import { parse as parsePgUrl } from 'pg-connection-string';
import postgres from 'postgres';
import { connectDb } from '../../src/store/db.js';
import { postgresJsTarget } from '../../src/store/db-url.js';
import { serverUrl } from '../helpers/db.js';

test('postgresJsTarget: host and port parameters, sockets, and URLs left as they are', () => {
  const cases: [string, { url: string; path: string | null }][] = [
    ['postgresql://me@localhost/db?host=/var/run/postgresql', { url: 'postgresql://me@localhost/db', path: '/var/run/postgresql/.s.PGSQL.5432' }],
    ['postgresql:///db?host=/run/pg/', { url: 'postgresql://localhost/db', path: '/run/pg/.s.PGSQL.5432' }],
    ['postgres://me:pw@x/db?host=%2Ftmp&port=6543&sslmode=disable', { url: 'postgres://me:pw@x:6543/db?sslmode=disable', path: '/tmp/.s.PGSQL.6543' }],
    ['postgresql://me@%2Fvar%2Frun%2Fpostgresql/db', { url: 'postgresql://me@localhost/db', path: '/var/run/postgresql/.s.PGSQL.5432' }],
    ['postgresql://me@%2Ftmp:5433/db', { url: 'postgresql://me@localhost:5433/db', path: '/tmp/.s.PGSQL.5433' }],
    ['postgresql://me@db.example/db?host=db2.example&port=7000', { url: 'postgresql://me@db2.example:7000/db', path: null }],
    ['postgresql://me@localhost/db?host=::1', { url: 'postgresql://me@[::1]/db', path: null }],
    ['postgresql://me@127.0.0.1:5432/db', { url: 'postgresql://me@127.0.0.1:5432/db', path: null }],
    ['postgresql://me@[::1]:5432/db?sslmode=require', { url: 'postgresql://me@[::1]:5432/db?sslmode=require', path: null }],
    ['postgresql://me@h/db?host=a,b', { url: 'postgresql://me@h/db?host=a,b', path: null }], // a list: not rewritten
    ['postgresql://me@%2Ftmp/db?host=h', { url: 'postgresql://me@%2Ftmp/db?host=h', path: null }], // ambiguous: not rewritten
    ['postgresql://me@%zz/db', { url: 'postgresql://me@%zz/db', path: null }],
    ['not a url', { url: 'not a url', path: null }],
  ];
  for (const [url, want] of cases) assert.deepEqual(postgresJsTarget(url), want, url);
});

test('postgresJsTarget names the server node-postgres names, for every URL it rewrites', () => {
  const urls = [
    'postgresql://me@localhost/db?host=/var/run/postgresql',
    'postgresql:///db?host=/run/pg',
    'postgres://me:pw@x/db?host=%2Ftmp&port=6543&sslmode=disable',
    'postgresql://me@%2Fvar%2Frun%2Fpostgresql/db',
    'postgresql://me@%2Ftmp:5433/db',
    'postgresql://me@db.example/db?host=db2.example&port=7000',
    'postgresql://me@localhost:6000/db?port=7000',
    'postgresql://me@localhost/db?host=::1',
    'postgresql://me@127.0.0.1:5432/db',
  ];
  for (const url of urls) {
    const pg = parsePgUrl(url);
    const t = postgresJsTarget(url);
    const u = new URL(t.url);
    const mine = t.path !== null
      ? { host: t.path.replace(/\/\.s\.PGSQL\.\d+$/, ''), port: /\.s\.PGSQL\.(\d+)$/.exec(t.path)![1] }
      : { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port || '5432' };
    assert.deepEqual(mine, { host: pg.host!.replace(/\/+$/, ''), port: pg.port || '5432' }, url);
    assert.equal(decodeURIComponent(u.pathname.slice(1)), pg.database, `${url}: database`);
  }
});

test('connectDb over a Unix-domain socket: postgres.js and Prisma both reach the test server', async (t) => {
  const server = serverUrl();
  const probe = postgres(server, { max: 1, onnotice: () => {} });
  let dir: string | undefined;
  let port: string;
  let started: string;
  try {
    const [row] = await probe`SELECT current_setting('unix_socket_directories') AS dirs, current_setting('port') AS port, pg_postmaster_start_time()::text AS started`;
    dir = String(row!.dirs).split(',').map((d) => d.trim()).find((d) => d.startsWith('/') && fs.existsSync(`${d}/.s.PGSQL.${row!.port}`));
    port = String(row!.port);
    started = String(row!.started);
  } finally {
    await probe.end();
  }
  if (dir === undefined) {
    // The embedded server of a bare `npm test` listens on TCP only; CI's system PostgreSQL has its socket.
    t.skip('the test server listens on no Unix-domain socket this process can see');
    return;
  }
  const u = new URL(server);
  u.hostname = 'localhost';
  u.port = '';
  u.searchParams.set('host', dir);
  u.searchParams.set('port', port);
  const db = connectDb(u.toString(), { max: 1, connectTimeoutMs: 10_000 });
  try {
    // inet_server_addr() is NULL on a Unix-domain socket; the postmaster's start time names the server.
    const [viaJs] = await db.sql`SELECT inet_server_addr()::text AS addr, current_database() AS db, pg_postmaster_start_time()::text AS started`;
    const [viaPrisma] = await db.prisma.$queryRaw<{ addr: string | null; db: string; started: string }[]>`SELECT inet_server_addr()::text AS addr, current_database() AS db, pg_postmaster_start_time()::text AS started`;
    assert.deepEqual({ ...viaJs }, { addr: null, db: new URL(server).pathname.slice(1) || viaJs!.db, started });
    assert.deepEqual({ ...viaPrisma }, { ...viaJs });
  } finally {
    await db.close();
  }
});
