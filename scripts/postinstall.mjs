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

if (!has('prisma') || !has('typescript')) {
  const built = fs.existsSync(path.join(root, 'dist', 'cli', 'main.js'));
  console.log(`podnet: development tools not installed; ${built ? 'using the built dist/' : 'no dist/ yet: run a full npm install to build it'}`);
  process.exit(0);
}
let status = node('generate.mjs');
if (status === 0) status = node('build.mjs', '--if-stale');
process.exit(status);
