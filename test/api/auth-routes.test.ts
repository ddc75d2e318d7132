// No spelling of a URL reaches a handler without its scope check: every
// registered route, under every encoding trick, answers 401 without a token
// and 403 with too small a scope (or 404 when the router matches nothing),
// and nothing is written.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { registerAuth, type RouteScopeEntry } from '../../src/api/auth.js';
import { TokenService } from '../../src/service/tokens.js';
import { TokenStore } from '../../src/store/tokens.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const ADMIN = 'pn_test-admin-token-that-is-long-enough-0123456789';
const READ = `${ADMIN}-read`;
const WRITE = `${ADMIN}-write`;
const SAMPLE: Record<string, string> = { name: 'c1', node: 'n1', ns: 'default', pod: 'p1' };

interface Answer { status: number; type: string; code?: string; challenge?: string }

/** A request sent with its target byte for byte (no client-side normalisation). */
function send(port: number, method: string, target: string, token?: string): Promise<Answer> {
  const body = method === 'GET' || method === 'HEAD' || method === 'DELETE' ? undefined
    : JSON.stringify(target.includes('graph') ? { query: 'mutation { deleteCluster(name: "c1") }' } : { name: 'evil', scope: 'admin', podCidrs: ['10.9.0.0/16'] });
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => {
        let code: string | undefined;
        try {
          const j = JSON.parse(text) as { code?: string; errors?: { extensions?: { code?: string } }[] };
          code = j.code ?? j.errors?.[0]?.extensions?.code;
        } catch { /* HEAD has no body */ }
        resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), code, challenge: res.headers['www-authenticate'] as string | undefined });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Percent-encodes the last letter of every literal segment: `/v1/tokens` → `/%761/token%73`. */
function encodeLetters(path: string, upper: boolean): string {
  return path.split('/').map((seg) => {
    const i = seg.search(/[a-z](?=[^a-z]*$)/);
    if (i < 0) return seg;
    const hex = seg.charCodeAt(i).toString(16);
    return `${seg.slice(0, i)}%${upper ? hex.toUpperCase() : hex}${seg.slice(i + 1)}`;
  }).join('/');
}

/** Spellings the router resolves to the route itself: these must meet the check. */
function sameRoute(path: string): string[] {
  return [path, encodeLetters(path, false), encodeLetters(path, true), path.replace('/v1/', '/%761/').replace('/graphql', '/graphq%6c')];
}

/** Spellings that must either meet the check or match nothing at all. */
function lookalikes(path: string): string[] {
  const [, first, ...rest] = path.split('/');
  const tail = rest.length > 0 ? `/${rest.join('/')}` : '';
  return [
    `/${path}`, `/${first}/${tail}`, `${path}/`, `${path}//`, path.replace(/\//g, '//'),
    `/${first}%2F${rest.join('%2F')}`, `/${first}%2f${rest.join('%2f')}`,
    path.toUpperCase(), `/${first!.toUpperCase()}${tail}`,
    `/${first}/.${tail}`, `/${first}/x/..${tail}`, `/healthz/..${path}`, `/docs/..${path}`,
    `${path};x=1`, `${path}?x=/healthz`, `${path}#frag`, `${path}%00`, `${path}%20`, `/%2e${path}`,
  ];
}

function concrete(url: string): string {
  return url.replace(/:(\w+)/g, (_m, p: string) => SAMPLE[p] ?? 'x').replace(/\*$/, 'x');
}

describe('scopes come from the matched route', () => {
  let t: TestApp;
  let port: number;
  let guarded: RouteScopeEntry[];
  const rowCounts = async () => {
    const [r] = await t.tdb.db.sql<{ tokens: number; clusters: number }[]>`SELECT (SELECT count(*)::int FROM api_token) AS tokens, (SELECT count(*)::int FROM cluster) AS clusters`;
    return r!;
  };

  before(async () => {
    t = await startTestApp({ PODNET_AUTH: 'on' });
    const svc = new TokenService(new TokenStore(t.tdb.db.prisma));
    await svc.ensure('root', ADMIN, 'admin');
    await svc.ensure('reader', READ, 'read');
    await svc.ensure('writer', WRITE, 'write');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
    guarded = t.app.routeScopes.filter((r) => r.scope !== 'public' && r.method !== 'OPTIONS');
  });
  after(async () => { await t.close(); });

  test('every route declares a scope, and the API routes are guarded', () => {
    const urls = new Set(guarded.map((r) => r.url));
    for (const u of ['/v1/tokens', '/v1/clusters', '/v1/clusters/:name', '/v1/clusters/:name/nodes/:node', '/graphql']) assert.ok(urls.has(u), u);
    assert.ok(t.app.routeScopes.every((r) => ['public', 'read', 'write', 'admin'].includes(r.scope)));
    assert.ok(guarded.length >= 20, `only ${guarded.length} guarded routes`);
  });

  test('without a token: 401 with a Bearer challenge under every spelling, or no route at all', async () => {
    const before = await rowCounts();
    for (const r of guarded) {
      const path = concrete(r.url);
      for (const target of sameRoute(path)) {
        const a = await send(port, r.method, target);
        assert.equal(a.status, 401, `${r.method} ${target} (route ${r.url})`);
        assert.match(a.challenge ?? '', /^Bearer\b/, `${r.method} ${target}`);
        if (r.method !== 'HEAD') assert.equal(a.code, 'UNAUTHORIZED', `${r.method} ${target}`);
      }
      for (const target of lookalikes(path)) {
        const a = await send(port, r.method, target);
        const refusedNul = a.status === 400 && (a.code === 'BAD_REQUEST' || r.method === 'HEAD') && target.includes('%00');
        assert.ok(a.status === 401 || a.status === 404 || refusedNul, `${r.method} ${target} answered ${a.status} ${a.code}`);
        if (a.status === 404 && r.method !== 'HEAD') assert.equal(a.code, 'ROUTE_NOT_FOUND', `${r.method} ${target} reached a handler`);
      }
    }
    assert.deepEqual(await rowCounts(), before);
  });

  test('with too small a scope: 403 insufficient_scope under every spelling', async () => {
    const before = await rowCounts();
    for (const r of guarded) {
      const token = r.scope === 'admin' ? WRITE : r.scope === 'write' ? READ : null;
      if (token === null) continue;
      for (const target of sameRoute(concrete(r.url))) {
        const a = await send(port, r.method, target, token);
        assert.equal(a.status, 403, `${r.method} ${target} (route ${r.url})`);
        assert.match(a.challenge ?? '', /error="insufficient_scope"/);
      }
    }
    assert.deepEqual(await rowCounts(), before);
  });

  test('GraphQL mutations need write under every spelling of /graphql', async () => {
    for (const target of sameRoute('/graphql')) {
      const a = await send(port, 'POST', target, READ);
      assert.equal(a.status, 403, target);
      assert.equal(a.code, 'FORBIDDEN', target);
      assert.match(a.challenge ?? '', /insufficient_scope/);
    }
  });
});

describe('a route without a declared scope', () => {
  test('stops the app at registration', async () => {
    const app = Fastify({ logger: false });
    registerAuth(app, {} as TokenService, true);
    assert.throws(() => app.get('/v1/forgotten', async () => 'open'), /GET \/v1\/forgotten declares no valid config.scope/);
    await app.close();
  });

  test('a nonsense scope is refused too', async () => {
    const app = Fastify({ logger: false });
    registerAuth(app, {} as TokenService, true);
    assert.throws(() => app.get('/v1/odd', { config: { scope: 'root' as 'admin' } }, async () => 'open'), /declares no valid config.scope/);
    await app.close();
  });
});
