// Runs `prisma generate` without the native schema engine download.
// `generate` never starts the schema engine (the client is produced by Prisma's
// bundled WebAssembly), but the CLI insists that the engine file exists; on
// machines that cannot reach Prisma's binary host we point it at any file.
// Machines that can download are unaffected when they set the variable themselves.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' };
if (!env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = process.execPath;
const bin = path.join(root, 'node_modules', '.bin', 'prisma');
const r = spawnSync(bin, ['generate', '--schema', path.join(root, 'prisma', 'schema.prisma')], { cwd: root, env, stdio: 'inherit' });
process.exit(r.status ?? 1);
