// DATABASE_URL naming a Unix-domain socket, the libpq way: both clients
// (postgres.js and Prisma's node-postgres adapter) must reach the same server.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { test } from 'node:test';
import postgres from 'postgres';
import { connectDb } from '../../src/store/db.js';
import { unixSocketOf } from '../../src/store/db-url.js';
import { serverUrl } from '../helpers/db.js';

test('unixSocketOf: the libpq socket forms, and nothing else', () => {
  const cases: [string, { url: string; path: string } | null][] = [
    ['postgresql://me@localhost/db?host=/var/run/postgresql', { url: 'postgresql://me@localhost/db', path: '/var/run/postgresql/.s.PGSQL.5432' }],
    ['postgresql:///db?host=/run/pg/', { url: 'postgresql:///db', path: '/run/pg/.s.PGSQL.5432' }],
    ['postgres://me:pw@x/db?host=%2Ftmp&port=6543&sslmode=disable', { url: 'postgres://me:pw@x/db?sslmode=disable', path: '/tmp/.s.PGSQL.6543' }],
    ['postgresql://me@%2Fvar%2Frun%2Fpostgresql/db', { url: 'postgresql://me@localhost/db', path: '/var/run/postgresql/.s.PGSQL.5432' }],
    ['postgresql://me@%2Ftmp:5433/db', { url: 'postgresql://me@localhost:5433/db', path: '/tmp/.s.PGSQL.5433' }],
    ['postgresql://me@127.0.0.1:5432/db', null],
    ['postgresql://me@db.example/db?host=db2.example', null], // a host name, not a directory
    ['postgresql://me@%zz/db', null], // not decodable: left to the clients to refuse
    ['not a url', null],
  ];
  for (const [url, want] of cases) assert.deepEqual(unixSocketOf(url), want, url);
});

test('connectDb over a Unix-domain socket: postgres.js and Prisma both reach the server', async (t) => {
  const server = serverUrl();
  const probe = postgres(server, { max: 1, onnotice: () => {} });
  let dir: string | undefined;
  let port: string;
  try {
    const [row] = await probe`SELECT current_setting('unix_socket_directories') AS dirs, current_setting('port') AS port`;
    dir = String(row!.dirs).split(',').map((d) => d.trim()).find((d) => d.startsWith('/') && fs.existsSync(`${d}/.s.PGSQL.${row!.port}`));
    port = String(row!.port);
  } finally {
    await probe.end();
  }
  if (dir === undefined) {
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
    // inet_server_addr() is NULL on a Unix-domain socket connection.
    const [viaJs] = await db.sql`SELECT inet_server_addr() AS addr, current_database() AS db`;
    assert.equal(viaJs!.addr, null);
    const viaPrisma = await db.prisma.$queryRaw<{ addr: string | null; db: string }[]>`SELECT inet_server_addr()::text AS addr, current_database() AS db`;
    assert.equal(viaPrisma[0]!.addr, null);
    assert.equal(viaPrisma[0]!.db, viaJs!.db);
  } finally {
    await db.close();
  }
});
