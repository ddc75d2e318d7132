import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { TokenService, hashToken } from '../../src/service/tokens.js';
import { TokenStore } from '../../src/store/tokens.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const ADMIN = 'pn_test-admin-token-that-is-long-enough-0123456789';

describe('bearer tokens and scopes', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ PODNET_AUTH: 'on' });
    await new TokenService(new TokenStore(t.tdb.db.prisma)).ensure('root', ADMIN, 'admin');
  });
  after(async () => { await t.close(); });

  const auth = (tok: string) => ({ authorization: `Bearer ${tok}` });

  test('no token is 401; public endpoints stay public', async () => {
    const res = await request(t.server).get('/v1/clusters').expect(401);
    assert.equal(res.body.code, 'UNAUTHORIZED');
    await request(t.server).post('/graphql').send({ query: '{ __typename }' }).expect(401);
    for (const p of ['/healthz', '/readyz', '/openapi.json', '/docs/']) await request(t.server).get(p).expect(200);
    // Not among SPEC §8's public routes: its labels name every cluster.
    await request(t.server).get('/metrics').expect(401);
  });

  test('a wrong token is 401', async () => {
    const res = await request(t.server).get('/v1/clusters').set(auth('pn_nope')).expect(401);
    assert.equal(res.body.code, 'UNAUTHORIZED');
  });

  test('tokens are created once, stored as a hash, and scoped read < write < admin', async () => {
    const created = await request(t.server).post('/v1/tokens').set(auth(ADMIN)).send({ name: 'ci', scope: 'read' }).expect(201);
    const secret: string = created.body.token;
    assert.ok(Buffer.from(secret.replace(/^pn_/, ''), 'base64url').length >= 32);
    const [row] = await t.tdb.db.sql<{ hash: string }[]>`SELECT hash FROM api_token WHERE name = 'ci'`;
    assert.equal(row!.hash, hashToken(secret));
    const rows = await t.tdb.db.sql`SELECT * FROM api_token WHERE hash = ${secret} OR name = ${secret}`;
    assert.equal(rows.length, 0, 'the secret itself is not stored');

    await request(t.server).get('/v1/clusters').set(auth(secret)).expect(200);
    const write = await request(t.server).post('/v1/clusters').set(auth(secret)).send({ name: 'x', podCidrs: ['10.0.0.0/16'] }).expect(403);
    assert.equal(write.body.code, 'FORBIDDEN');
    await request(t.server).get('/v1/tokens').set(auth(secret)).expect(403);

    const w = (await request(t.server).post('/v1/tokens').set(auth(ADMIN)).send({ name: 'deployer', scope: 'write' }).expect(201)).body.token;
    await request(t.server).post('/v1/clusters').set(auth(w)).send({ name: 'x', podCidrs: ['10.0.0.0/16'] }).expect(201);
    await request(t.server).get('/v1/tokens').set(auth(w)).expect(403);

    const list = await request(t.server).get('/v1/tokens').set(auth(ADMIN)).expect(200);
    assert.deepEqual(list.body.items.map((x: { name: string; scope: string }) => `${x.name}:${x.scope}`), ['ci:read', 'deployer:write', 'root:admin']);
    assert.ok(list.body.items.every((x: Record<string, unknown>) => !('token' in x) && !('hash' in x)));
    const dup = await request(t.server).post('/v1/tokens').set(auth(ADMIN)).send({ name: 'ci', scope: 'read' }).expect(409);
    assert.equal(dup.body.code, 'TOKEN_EXISTS');
  });

  test('a revoked token stops working', async () => {
    const s = (await request(t.server).post('/v1/tokens').set(auth(ADMIN)).send({ name: 'tmp', scope: 'read' }).expect(201)).body.token;
    await request(t.server).get('/v1/clusters').set(auth(s)).expect(200);
    await request(t.server).delete('/v1/tokens/tmp').set(auth(ADMIN)).expect(204);
    await request(t.server).get('/v1/clusters').set(auth(s)).expect(401);
    await request(t.server).delete('/v1/tokens/tmp').set(auth(ADMIN)).expect(404);
  });

  test('/metrics exposes request latency and allocations', async () => {
    const m = await request(t.server).get('/metrics').set(auth(ADMIN)).expect(200);
    assert.match(m.text, /podnet_http_request_duration_seconds_bucket\{/);
    assert.match(m.text, /podnet_allocations_total\{kind="node"\} \d+/);
  });
});

describe('GraphQL scopes', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ PODNET_AUTH: 'on' });
    const svc = new TokenService(new TokenStore(t.tdb.db.prisma));
    await svc.ensure('root', ADMIN, 'admin');
    await svc.ensure('reader', `${ADMIN}-read`, 'read');
  });
  after(async () => { await t.close(); });

  test('queries need read; mutations need write; GraphiQL and the SDL stay public', async () => {
    const q = await request(t.server).post('/graphql').set('authorization', `Bearer ${ADMIN}-read`).send({ query: '{ clusters { name } }' }).expect(200);
    assert.deepEqual(q.body, { data: { clusters: [] } });
    const m = await request(t.server).post('/graphql').set('authorization', `Bearer ${ADMIN}-read`)
      .send({ query: 'mutation { deleteCluster(name: "x") }' }).expect(403);
    assert.equal(m.body.errors[0].extensions.code, 'FORBIDDEN');
    const none = await request(t.server).post('/graphql').send({ query: '{ clusters { name } }' }).expect(401);
    assert.equal(none.body.errors[0].extensions.code, 'UNAUTHORIZED');
    await request(t.server).get('/graphiql').expect(200);
    await request(t.server).get('/graphql/schema.graphql').expect(200);
  });
});
