// REST conventions (SPEC §4): Location on 201, 405 with Allow, 400
// UNKNOWN_PARAMETER naming the accepted parameters, 415 listing the accepted
// media types, GET / and GET /v1 links.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const DEMO = {
  name: 'demo', podCidrs: ['10.1.0.0/16'],
  subnets: [{ name: 'r1', cidr: '192.168.1.0/24' }, { name: 'r2', cidr: '192.168.2.0/24' }],
  nodes: [{ name: 'a', address: '192.168.1.10' }, { name: 'b', address: '192.168.2.10' }, { name: 'c', address: '192.168.2.11' }],
};

describe('REST conventions', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    const res = await request(t.server).post('/v1/clusters').send(DEMO);
    assert.equal(res.status, 201);
  });
  after(async () => { await t?.close(); });

  test('every 201 carries Location, the URL of what was created, and that URL reads it back', async () => {
    const created = [
      await request(t.server).post('/v1/clusters').send({ name: 'other', podCidrs: ['10.2.0.0/16'] }),
      await request(t.server).put('/v1/clusters/third').send({ name: 'third', podCidrs: ['10.3.0.0/16'] }),
      await request(t.server).post('/v1/clusters/demo/nodes').send({ name: 'd.rack-2', address: '192.168.2.12' }),
      await request(t.server).post('/v1/clusters/demo/pods').send({ name: 'web', namespace: 'shop', node: 'a' }),
      await request(t.server).post('/v1/tokens').send({ name: 'ci', scope: 'read' }),
    ];
    assert.deepEqual(created.map((r) => [r.status, r.headers.location]), [
      [201, '/v1/clusters/other'], [201, '/v1/clusters/third'], [201, '/v1/clusters/demo/nodes/d.rack-2'],
      [201, '/v1/clusters/demo/pods/shop/web'], [201, '/v1/tokens/ci'],
    ]);
    for (const r of created.slice(0, 4)) assert.equal((await request(t.server).get(r.headers.location!)).status, 200, r.headers.location);
    // Not created: no Location.
    const again = await request(t.server).put('/v1/clusters/third').send({ name: 'third', podCidrs: ['10.3.0.0/16'] });
    assert.equal(again.status, 200);
    assert.equal(again.headers.location, undefined);
  });

  test('text answers end with a newline (JSON, problems, GraphQL, route text) and Content-Length counts it', async () => {
    const answers = [
      await request(t.server).get('/v1/clusters'),
      await request(t.server).get('/v1/clusters/demo/nodes/a/routes?format=text'),
      await request(t.server).get('/v1/clusters/nope'),
      await request(t.server).post('/graphql').send({ query: '{ __typename }' }),
    ];
    for (const [i, r] of answers.entries()) {
      const raw = r.text;
      assert.ok(raw.endsWith('\n') && !raw.endsWith('\n\n'), `answer ${i}: ${JSON.stringify(raw.slice(-20))}`);
      assert.equal(Number(r.headers['content-length']), Buffer.byteLength(raw), `answer ${i}`);
    }
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 404, 200]);
    assert.equal(JSON.parse(answers[0]!.text).items.length, 3);
    const json = await request(t.server).get('/v1/clusters/demo/nodes/a/routes?format=json');
    assert.ok(json.text.endsWith('}\n'), JSON.stringify(json.text.slice(-20)));
  });

  test('a known path with an unsupported method is 405 with Allow; an unknown path stays 404', async () => {
    const cases: [string, string, string][] = [
      ['PATCH', '/v1/clusters/demo', 'DELETE, GET, HEAD, PUT'],
      ['DELETE', '/v1/clusters', 'GET, HEAD, POST'],
      ['PUT', '/v1/clusters/demo/nodes/a', 'DELETE, GET, HEAD'],
      ['POST', '/healthz', 'GET, HEAD'],
    ];
    for (const [method, url, allow] of cases) {
      const res = await request(t.server)[method.toLowerCase() as 'patch'](url).send({});
      assert.equal(res.status, 405, `${method} ${url}`);
      assert.equal(res.headers.allow, allow, `${method} ${url}`);
      assert.match(res.headers['content-type']!, /^application\/problem\+json/);
      assert.equal(res.body.code, 'METHOD_NOT_ALLOWED');
      assert.equal(res.body.status, 405);
    }
    const unknown = await request(t.server).patch('/v1/nothing-here');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'ROUTE_NOT_FOUND');
    assert.equal(unknown.headers.allow, undefined);
    // A GET that a wildcard route matched but found nothing for: 404, not "GET is not allowed; allowed: GET".
    for (const url of ['/docs/static/nonexistent.js', '/ui/assets/nothing.js']) {
      const missing = await request(t.server).get(url);
      assert.equal(missing.status, 404, `${url}: ${missing.text.slice(0, 200)}`);
      assert.equal(missing.headers.allow, undefined, url);
    }
    // A mutation over GET: 405, with Allow.
    const mutation = await request(t.server).get('/graphql').query({ query: 'mutation { deleteCluster(name: "x") }' });
    assert.equal(mutation.status, 405);
    assert.equal(mutation.headers.allow, 'POST');
  });

  test('an unknown query parameter is 400 UNKNOWN_PARAMETER naming the accepted ones; nodes?subnet= filters', async () => {
    const bad = await request(t.server).get('/v1/clusters/demo/nodes?sbunet=r2');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'UNKNOWN_PARAMETER');
    assert.equal(bad.body.detail, 'unknown query parameter "sbunet"; GET /v1/clusters/:name/nodes accepts limit, cursor, subnet');
    assert.deepEqual(bad.body.accepted, ['limit', 'cursor', 'subnet']);
    const none = await request(t.server).get('/v1/clusters/demo?verbose=1&x=2');
    assert.equal(none.status, 400);
    assert.equal(none.body.detail, 'unknown query parameters "verbose", "x"; GET /v1/clusters/:name accepts none');
    const filtered = await request(t.server).get('/v1/clusters/demo/nodes?subnet=r2');
    assert.equal(filtered.status, 200);
    assert.deepEqual(filtered.body.items.map((n: { name: string }) => n.name), ['b', 'c', 'd.rack-2']);
    assert.equal((await request(t.server).get('/healthz?probe=1')).status, 400);
  });

  test('a body of an unsupported media type is 415 listing the accepted ones', async () => {
    for (const [type, body] of [['text/plain', 'name: x'], ['application/x-www-form-urlencoded', 'name=x'], ['application/xml', '<x/>']] as const) {
      const res = await request(t.server).post('/v1/clusters').set('content-type', type).send(body);
      assert.equal(res.status, 415, type);
      assert.equal(res.body.code, 'UNSUPPORTED_MEDIA_TYPE');
      assert.equal(res.body.detail, `a body of media type "${type}" is not supported; send one of application/json, application/yaml, application/x-yaml, text/yaml`);
      assert.deepEqual(res.body.accepted, ['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml']);
      assert.equal(res.headers.accept, 'application/json, application/yaml, application/x-yaml, text/yaml');
    }
    assert.equal((await request(t.server).get('/v1/clusters/other')).status, 200, 'nothing changed');
  });

  test('an error path into nodes or pods names the object', async () => {
    const nodes = Array.from({ length: 246 }, (_, i) => ({ name: `node-${i}`, address: `192.168.${i >> 8}.${(i & 255) + 1}` }));
    nodes[245]!.address = '192.168.999.1';
    const res = await request(t.server).post('/v1/clusters').send({
      name: 'named', podCidrs: ['10.8.0.0/16'], nodes,
      pods: [{ name: 'ok', node: 'node-0' }, { name: 'web', namespace: 'shop', node: 'nowhere' }, { name: 'bare', node: 'nowhere' }],
    });
    assert.equal(res.status, 422);
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path);
    assert.ok(paths.includes('nodes[245] (node-245).address'), paths.join(', '));
    assert.ok(paths.includes('pods[1] (shop/web).node'), paths.join(', '));
    assert.ok(paths.includes('pods[2] (default/bare).node'), paths.join(', '));
    assert.match(res.body.detail, /^nodes\[245\] \(node-245\)\.address: /);
    // A schema error inside a node is named the same way.
    const typed = await request(t.server).post('/v1/clusters').send({ name: 'typed', podCidrs: ['10.8.0.0/16'], nodes: [{ name: 'n1', address: 7 }] });
    assert.equal(typed.status, 422);
    assert.equal(typed.body.errors[0].path, 'nodes[0] (n1).address');
  });

  test('GET / links to /docs, /graphiql, /ui and /v1 (HTML for a browser); GET /v1 to the resources', async () => {
    const root = await request(t.server).get('/');
    assert.equal(root.status, 200);
    for (const href of ['/docs', '/graphiql', '/ui', '/v1']) {
      assert.ok(Object.values(root.body.links as Record<string, { href: string }>).some((l) => l.href === href), href);
    }
    const html = await request(t.server).get('/').set('accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    assert.match(html.headers['content-type']!, /^text\/html/);
    assert.match(html.text, /<a href="\/docs">/);
    const v1 = await request(t.server).get('/v1');
    assert.equal(v1.status, 200);
    assert.equal(v1.body.links.clusters.href, '/v1/clusters');
  });
});
