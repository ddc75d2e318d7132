#!/usr/bin/env node
// Entry point for `npx podnet` / the installed `podnet` command: the compiled
// CLI in dist/ (built by `npm install`, `npm run build` or `npm start`).
try {
  await import('../dist/cli/main.js');
} catch (err) {
  if (err?.code !== 'ERR_MODULE_NOT_FOUND' || !String(err.message).includes('dist/cli/main.js')) throw err;
  console.error('podnet: not built yet: run `npm run build` (or `npm install`) in the podnet folder');
  process.exit(2);
}
