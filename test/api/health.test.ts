import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

describe('HTTP shell', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  test('GET /healthz answers 200', async () => {
    const res = await request(t.server).get('/healthz').expect(200);
    assert.deepEqual(res.body, { status: 'ok' });
  });

  test('GET /readyz answers 200 when migrated', async () => {
    const res = await request(t.server).get('/readyz').expect(200);
    assert.deepEqual(res.body, { status: 'ready' });
  });

  test('an unknown route is a 404 problem document', async () => {
    const res = await request(t.server).get('/v1/nowhere').expect(404);
    assert.match(res.headers['content-type']!, /^application\/problem\+json/);
    assert.deepEqual(res.body, {
      type: 'https://podnet.dev/problems/route-not-found',
      title: 'Not Found',
      status: 404,
      detail: 'no route for GET /v1/nowhere',
      code: 'ROUTE_NOT_FOUND',
    });
  });

  test('request ids are echoed, or generated', async () => {
    const given = await request(t.server).get('/healthz').set('x-request-id', 'abc-123').expect(200);
    assert.equal(given.headers['x-request-id'], 'abc-123');
    const generated = await request(t.server).get('/healthz').expect(200);
    assert.match(generated.headers['x-request-id']!, /^[0-9a-f-]{36}$/);
  });

  test('/openapi.json and /docs are served', async () => {
    const spec = await request(t.server).get('/openapi.json').expect(200);
    assert.equal(spec.body.openapi, '3.0.3');
    await request(t.server).get('/docs/').expect(200);
  });
});
