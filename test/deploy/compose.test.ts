// No Docker engine runs where the suite runs, so docker-compose.yml and the
// Dockerfile are kept correct by reading them: the wiring between the two
// services, the healthchecks, and that podnet's own config accepts what
// compose hands it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { loadConfig } from '../../src/config.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

type Env = Record<string, string>;
interface Service {
  image?: string;
  build?: unknown;
  environment?: Env | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  ports?: (string | { target: number; published: number | string })[];
  volumes?: (string | { source: string; target: string })[];
  healthcheck?: { test: string | string[] };
  restart?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = YAML.parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as Compose;
const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');

/** Compose's variable interpolation: ${V}, ${V:-default}, ${V-default}, ${V:?err}, ${V?err}, $$. */
function interpolate(value: string, env: Env): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}/g, (whole, name?: string, colon?: string, op?: string, arg?: string) => {
    if (whole === '$$') return '$';
    const v = env[name!];
    const missing = v === undefined || (colon === ':' && v === '');
    if (!op) return v ?? '';
    if (!missing) return v!;
    if (op === '-') return arg ?? '';
    throw new Error(`compose would refuse to start: ${name}: ${arg}`);
  });
}

function environmentOf(service: Service, env: Env = {}): Env {
  const raw = service.environment ?? {};
  const pairs: [string, string][] = Array.isArray(raw)
    ? raw.map((kv) => {
        const i = kv.indexOf('=');
        return i < 0 ? [kv, env[kv] ?? ''] : [kv.slice(0, i), kv.slice(i + 1)];
      })
    : Object.entries(raw).map(([k, v]) => [k, v === null ? env[k] ?? '' : String(v)]);
  return Object.fromEntries(pairs.map(([k, v]) => [k, interpolate(v, env)]));
}

function service(name: string): Service {
  const s = compose.services[name];
  assert.ok(s, `docker-compose.yml has no service ${JSON.stringify(name)}`);
  return s;
}

/** What compose sets when the operator exported a proper admin token. */
const HOST_ENV: Env = { PODNET_ADMIN_TOKEN: 'a'.repeat(64) };

describe('docker-compose.yml', () => {
  test('defines the postgres and podnet services', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['podnet', 'postgres']);
    assert.match(service('postgres').image ?? '', /^postgres:17(\b|$)/);
    assert.ok(service('podnet').build, 'podnet is built from the Dockerfile');
  });

  test('podnet waits for a healthy postgres', () => {
    const deps = service('podnet').depends_on;
    assert.ok(deps && !Array.isArray(deps), 'depends_on must be the long form to carry a condition');
    assert.equal(deps.postgres?.condition, 'service_healthy');
  });

  test("podnet's DATABASE_URL names the postgres service and its credentials", () => {
    const pg = environmentOf(service('postgres'));
    const env = environmentOf(service('podnet'), HOST_ENV);
    const url = new URL(env.DATABASE_URL ?? '');
    assert.match(url.protocol, /^postgres(ql)?:$/);
    assert.equal(url.hostname, 'postgres');
    assert.equal(url.port || '5432', '5432');
    assert.equal(decodeURIComponent(url.username), pg.POSTGRES_USER);
    assert.equal(decodeURIComponent(url.password), pg.POSTGRES_PASSWORD);
    assert.equal(url.pathname, `/${pg.POSTGRES_DB ?? pg.POSTGRES_USER}`);
  });

  test("postgres keeps its data in a declared named volume", () => {
    const mounts = service('postgres').volumes ?? [];
    const dataMount = mounts
      .map((m) => (typeof m === 'string' ? { source: m.split(':')[0]!, target: m.split(':')[1] ?? '' } : m))
      .find((m) => m.target === '/var/lib/postgresql/data');
    assert.ok(dataMount, 'postgres mounts /var/lib/postgresql/data');
    assert.ok(compose.volumes && dataMount.source in compose.volumes, `volume ${dataMount.source} is declared`);
  });

  test('both services have healthchecks (pg_isready; /readyz)', () => {
    const pgTest = [service('postgres').healthcheck?.test ?? []].flat().join(' ');
    assert.match(pgTest, /pg_isready -h 127\.0\.0\.1\b/, 'over TCP: the first-run setup listens on the socket only');
    const podnetTest = [service('podnet').healthcheck?.test ?? []].flat().join(' ');
    assert.match(podnetTest, /\/readyz/);
    assert.doesNotMatch(podnetTest, /\bcurl\b|\bwget\b/, 'the slim image has neither curl nor wget');
  });

  test("the published port maps to podnet's PORT, listening on all interfaces", () => {
    const env = environmentOf(service('podnet'), HOST_ENV);
    assert.equal(env.HOST, '0.0.0.0');
    const ports = service('podnet').ports ?? [];
    const targets = ports.map((p) => (typeof p === 'string' ? Number(p.split(':').at(-1)!.split('/')[0]) : Number(p.target)));
    assert.ok(targets.includes(Number(env.PORT)), `a port mapping targets PORT=${env.PORT}: ${JSON.stringify(ports)}`);
    assert.ok(ports.includes('3000:3000'));
    const podnetTest = [service('podnet').healthcheck?.test ?? []].flat().join(' ');
    assert.match(podnetTest, new RegExp(`:${env.PORT}/readyz`));
  });

  test('podnet restarts unless stopped', () => {
    assert.equal(service('podnet').restart, 'unless-stopped');
  });

  test('PODNET_ADMIN_TOKEN comes from the environment and is required', () => {
    const raw = (service('podnet').environment as Env).PODNET_ADMIN_TOKEN ?? '';
    assert.match(raw, /^\$\{PODNET_ADMIN_TOKEN(:[?-][^}]*)?\}$/);
    assert.equal(environmentOf(service('podnet'), HOST_ENV).PODNET_ADMIN_TOKEN, HOST_ENV.PODNET_ADMIN_TOKEN);
    assert.throws(() => environmentOf(service('podnet'), {}), /PODNET_ADMIN_TOKEN/);
  });

  test("loadConfig accepts the environment compose gives podnet", () => {
    const env = environmentOf(service('podnet'), HOST_ENV);
    const config = loadConfig(env);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.port, 3000);
    assert.equal(config.databaseUrl, 'postgresql://podnet:podnet@postgres:5432/podnet');
    assert.equal(config.adminToken, HOST_ENV.PODNET_ADMIN_TOKEN);
    assert.equal(config.auth, true);
  });
});

describe('Dockerfile', () => {
  /** Instructions with their arguments, continuation lines joined, comments dropped, by stage. */
  const instructions = dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const m = /^(\S+)\s*(.*)$/.exec(l)!;
      return { op: m[1]!.toUpperCase(), args: m[2]! };
    });
  const stages: { from: string; steps: typeof instructions }[] = [];
  for (const i of instructions) {
    if (i.op === 'FROM') stages.push({ from: i.args, steps: [] });
    else stages.at(-1)?.steps.push(i);
  }
  const final = stages.at(-1)!;
  const last = (op: string) => final.steps.filter((i) => i.op === op).at(-1)?.args;

  test('builds in a first stage and starts the final one from node:20-bookworm-slim', () => {
    assert.ok(stages.length >= 2, 'a multi-stage build');
    assert.match(final.from, /^node:20-bookworm-slim\b/);
    const build = stages[0]!;
    assert.ok(build.steps.some((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args) && !/--omit=dev/.test(i.args)), 'the build stage installs the dev tools');
    assert.ok(build.steps.some((i) => i.op === 'RUN' && /\bnpm run build\b/.test(i.args)), 'the build stage compiles');
  });

  test('the final image has production dependencies only, and the compiled code from the build stage', () => {
    const installs = final.steps.filter((i) => i.op === 'RUN' && /\bnpm (ci|install)\b/.test(i.args));
    assert.ok(installs.length > 0);
    for (const i of installs) assert.match(i.args, /--omit=dev/, `production install: ${i.args}`);
    // A command that compiles, not a path that names the compiler (the rm of it below).
    const compiles = /(^|&&|;|\|\|)\s*(npx\s+)?(tsc|tsx)\b|\bnpm run (build|generate)\b/;
    assert.ok(!final.steps.some((i) => i.op === 'RUN' && compiles.test(i.args)), 'nothing is compiled in the final stage');
    // The lockfile installs TypeScript and the Prisma CLI with --omit=dev (optional peers of @prisma/client): removed.
    const removed = final.steps.filter((i) => i.op === 'RUN').map((i) => i.args).join(' ');
    for (const dir of ['node_modules/typescript', 'node_modules/prisma', 'node_modules/.bin/tsc']) assert.ok(removed.includes(dir), `the final stage removes ${dir}`);
    const copies = final.steps.filter((i) => i.op === 'COPY').map((i) => i.args);
    assert.ok(copies.some((c) => /--from=\S+/.test(c) && /\bdist\b/.test(c)), 'dist/ comes from the build stage');
    assert.ok(copies.some((c) => /prisma\/migrations/.test(c)), 'the migrations the migrator reads at start');
    assert.ok(!copies.some((c) => /^(--\S+\s+)*\.\s/.test(c)), 'the final stage does not copy the whole source tree');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    for (const dev of ['typescript', 'tsx', 'prisma']) assert.ok(!(dev in pkg.dependencies), `${dev} is a dev dependency`);
  });

  test('runs the compiled `podnet serve` as a non-root user, on all interfaces', () => {
    const start = `${last('ENTRYPOINT') ?? ''} ${last('CMD') ?? ''}`;
    assert.match(start, /"node",\s*"dist\/cli\/main\.js"/);
    assert.match(start, /\bserve\b/);
    const user = last('USER');
    assert.ok(user && !/^(root|0)(:|$)/.test(user), `USER is non-root: ${user}`);
    assert.ok(final.steps.some((i) => i.op === 'ENV' && /\bHOST=0\.0\.0\.0\b/.test(i.args)));
  });

  test('the image and `npm start` pin glibc\'s mmap threshold the same way (README, "Memory")', () => {
    const setting = /\bMALLOC_TRIM_THRESHOLD_=(\d+)\b/;
    const image = final.steps.filter((i) => i.op === 'ENV').map((i) => setting.exec(i.args)?.[1]).find(Boolean);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const start = setting.exec(pkg.scripts.start!)?.[1];
    assert.ok(image, 'the final stage sets MALLOC_TRIM_THRESHOLD_');
    assert.equal(start, image, 'npm start sets the same value');
  });

  test('the image and `npm start` run in production mode unless told otherwise', () => {
    assert.ok(final.steps.some((i) => i.op === 'ENV' && /\bNODE_ENV=production\b/.test(i.args)), 'the final stage sets NODE_ENV=production');
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.match(pkg.scripts.start!, /\bNODE_ENV=\$\{NODE_ENV:-production\} /, 'npm start defaults NODE_ENV to production, keeping a value the caller set');
  });

  test('has a HEALTHCHECK on /healthz that needs no curl', () => {
    const hc = last('HEALTHCHECK') ?? '';
    assert.match(hc, /\/healthz/);
    assert.match(hc, /\bCMD\s+node\b/);
  });

  test('.dockerignore keeps local state and build output out of the image', () => {
    const ignored = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split(/\r?\n/).map((l) => l.trim());
    for (const entry of ['node_modules', '.podnet', '.git', 'src/generated', 'dist']) {
      assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
    }
  });
});
