// Answers written once per event-loop turn (src/api/coalesce.ts): every
// answer of one turn waits on one shared promise, released in that turn's
// check phase, after the immediates already queued.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { endOfTurn } from '../../src/api/coalesce.js';

const turnOver = () => new Promise<void>((resolve) => setImmediate(resolve));

test('the answers of one turn share one release; the next turn gets its own', async () => {
  const a = endOfTurn();
  const b = endOfTurn();
  assert.equal(a, b);
  await a;
  const c = endOfTurn();
  assert.notEqual(c, a);
  await c;
});

test('the release comes in the check phase: after the immediates queued before it', async () => {
  await turnOver();
  const order: string[] = [];
  setImmediate(() => order.push('queued before'));
  const released = endOfTurn().then(() => order.push('released'));
  // Queued after the release's own immediate: runs in the same check phase, after it (its promise settles in between).
  setImmediate(() => order.push('queued after'));
  await released;
  await turnOver();
  assert.deepEqual(order, ['queued before', 'released', 'queued after']);
});
