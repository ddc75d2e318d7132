import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { droppedGarbage } from '../src/memory.js';

const CHILD = fileURLToPath(new URL('./fixtures/gc-hint.ts', import.meta.url));

function run(mode: 'hint' | 'none'): { held: number; after: number; gcGlobal: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, mode], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { held: number; after: number; gcGlobal: string };
}

describe('droppedGarbage: a full collection after a request drops a lot', () => {
  test('past the threshold the dropped objects are collected without waiting for the heap to fill; gc() stays off the globals', () => {
    const r = run('hint');
    assert.ok(r.held > 100 * 2 ** 20, `held ${r.held}`);
    assert.ok(r.after < r.held / 3, `heap ${r.held} -> ${r.after}`);
    assert.equal(r.gcGlobal, 'undefined');
  });

  test('without the hint nothing collects them in the same time (what the hint is for)', () => {
    const r = run('none');
    assert.ok(r.after > r.held / 2, `heap ${r.held} -> ${r.after}`);
  });

  test('in a process that did not tune its heap (tests, the CLI) it is a no-op', () => {
    droppedGarbage(10 * 2 ** 30);
  });
});
