// /openapi.json is complete and true: it lints clean with @redocly/cli
// (recommended rules), and every answer the service really gives — JSON it
// renders itself included — has a documented status, content type and schema.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

type Json = Record<string, unknown>;
interface Operation { operationId?: string; summary?: string; security?: unknown[]; responses: Record<string, { content?: Record<string, { schema: Json }> }> }
type Doc = { paths: Record<string, Record<string, Operation>> };

const ROOT = path.resolve(import.meta.dirname, '../..');

/** OpenAPI 3.0 schema → JSON Schema: `nullable: true` becomes a type that admits null. */
function jsonSchema(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(jsonSchema);
  if (s === null || typeof s !== 'object') return s;
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) if (k !== 'nullable' && k !== 'example') out[k] = jsonSchema(v);
  if ((s as Json).nullable === true) {
    const { enum: values, ...rest } = out;
    return { anyOf: [values ? { ...rest, enum: values } : rest, { type: 'null' }] };
  }
  return out;
}

/** The documented operation a concrete request falls on. */
function operationOf(doc: Doc, method: string, url: string): { template: string; op: Operation } | null {
  const p = url.split('?')[0]!;
  for (const [template, ops] of Object.entries(doc.paths)) {
    const re = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replace(/\./g, '\\.')}$`);
    const op = ops[method.toLowerCase()];
    if (re.test(p) && op) return { template, op };
  }
  return null;
}

interface Call { method: string; url: string; body?: unknown; type?: string; token?: string; auth?: boolean }

const DEMO = {
  name: 'demo', podCidrs: ['10.1.0.0/16'], network: { mode: 'vxlan' },
  subnets: [{ name: 'r1', cidr: '192.168.0.0/24', gateway: '192.168.0.1' }],
  nodes: [{ name: 'a', address: '192.168.0.11' }, { name: 'b', address: '192.168.0.12' }],
  pods: [{ name: 'web', namespace: 'shop', node: 'a' }, { name: 'db', node: 'b' }],
};

/**
 * One request (at least) for every documented operation, answered 2xx, plus
 * the refusals each kind of route gives. A route added to the API needs its
 * requests here: the coverage check below names what is missing.
 */
function catalog(): Call[] {
  const yaml = 'name: yamlish\npodCidrs: [10.9.0.0/16]\nnodes:\n  - {name: y1, address: 192.168.9.1}\n';
  return [
    { method: 'GET', url: '/' },
    { method: 'GET', url: '/v1' },
    { method: 'GET', url: '/healthz' },
    { method: 'GET', url: '/readyz' },
    { method: 'GET', url: '/metrics' },
    { method: 'GET', url: '/graphql/schema.graphql' },
    { method: 'POST', url: '/graphql', body: { query: '{ clusters { name nodes { name } } }' } },
    { method: 'POST', url: '/graphql', body: { query: '{ nope }' } },
    { method: 'GET', url: '/graphql?query=%7B__typename%7D' },
    { method: 'POST', url: '/v1/clusters?dryRun=true', body: DEMO },
    { method: 'POST', url: '/v1/clusters', body: DEMO },
    { method: 'POST', url: '/v1/clusters', body: DEMO },
    { method: 'POST', url: '/v1/clusters', body: { ...DEMO, name: 'bad', podCidrs: ['10.1.0.1/16'] } },
    { method: 'POST', url: '/v1/clusters', body: 'name: x', type: 'text/plain' },
    { method: 'PUT', url: '/v1/clusters/yamlish', body: yaml, type: 'application/yaml' },
    { method: 'PUT', url: '/v1/clusters/yamlish', body: yaml, type: 'application/yaml' },
    { method: 'PUT', url: '/v1/clusters/yamlish?dryRun=true', body: yaml, type: 'application/yaml' },
    { method: 'PUT', url: '/v1/clusters/yamlish?dryRun=true&view=summary', body: yaml, type: 'application/yaml' },
    { method: 'PUT', url: '/v1/clusters/yamlish?view=summary', body: yaml, type: 'application/yaml' },
    { method: 'PUT', url: '/v1/clusters/yamlish?view=sideways', body: yaml, type: 'application/yaml' },
    { method: 'POST', url: '/v1/clusters?view=summary', body: { ...DEMO, name: 'summed' } },
    ...[201, 200, 'dry', 422].map((k): Call => ({
      method: 'POST', url: `/v1/clusters/imported/import${k === 'dry' ? '?dryRun=true' : ''}`,
      body: { ...(k === 422 ? {} : { podCidrs: ['10.244.0.0/16'] }), nodes: { apiVersion: 'v1', kind: 'List', items: [{ metadata: { name: 'k1' }, spec: { podCIDR: '10.244.3.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } }] } },
    })),
    { method: 'GET', url: '/v1/clusters' },
    { method: 'GET', url: '/v1/clusters?limit=1' },
    { method: 'GET', url: '/v1/clusters?bogus=1' },
    { method: 'GET', url: '/v1/clusters/demo' },
    { method: 'GET', url: '/v1/clusters/ghost' },
    { method: 'POST', url: '/v1/clusters/demo/nodes', body: { name: 'c', address: '192.168.0.13' } },
    { method: 'POST', url: '/v1/clusters/demo/nodes?dryRun=true', body: { name: 'd', address: '192.168.0.14' } },
    { method: 'GET', url: '/v1/clusters/demo/nodes' },
    { method: 'GET', url: '/v1/clusters/demo/nodes?subnet=r1' },
    { method: 'GET', url: '/v1/clusters/demo/nodes/a' },
    { method: 'GET', url: '/v1/clusters/demo/nodes/a/routes' },
    { method: 'GET', url: '/v1/clusters/demo/nodes/a/routes?format=text' },
    { method: 'GET', url: '/v1/clusters/demo/nodes/a/routes?format=script' },
    { method: 'GET', url: '/v1/clusters/demo/nodes/a/routes?format=fdb-script' },
    { method: 'GET', url: '/v1/clusters/demo/nodes/zz/routes' },
    { method: 'GET', url: '/v1/clusters/demo/nodes/a/routes?table=all&format=text' },
    { method: 'POST', url: '/v1/clusters/demo/nodes/a/audit', body: { routes: [{ dst: '10.1.9.0/24', gateway: '192.168.0.99', dev: 'eth0', flags: [] }], neighbors: [], fdb: [] } },
    { method: 'POST', url: '/v1/clusters/demo/nodes/a/audit', body: { routes: [{ dst: 'x' }] } },
    { method: 'POST', url: '/v1/clusters/demo/pods', body: { name: 'cache', namespace: 'shop', node: 'c' } },
    { method: 'POST', url: '/v1/clusters/demo/pods?dryRun=true', body: { name: 'late', node: 'c' } },
    { method: 'GET', url: '/v1/clusters/demo/pods' },
    { method: 'GET', url: '/v1/clusters/demo/pods?namespace=shop&node=a' },
    { method: 'GET', url: '/v1/clusters/demo/pods/shop/web' },
    { method: 'GET', url: '/v1/clusters/demo/pods/shop/web/routes' },
    { method: 'GET', url: '/v1/clusters/demo/pods/shop/web/routes?format=text' },
    { method: 'GET', url: '/v1/clusters/demo/path?from=shop/web&to=db' },
    { method: 'GET', url: '/v1/clusters/demo/path?from=shop/web&to=10.1.200.9' },
    { method: 'GET', url: '/v1/clusters/demo/path?from=shop/web&to=db&format=svg' },
    { method: 'GET', url: '/v1/clusters/demo/path?from=shop/web&to=not-an-endpoint!' },
    { method: 'GET', url: '/v1/clusters/demo/verify' },
    { method: 'DELETE', url: '/v1/clusters/demo/pods/shop/cache' },
    { method: 'DELETE', url: '/v1/clusters/demo/pods/shop/cache' },
    { method: 'DELETE', url: '/v1/clusters/demo/nodes/c' },
    { method: 'POST', url: '/v1/tokens', body: { name: 'reader', scope: 'read' } },
    { method: 'POST', url: '/v1/tokens', body: { name: 'reader', scope: 'read' } },
    { method: 'GET', url: '/v1/tokens' },
    { method: 'DELETE', url: '/v1/tokens/reader' },
    { method: 'DELETE', url: '/v1/clusters/yamlish' },
    { method: 'DELETE', url: '/v1/clusters/yamlish' },
    { method: 'GET', url: '/v1/clusters', auth: true },
    { method: 'POST', url: '/graphql', body: { query: '{ __typename }' }, auth: true },
  ];
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let secured: FastifyInstance;
  let doc: Doc;
  let dir: string;

  before(async () => {
    [t, dir] = await Promise.all([startTestApp(), mkdtemp(path.join(os.tmpdir(), 'podnet-openapi-'))]);
    secured = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', PODNET_AUTH: 'on' }), db: t.tdb.db }, { logger: false });
    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    doc = res.json() as Doc;
  });
  after(async () => {
    await secured?.close();
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('lints with @redocly/cli (recommended rules) with no error and no warning', async () => {
    const file = path.join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(doc));
    const bin = path.join(ROOT, 'node_modules/.bin/redocly');
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
    // lint exits 1 on errors; its JSON report says what they are either way.
    const { stdout } = await promisify(execFile)(bin, ['lint', file, '--format', 'json'], { env, cwd: dir }).catch((e: { stdout: string }) => ({ stdout: e.stdout }));
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location?: { pointer?: string }[] }[] };
    const problems = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer}`);
    assert.deepEqual({ errors: report.totals.errors, warnings: report.totals.warnings, problems }, { errors: 0, warnings: 0, problems: [] });
  });

  test('every operation: an operationId, a summary, a 2xx; errors are problem+json; public routes need no token', () => {
    const ids = new Set<string>();
    const ops = Object.entries(doc.paths).flatMap(([p, o]) => Object.entries(o).map(([m, op]) => ({ where: `${m.toUpperCase()} ${p}`, op })));
    for (const { where, op } of ops) {
      assert.ok(op.operationId && !ids.has(op.operationId), `${where}: operationId ${op.operationId}`);
      ids.add(op.operationId);
      assert.ok(op.summary, `${where}: summary`);
      assert.ok(Object.keys(op.responses).some((s) => /^2(\d\d|XX)$/.test(s)), `${where}: no 2xx`);
      for (const [status, r] of Object.entries(op.responses)) {
        if (Number(status) < 400 || where.endsWith(' /graphql')) continue;
        assert.deepEqual(Object.keys(r.content ?? {}), ['application/problem+json'], `${where} ${status}`);
      }
    }
    assert.equal(doc.paths['/metrics']!.get!.security, undefined, '/metrics needs the bearer token');
    for (const p of ['/healthz', '/readyz', '/', '/graphql/schema.graphql']) assert.deepEqual(doc.paths[p]?.get?.security, [], `${p} is public`);
    assert.equal(doc.paths['/v1/clusters']!.get!.security, undefined, 'a /v1 route needs the bearer token');
    assert.ok(!Object.keys(doc.paths).some((p) => p.startsWith('/graphiql') || p.startsWith('/docs')), 'no asset routes');
    const post = doc.paths['/v1/clusters']!.post! as Operation & { requestBody: { content: Json } };
    assert.deepEqual(Object.keys(post.requestBody.content), ['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml']);
    const routes = doc.paths['/v1/clusters/{name}/nodes/{node}/routes']!.get!;
    assert.deepEqual(Object.keys(routes.responses['200']!.content!), ['application/json', 'text/plain']);
    assert.ok(doc.paths['/v1/clusters/{name}']!.delete!.responses['204'], 'DELETE documents its 204');
  });

  test('every real answer has a documented status, content type and schema', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    // ajv-formats is CommonJS: its function is the default export's default.
    (addFormatsModule as unknown as { default: (a: Ajv) => void }).default(ajv);
    const exercised = new Set<string>();
    const reader = (await t.app.inject({ method: 'POST', url: '/v1/tokens', payload: { name: 'openapi-reader', scope: 'read' } })).json() as { token: string };
    const calls: Call[] = [...catalog(), { method: 'POST', url: '/v1/clusters', body: DEMO, auth: true, token: reader.token }];
    for (const c of calls) {
      const headers: Record<string, string> = {};
      if (c.token) headers.authorization = `Bearer ${c.token}`;
      let payload: string | undefined;
      if (c.body !== undefined) {
        payload = typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
        headers['content-type'] = c.type ?? 'application/json';
      }
      const res = await (c.auth ? secured : t.app).inject({ method: c.method as 'GET', url: c.url, payload, headers });
      const what = `${c.method} ${c.url} → ${res.statusCode}`;
      const found = operationOf(doc, c.method, c.url);
      assert.ok(found, `${what}: not in the document`);
      const r = found.op.responses[String(res.statusCode)] ?? found.op.responses[`${String(res.statusCode)[0]}XX`];
      assert.ok(r, `${what}: status not documented (${Object.keys(found.op.responses).join(', ')})\n${res.body.slice(0, 300)}`);
      if (res.statusCode < 300) exercised.add(`${c.method} ${found.template}`);
      if (!r.content) {
        assert.equal(res.body, '', `${what}: a body where none is documented`);
        continue;
      }
      const type = String(res.headers['content-type'] ?? '').split(';')[0]!.trim();
      const media = r.content[type];
      assert.ok(media, `${what}: content type ${type} not documented (${Object.keys(r.content).join(', ')})`);
      const body: unknown = /json$/.test(type) ? JSON.parse(res.body) : res.body;
      const validate = ajv.compile(jsonSchema(media.schema) as object);
      assert.ok(validate(body), `${what}: the body does not match its schema: ${ajv.errorsText(validate.errors)}\n${res.body.slice(0, 300)}`);
    }
    const missing = Object.entries(doc.paths).flatMap(([p, o]) => Object.keys(o).map((m) => `${m.toUpperCase()} ${p}`)).filter((k) => !exercised.has(k));
    assert.deepEqual(missing, [], 'operations no 2xx answer of the catalog exercised: add a request for each to catalog() in test/api/openapi.test.ts');
  });
});
