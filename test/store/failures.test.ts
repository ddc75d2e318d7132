// What counts as "the database is not reachable right now" (a 503 that was
// not applied), in the shapes each client raises it; anything else stays an
// error of its own (a 409 for a constraint, a 500 for a bug).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import postgres from 'postgres';
import { isDatabaseUnavailable, rolledBack } from '../../src/store/failures.js';
import { StoreConflict } from '../../src/store/records.js';

/** A Prisma Client error as the pg adapter wraps a driver failure. */
const prisma = (code: string, cause: Record<string, unknown>, message = 'Invalid `tx.node.create()` invocation') =>
  Object.assign(new Error(message), { code, meta: { driverAdapterError: { cause } } });

test('a server that went away is unavailable, however the client says it', () => {
  const down: [string, unknown][] = [
    ['postgres.js: refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['postgres.js: closed mid-query', Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' })],
    ['PostgreSQL: shutting down', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['adapter: socket reset', prisma('P2010', { kind: 'ConnectionClosed' })],
    ['adapter: not reachable', prisma('P2010', { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 })],
    ['adapter: a PostgreSQL code', prisma('P2010', { kind: 'postgres', originalCode: '57P01', originalMessage: 'terminating connection due to administrator command' })],
    ['Prisma: server closed', prisma('P1017', {})],
    ['Prisma: the transaction lost its connection', Object.assign(new Error('Transaction API error: Transaction already closed'), { code: 'P2028' })],
    ['pg: client unusable after an error', new Error('Client has encountered a connection error and is not queryable')],
    ['postgres.js: no socket file', Object.assign(new Error('connect ENOENT /var/run/postgresql/.s.PGSQL.5432'), { code: 'ENOENT', syscall: 'connect' })],
    ['wrapped in a cause', new Error('apply failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) })],
  ];
  for (const [what, err] of down) assert.equal(isDatabaseUnavailable(err), true, what);
});

test('a constraint, a bug or a bad input is not an outage', () => {
  const up: [string, unknown][] = [
    ['unique violation', prisma('P2002', { kind: 'UniqueConstraintViolation', originalCode: '23505', originalMessage: 'duplicate key value violates unique constraint "node_cluster_id_name_key"' })],
    ['exclusion violation', Object.assign(new Error('conflicting key value violates exclusion constraint'), { code: '23P01' })],
    ['NUL in text', Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' })],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a file that is not there', Object.assign(new Error("ENOENT: no such file or directory, open '/etc/podnet/x.yaml'"), { code: 'ENOENT', syscall: 'open' })],
    ['not an object', 'ECONNREFUSED'],
    ['null', null],
  ];
  for (const [what, err] of up) assert.equal(isDatabaseUnavailable(err), false, what);
});

test('a failed write whose rollback is certain, and one whose outcome is unknown (solo reads stop trusting on those)', () => {
  const pgError = (code: string, message: string) => Object.assign(Object.create(postgres.PostgresError.prototype) as Error, { name: 'PostgresError', message, code });
  const known: [string, unknown][] = [
    ['a PostgreSQL statement error', pgError('23P01', 'conflicting key value violates exclusion constraint')],
    ['a serialization failure at COMMIT', pgError('40001', 'could not serialize access')],
    ['adapter: a unique violation', prisma('P2002', { kind: 'UniqueConstraintViolation', originalCode: '23505', originalMessage: 'duplicate key value violates unique constraint "node_cluster_id_name_key"' })],
    ['a conflict', new StoreConflict('CONCURRENT_UPDATE', 'x', null)],
    ['a refusal thrown inside the transaction', Object.assign(new Error('node "x" does not exist'), { name: 'AppError' })],
  ];
  for (const [what, err] of known) assert.equal(rolledBack(err), true, what);
  const unknown: [string, unknown][] = [
    ['postgres.js: closed mid-query', Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' })],
    ['a reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a deadline', Object.assign(new Error('the database did not answer within 4000 ms'), { code: 'ETIMEDOUT' })],
    ['PostgreSQL: shutting down', pgError('57P01', 'terminating connection due to administrator command')],
    ['adapter: socket reset', prisma('P2010', { kind: 'ConnectionClosed' })],
    ['adapter: no code', prisma('P2010', { kind: 'SomethingNew' })],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['not an object', 'lost'],
  ];
  for (const [what, err] of unknown) assert.equal(rolledBack(err), false, what);
});
