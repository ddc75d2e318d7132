// The compiled service: scripts/build.mjs turns src/ into a tree that runs on
// plain node (no tsx), with every non-TypeScript file under src/ beside the
// code that reads it. Built into a temporary folder, so the test proves the
// current sources, whatever state dist/ is in.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'podnet-build-test-'));
const out = path.join(tmp, 'dist');
// The built tree resolves its packages as it would inside the checkout.
fs.symlinkSync(path.join(root, 'node_modules'), path.join(tmp, 'node_modules'));

function files(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p, base) : [path.relative(base, p)];
  });
}

describe('the compiled build', () => {
  before(() => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--out', out], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, `build failed:\n${r.stdout}\n${r.stderr}`);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test('every module under src/ compiles to .js, and every other file under src/ is copied beside it', () => {
    const built = new Set(files(out));
    for (const f of files(path.join(root, 'src')).filter((f) => path.basename(f) !== 'tsconfig.json')) {
      const want = f.endsWith('.ts') ? f.replace(/\.ts$/, '.js') : f;
      assert.ok(built.has(want), `dist has ${want}`);
    }
    assert.ok(built.has(path.join('api', 'graphql', 'schema.graphql')));
  });

  test('the CLI runs on plain node, without tsx loaded', () => {
    const r = spawnSync(process.execPath, [path.join(out, 'cli/main.js'), '--help'], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout + r.stderr, /podnet/);
    const tree = files(out).filter((f) => f.endsWith('.js'));
    for (const f of tree) assert.doesNotMatch(fs.readFileSync(path.join(out, f), 'utf8'), /from ['"]tsx/, `${f} imports tsx`);
  });

  test('the server module loads from the build (it reads its SDL from beside itself)', () => {
    const r = spawnSync(process.execPath, ['-e', `import(${JSON.stringify(path.join(out, 'server.js'))}).then(() => console.log('loaded'))`], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /loaded/);
  });
});
