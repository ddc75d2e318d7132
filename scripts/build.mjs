// Compiles src/ into dist/ with tsc and copies every other file under src/
// (the GraphQL SDL, console assets, …) to the same place in dist/, so the
// runtime reads its files next to its code, wherever they are. A folder under
// src/ with its own tsconfig.json (browser code, with the DOM library) is its
// own project: excluded from the server's (tsconfig.json's "exclude") and
// compiled into the same place in dist/.
//
//   node scripts/build.mjs             build
//   node scripts/build.mjs --if-stale  build only when dist/ is missing or older than src/
//   node scripts/build.mjs --out DIR   build into DIR instead (the build test does)
//
// The new tree is built beside dist/ and swapped in whole, so a failed build
// leaves the last good one in place.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');
const STAMP = '.built';

function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

export function isStale() {
  const stamp = path.join(dist, STAMP);
  if (!fs.existsSync(stamp)) return true;
  const inputs = [newest(src), ...['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((f) => fs.statSync(path.join(root, f)).mtimeMs)];
  return Math.max(...inputs) > fs.statSync(stamp).mtimeMs;
}

function typescriptCompiler() {
  try {
    return createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    return null;
  }
}

/** Folders under src/ that are TypeScript projects of their own, relative to src/. */
function subprojects(dir = src) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (!e.isDirectory()) return [];
    const p = path.join(dir, e.name);
    return fs.existsSync(path.join(p, 'tsconfig.json')) ? [path.relative(src, p)] : subprojects(p);
  });
}

function copyAssets(from, to) {
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const s = path.join(from, e.name);
    const d = path.join(to, e.name);
    if (e.isDirectory()) copyAssets(s, d);
    else if (!e.name.endsWith('.ts') && e.name !== 'tsconfig.json') {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(s, d);
    }
  }
}

export function build(out = dist) {
  const tsc = typescriptCompiler();
  if (!tsc) {
    console.error('podnet build: typescript is not installed (npm install, without --omit=dev, installs it)');
    return 1;
  }
  const next = `${out}.next-${process.pid}`;
  fs.rmSync(next, { recursive: true, force: true });
  const projects = [[path.join(root, 'tsconfig.build.json'), next], ...subprojects().map((rel) => [path.join(src, rel, 'tsconfig.json'), path.join(next, rel)])];
  for (const [project, outDir] of projects) {
    const r = spawnSync(process.execPath, [tsc, '-p', project, '--outDir', outDir, '--noEmit', 'false'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
      fs.rmSync(next, { recursive: true, force: true });
      return r.status ?? 1;
    }
  }
  copyAssets(src, next);
  fs.writeFileSync(path.join(next, STAMP), `${new Date().toISOString()}\n`);
  const old = `${out}.old-${process.pid}`;
  if (fs.existsSync(out)) fs.renameSync(out, old);
  fs.renameSync(next, out);
  fs.rmSync(old, { recursive: true, force: true });
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const ifStale = process.argv.includes('--if-stale');
  if (ifStale && !isStale()) process.exit(0);
  if (ifStale && !typescriptCompiler() && fs.existsSync(path.join(dist, STAMP))) {
    // A production install (no compiler) runs the dist/ it was given.
    process.exit(0);
  }
  const at = process.argv.indexOf('--out');
  process.exit(build(at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]) : dist));
}
