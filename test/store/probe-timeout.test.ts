// The version probe on a database that stopped answering: bounded by
// PODNET_DB_TIMEOUT_MS and classified as the database being unavailable
// (503), where a connection already open had no timeout at all.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Db } from '../../src/store/db.js';
import { ClusterStore } from '../../src/store/clusters.js';
import { isDatabaseUnavailable } from '../../src/store/failures.js';

/** A postgres.js stand-in whose queries never answer (a server stopped with SIGSTOP). */
const hung = { sql: () => new Promise(() => {}) } as unknown as Db;
const answering = { sql: async () => [{ id: 1, version: 7n }] } as unknown as Db;

test('a probe that gets no answer fails within the timeout, as the database being unavailable', async () => {
  const store = new ClusterStore(hung, { probeTimeoutMs: 150 });
  const t0 = performance.now();
  const err = await store.version('c').then(() => null, (e: unknown) => e);
  const took = performance.now() - t0;
  assert.ok(err instanceof Error, 'it fails');
  assert.ok(isDatabaseUnavailable(err), String(err));
  assert.ok(took >= 140 && took < 2000, `after ${took.toFixed(0)} ms`);
});

test('an answering database is read as before', async () => {
  assert.deepEqual(await new ClusterStore(answering, { probeTimeoutMs: 150 }).version('c'), { id: 1, version: 7n });
});
