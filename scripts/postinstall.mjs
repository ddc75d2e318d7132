// npm install's last step, so that `npm install && npm start` is enough:
// the Prisma client (scripts/generate.mjs), then dist/ (scripts/build.mjs)
// when it is missing or older than src/. Both need development tools (the
// Prisma CLI, typescript); a production install (`--omit=dev`, the Docker
// image) has neither, is handed a built dist/, and skips both.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const require = createRequire(import.meta.url);
const has = (pkg) => {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
};
const node = (script, ...args) => spawnSync(process.execPath, [path.join(root, 'scripts', script), ...args], { cwd: root, stdio: 'inherit' }).status ?? 1;

// `npx podnet` in a checkout: npm links only dependencies' bins into
// node_modules/.bin, so the project links its own here. package.json has no
// `bin` field on purpose: when the project's own manifest names the command,
// npm exec installs the checkout into its cache as a package before running it
// (1–4 s each time, a minute the first); from node_modules/.bin it runs
// bin/podnet.mjs directly (npm's own start-up, then ~0.2 s). Skipped when
// installed as a dependency.
if (path.basename(path.dirname(root)) !== 'node_modules') {
  const binDir = path.join(root, 'node_modules', '.bin');
  const link = path.join(binDir, 'podnet');
  try {
    fs.mkdirSync(binDir, { recursive: true });
    fs.rmSync(link, { force: true });
    fs.symlinkSync(path.join('..', '..', 'bin', 'podnet.mjs'), link);
  } catch (err) {
    console.log(`podnet: could not link node_modules/.bin/podnet (${err.message}); \`npx podnet\` will be slower`);
  }
}

if (!has('prisma') || !has('typescript')) {
  const built = fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'));
  console.log(`podnet: development tools not installed; ${built ? 'using the built dist/' : 'no dist/ yet: run a full npm install to build it'}`);
  process.exit(0);
}
let status = node('generate.mjs');
if (status === 0) status = node('build.mjs', '--if-stale');
process.exit(status);
