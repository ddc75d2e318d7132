// A write's result must not outlive its use. postgres.js keeps the last
// transaction's result reachable from the connection until that connection's
// next transaction; an apply's result holds its plan (a copy of every pod), so
// at k8s-5k size 70 MB stayed alive after every apply. Checked with a WeakRef
// and a forced full collection.
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, test } from 'node:test';
import { ClusterStore } from '../../src/store/clusters.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let t: TestDatabase;
before(async () => {
  t = await freshDatabase();
});
after(() => t.drop());

async function unreachableAfter(write: () => Promise<object>): Promise<boolean> {
  let ref: WeakRef<object> | null = null;
  await (async () => {
    ref = new WeakRef(await write());
  })();
  // Let the transaction's promise chain settle, then collect.
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return ref!.deref() === undefined;
}

// Both write paths: postgres.js transactions (applies) and Prisma's (row writes).
for (const kind of ['bulkWrite', 'rowWrite'] as const) {
  test(`a ${kind} result is unreachable once the caller drops it`, async () => {
    const store = new ClusterStore(t.db);
    const write = () => (store[kind].bind(store) as ClusterStore['rowWrite'])('retained', async (_w, record) => {
      assert.equal(record, null);
      return { plan: new Array(1000).fill('x') };
    });
    assert.ok(await unreachableAfter(write), `the ${kind} result is still reachable after the write`);
  });
}
