import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { TokenService } from '../../src/service/tokens.js';
import { TokenStore } from '../../src/store/tokens.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { buildConsole } from './fixtures.js';

const ADMIN = 'pn_console-routes-admin-token-0123456789abcdef';

describe('the console routes', () => {
  let t: TestApp;
  before(async () => {
    buildConsole();
    t = await startTestApp({ PODNET_AUTH: 'on' });
    await new TokenService(new TokenStore(t.tdb.db.prisma)).ensure('console', ADMIN, 'admin');
  });
  after(async () => { await t?.close(); });

  test('every console URL is the public shell, with a policy that allows loading nothing from elsewhere', async () => {
    for (const p of ['/ui', '/ui/', '/ui/clusters', '/ui/clusters/demo', '/ui/clusters/demo/nodes/node-a', '/ui/clusters/demo/path?from=shop%2Fweb&to=10.1.0.2']) {
      const res = await request(t.server).get(p).expect(200);
      assert.match(res.headers['content-type']!, /^text\/html/, p);
      assert.match(res.text, /<script type="module" src="\/ui\/assets\/main\.js"><\/script>/);
      const csp = res.headers['content-security-policy']!;
      for (const d of ["default-src 'self'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(d), `${p}: ${d}`);
    }
    const res = await request(t.server).get('/ui').expect(200);
    assert.doesNotMatch(res.text, /https?:\/\//, 'the shell names no other host');
    // A console URL the console does not know: its own "No such page", with a 404.
    const unknown = await request(t.server).get('/ui/nothing/here').expect(404);
    assert.match(unknown.headers['content-type']!, /^text\/html/);
    assert.match(unknown.text, /src="\/ui\/assets\/main\.js"/);
    assert.equal((await request(t.server).get('/ui/assets/nothing.js')).status, 404, 'a missing asset stays a plain 404');
  });

  test('assets: the compiled modules, the stylesheet and the icon, revalidated by ETag; nothing else', async () => {
    for (const [p, type] of [['/ui/assets/main.js', /^text\/javascript/], ['/ui/assets/pages/path.js', /^text\/javascript/], ['/ui/assets/console.css', /^text\/css/], ['/ui/assets/favicon.svg', /^image\/svg\+xml/]] as const) {
      const res = await request(t.server).get(p).expect(200);
      assert.match(res.headers['content-type']!, type, p);
      await request(t.server).get(p).set('if-none-match', res.headers.etag!).expect(304);
    }
    for (const p of ['/ui/assets/nope.js', '/ui/assets/../routes.ts', '/ui/assets/%2e%2e/routes.ts', '/ui/assets/tsconfig.json', '/ui/assets/index.html']) {
      await request(t.server).get(p).expect(404);
    }
  });

  test('/ui/session says whether a token is needed and whether this one is good, always as a 200', async () => {
    assert.deepEqual((await request(t.server).get('/ui/session').expect(200)).body, { auth: true, valid: false, scope: null });
    assert.deepEqual((await request(t.server).get('/ui/session').set('authorization', 'Bearer pn_wrong').expect(200)).body, { auth: true, valid: false, scope: null });
    assert.deepEqual((await request(t.server).get('/ui/session').set('authorization', `Bearer ${ADMIN}`).expect(200)).body, { auth: true, valid: true, scope: 'admin' });
  });

  test('the console is not an API operation: OpenAPI leaves its routes out, GET / links to it', async () => {
    const doc = (await request(t.server).get('/openapi.json').expect(200)).body as { paths: Record<string, unknown> };
    assert.deepEqual(Object.keys(doc.paths).filter((p) => p.startsWith('/ui')), []);
    const root = await request(t.server).get('/').expect(200);
    assert.match(JSON.stringify(root.body), /\/ui/);
  });

  test('the capacity query of a page of clusters fits the GraphQL cost limit', async () => {
    const names = Array.from({ length: 15 }, (_, k) => `c${k}`);
    const vars = names.map((_, k) => `$n${k}: String!`).join(', ');
    const fields = names.map((_, k) => `c${k}: cluster(name: $n${k}) { capacity { families { family cidr used total utilization } } }`).join(' ');
    const res = await request(t.server).post('/graphql').set('authorization', `Bearer ${ADMIN}`)
      .send({ query: `query Capacities(${vars}) { ${fields} }`, variables: Object.fromEntries(names.map((n, k) => [`n${k}`, n])) }).expect(200);
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  });
});
