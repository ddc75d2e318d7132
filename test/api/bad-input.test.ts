// Every hostile or malformed request of the corpus (test/api/bad-input-corpus.ts)
// gets its 4xx with its stable code, as problem+json (GraphQL: the code in
// extensions.code), and leaves the database exactly as it was.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { TokenService } from '../../src/service/tokens.js';
import { TokenStore } from '../../src/store/tokens.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { corpus, fixture, type Case } from './bad-input-corpus.js';

const ADMIN = 'pn_corpus-admin-token-that-is-long-enough-0123456789';
const READ = `${ADMIN}-read`;
const BEARER: Record<NonNullable<Case['token']>, string | null> = { admin: ADMIN, read: READ, none: null, bogus: 'pn_bogus' };

/** Everything a rejected request could have touched, row by row. */
async function dump(t: TestApp): Promise<string> {
  // A token's last_used moves whenever it is used; its existence and scope must not.
  const tables = ['cluster', 'node', 'pod', 'subnet', 'reserved_range', '(SELECT id, name, scope, hash FROM api_token)'];
  const rows = await t.tdb.db.sql.unsafe(`SELECT ${tables.map((x, i) => `(SELECT md5(coalesce(string_agg(r::text, ',' ORDER BY r::text), '')) FROM ${x} r) AS t${i}`).join(', ')}`);
  return JSON.stringify(rows[0]);
}

function send(t: TestApp, c: Case): request.Test {
  let req = request(t.server)[c.method === 'DELETE' ? 'delete' : (c.method.toLowerCase() as 'get' | 'post' | 'put')](c.path);
  const bearer = BEARER[c.token ?? 'admin'];
  if (bearer) req = req.set('authorization', `Bearer ${bearer}`);
  if (c.raw !== undefined) return req.set('content-type', c.type ?? 'application/json').send(c.raw);
  if (c.body !== undefined) return req.set('content-type', 'application/json').send(JSON.stringify(c.body));
  return req;
}

/** The problem code of a REST answer, or the first extensions.code of a GraphQL one. */
function codeOf(c: Case, res: request.Response): string {
  if (c.path.startsWith('/graph')) {
    const errors = (res.body as { errors?: { extensions?: { code?: string } }[] }).errors;
    return errors?.[0]?.extensions?.code ?? '';
  }
  assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/, `${c.what}: ${res.headers['content-type']}`);
  return (res.body as { code?: string }).code ?? '';
}

describe('bad input corpus', () => {
  let t: TestApp;
  let snapshot: string;

  before(async () => {
    t = await startTestApp({ PODNET_AUTH: 'on' });
    const tokens = new TokenService(new TokenStore(t.tdb.db.prisma));
    await tokens.ensure('root', ADMIN, 'admin');
    await tokens.ensure('reader', READ, 'read');
    await request(t.server).post('/v1/clusters').set('authorization', `Bearer ${ADMIN}`).send(fixture).expect(201);
    snapshot = await dump(t);
  });
  after(async () => { await t.close(); });

  test('holds at least 150 cases, each named once', () => {
    assert.ok(corpus.length >= 150, `${corpus.length} cases`);
    assert.equal(new Set(corpus.map((c) => c.what)).size, corpus.length);
  });

  for (const c of corpus) {
    test(`${c.what}: ${c.status} ${c.code}, nothing stored`, async () => {
      const res = await send(t, c);
      assert.equal(res.status, c.status, `${c.what}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      assert.equal(codeOf(c, res), c.code, `${c.what}: ${JSON.stringify(res.body).slice(0, 300)}`);
      if (!c.path.startsWith('/graph')) assert.equal(typeof res.body.detail, 'string');
      assert.equal(await dump(t), snapshot, `${c.what} changed the database`);
    });
  }
});
