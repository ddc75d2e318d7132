// The path executor (src/api/graphql/fast-path.ts) against mercurius itself:
// two service instances on one database, one with the executor and one with
// PODNET_GRAPHQL_FAST_PATH=off, asked the same requests. Every answer —
// status, content type, bytes — must be the same, for random selections of
// the Path type (aliases, inline fragments, __typename, literals and
// variables), for every mode, for endpoints that do not resolve, for
// variables that do not coerce and for documents of other shapes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import request from 'supertest';
import type { FastifyInstance } from 'fastify';
import { TokenService } from '../../src/service/tokens.js';
import { TokenStore } from '../../src/store/tokens.js';
import { startInstances, startTestApp, type TestApp, type TestInstances } from '../helpers/app.js';

const MODES = ['CROSS_SUBNET', 'VXLAN', 'IPIP', 'HOST_GW', 'BGP'] as const;

const definition = (mode: string) => ({
  name: mode.toLowerCase().replace('_', '-'),
  podCidrs: ['10.1.0.0/16'],
  network: { mode },
  subnets: [
    { name: 'rack1', cidr: '192.168.0.0/24', gateway: '192.168.0.1' },
    { name: 'rack2', cidr: '192.168.1.0/24', gateway: '192.168.1.1' },
  ],
  nodes: [
    { name: 'node-a', address: '192.168.0.11' },
    { name: 'node-b', address: '192.168.0.12' },
    { name: 'node-c', address: '192.168.1.13' },
  ],
  pods: [
    { name: 'web', namespace: 'shop', node: 'node-a' },
    { name: 'api', namespace: 'shop', node: 'node-b' },
    { name: 'db', node: 'node-c' },
    { name: 'cache', node: 'node-a' },
  ],
});
const CLUSTERS = MODES.map((m) => definition(m).name);

/** Endpoints that resolve (pods, nodes, pod and node IPs, a gateway, the outside) and some that do not. */
const ENDPOINTS = [
  'shop/web', 'shop/api', 'db', 'default/db', 'cache', 'node:node-a', 'node:node-c', '10.1.0.2', '10.1.2.2', '192.168.1.13',
  '192.168.0.1', '8.8.8.8', '10.1.0.0', 'shop/nope', 'node:nope', 'not an endpoint', '', 'fd00::1',
];

/** The selectable fields of each type below Path (object fields name their type). */
const FIELDS: Record<string, [string, string | null][]> = {
  Path: [['from', 'Endpoint'], ['to', 'Endpoint'], ['disposition', null], ['sameNode', null], ['encapsulation', null], ['natFree', null], ['mtu', null], ['hops', 'Hop'], ['svg', null], ['__typename', null]],
  Endpoint: [['kind', null], ['ip', null], ['pod', null], ['node', null], ['subnet', null], ['__typename', null]],
  Hop: [['index', null], ['node', null], ['netns', null], ['dev', null], ['kind', null], ['action', null], ['route', null], ['packet', 'Packet'], ['outer', 'OuterHeader'], ['__typename', null]],
  Packet: [['src', null], ['dst', null], ['ttl', null], ['__typename', null]],
  OuterHeader: [['src', null], ['dst', null], ['protocol', null], ['port', null], ['vni', null], ['__typename', null]],
};

interface Shape { picks: number[]; aliases: boolean[]; wrap: number; typed: boolean; subs: Shape[] }

const shapeArb = (depth: number): fc.Arbitrary<Shape> => fc.record({
  picks: fc.array(fc.nat(9), { minLength: 1, maxLength: 8 }),
  aliases: fc.array(fc.boolean(), { minLength: 10, maxLength: 10 }),
  wrap: fc.nat(6),
  typed: fc.boolean(),
  subs: depth > 0 ? fc.array(shapeArb(depth - 1), { minLength: 3, maxLength: 3 }) : fc.constant([]),
});

/** A selection set of `type` from a random shape: distinct fields, some aliased, some inside an inline fragment. */
function selection(type: string, s: Shape): string {
  const all = FIELDS[type]!;
  const names: string[] = [];
  const used = new Set<string>();
  let sub = 0;
  for (const p of s.picks) {
    const [name, child] = all[p % all.length]!;
    if (used.has(name)) continue;
    used.add(name);
    const alias = s.aliases[p % 10] ? `a_${name.replace(/_/g, '')}: ` : '';
    const below = child ? ` { ${selection(child, s.subs[sub++ % Math.max(1, s.subs.length)] ?? { picks: [0], aliases: [], wrap: 0, typed: false, subs: [] })} }` : '';
    names.push(`${alias}${name}${below}`);
  }
  // Every few shapes, the middle fields go inside `... { }` or `... on Type { }`.
  if (s.wrap === 0 && names.length > 1) {
    const cut = Math.ceil(names.length / 2);
    names.splice(cut, names.length - cut, `... ${s.typed ? `on ${type} ` : ''}{ ${names.slice(cut).join(' ')} }`);
  }
  return names.join(' ');
}

interface Case { query: string; variables?: Record<string, unknown>; operationName?: string }

const caseArb: fc.Arbitrary<Case> = fc.record({
  shape: shapeArb(2),
  cluster: fc.constantFrom(...CLUSTERS, 'missing'),
  from: fc.constantFrom(...ENDPOINTS),
  to: fc.constantFrom(...ENDPOINTS),
  literals: fc.boolean(),
  rootAlias: fc.boolean(),
  oddity: fc.constantFrom('none', 'none', 'none', 'none', 'number-variable', 'no-variables', 'directive', 'fragment', 'two-roots', 'op-name', 'wrong-op-name'),
}).map(({ shape, cluster, from, to, literals, rootAlias, oddity }) => {
  let sel = selection('Path', shape);
  if (oddity === 'directive') sel = `disposition @include(if: true) ${sel}`;
  const root = `${rootAlias ? 'p: ' : ''}path(cluster: ${literals ? JSON.stringify(cluster) : '$c'}, from: ${literals ? JSON.stringify(from) : '$f'}, to: ${literals ? JSON.stringify(to) : '$t'}) { ${sel}${oddity === 'fragment' ? ' ...D' : ''} }`;
  const vars = literals ? '' : '($c: String!, $f: String!, $t: String!)';
  const second = oddity === 'two-roots' ? ' __typename' : '';
  let query = `query Q${vars} { ${root}${second} }`;
  if (oddity === 'fragment') query += ' fragment D on Path { disposition }';
  const c: Case = { query };
  if (!literals && oddity !== 'no-variables') c.variables = { c: cluster, f: oddity === 'number-variable' ? 42 : from, t: to };
  if (oddity === 'op-name') c.operationName = 'Q';
  if (oddity === 'wrong-op-name') c.operationName = 'R';
  return c;
});

async function ask(app: FastifyInstance, body: Case) {
  const res = await request(app.server).post('/graphql').send(body);
  return { status: res.status, type: res.headers['content-type'], text: res.text };
}

async function served(app: FastifyInstance): Promise<{ served: number; fallback: number }> {
  const text = (await request(app.server).get('/metrics')).text;
  const read = (outcome: string) => Number(new RegExp(`^podnet_graphql_fast_path_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { served: read('served'), fallback: read('fallback') };
}

describe('GraphQL path executor', () => {
  let inst: TestInstances;
  let fast: FastifyInstance;
  let plain: FastifyInstance;

  before(async () => {
    inst = await startInstances(2, 4, (i) => ({ PODNET_GRAPHQL_FAST_PATH: i === 0 ? 'on' : 'off' }));
    [fast, plain] = inst.apps as [FastifyInstance, FastifyInstance];
    for (const m of MODES) {
      const r = await request(fast.server).post('/v1/clusters').send(definition(m));
      assert.equal(r.status, 201, r.text);
    }
  });
  after(async () => { await inst.close(); });

  test('answers every pod pair of every mode with the bytes mercurius answers', async () => {
    const query = `query Path($c: String!, $f: String!, $t: String!) {
      path(cluster: $c, from: $f, to: $t) {
        disposition sameNode encapsulation natFree mtu
        hops { index node netns dev kind action route packet { src dst ttl } outer { src dst protocol port vni } }
      }
    }`;
    const pods = ['shop/web', 'shop/api', 'db', 'cache'];
    const before = await served(fast);
    let asked = 0;
    for (const c of CLUSTERS) {
      for (const f of pods) {
        for (const t of pods) {
          const body = { query, variables: { c, f, t } };
          const [a, b] = [await ask(fast, body), await ask(plain, body)];
          assert.deepEqual(a, b, `${c}: ${f} → ${t}`);
          assert.equal(a.status, 200);
          asked++;
        }
      }
    }
    const now = await served(fast);
    // The first two requests of the document went through mercurius (it parsed, validated and priced it, then compiled it); the rest did not.
    assert.equal(now.served - before.served, asked - 2);
    assert.equal(now.fallback, before.fallback);
    assert.deepEqual(await served(plain), { served: 0, fallback: 0 });
  });

  test('random selections, arguments and oddities: the same status, type and bytes as mercurius', async () => {
    const before = await served(fast);
    let eligible = 0;
    await fc.assert(fc.asyncProperty(caseArb, async (c) => {
      // Each instance is asked three times and the third answers compared:
      // the executor takes a document after mercurius' second run of it (the
      // one that compiles it), and mercurius itself words some errors
      // differently on a document's first two runs than on later ones.
      for (let k = 0; k < 2; k++) for (const app of [fast, plain]) await ask(app, c);
      const [a, b] = [await ask(fast, c), await ask(plain, c)];
      assert.deepEqual(a, b, JSON.stringify(c));
      if (a.status === 200 && !a.text.includes('"errors"')) eligible++;
    }), { numRuns: 250, seed: 20261202 });
    const now = await served(fast);
    // Most cases were plain successful path queries, and the executor answered them.
    assert.ok(eligible > 50, `only ${eligible} error-free answers`);
    assert.ok(now.served - before.served >= eligible / 2, `the executor served ${now.served - before.served} of ${eligible}`);
    assert.ok(now.fallback > before.fallback, 'no request fell back (errors and bad variables must)');
  });

  test('a document of another shape never reaches the executor', async () => {
    const before = await served(fast);
    const docs = [
      '{ path(cluster: "cross-subnet", from: "shop/web", to: "db") { disposition @skip(if: false) } }',
      'query { path(cluster: "cross-subnet", from: "shop/web", to: "db") { ...P } } fragment P on Path { disposition }',
      '{ a: path(cluster: "cross-subnet", from: "shop/web", to: "db") { disposition } b: path(cluster: "vxlan", from: "db", to: "cache") { disposition } }',
      '{ path(cluster: "cross-subnet", from: "shop/web", to: "db") { disposition disposition } }',
      '{ clusters { name } }',
    ];
    for (const query of docs) {
      for (let k = 0; k < 3; k++) {
        // (the same number of times to each: mercurius words some answers differently once it has compiled a document)
        const [a, b] = [await ask(fast, { query }), await ask(plain, { query })];
        assert.deepEqual(a, b, query);
        assert.equal(a.status, 200, a.text);
      }
    }
    assert.deepEqual(await served(fast), before);
  });

  test('defaults, one field under two aliases, literals: served, and the same bytes', async () => {
    const cases: Case[] = [
      { query: 'query D($c: String = "vxlan", $f: String!, $t: String! = "cache") { path(cluster: $c, from: $f, to: $t) { disposition mtu } }', variables: { f: 'db' } },
      { query: 'query D($c: String = "vxlan", $f: String!, $t: String! = "cache") { path(cluster: $c, from: $f, to: $t) { disposition mtu } }', variables: { c: 'ipip', f: 'db', t: 'shop/web' } },
      { query: '{ path(cluster: "bgp", from: "shop/api", to: "10.1.0.2") { a: disposition b: disposition hops { x: kind y: kind k: index } } }' },
      { query: '{ p: path(cluster: "host-gw", from: "db", to: "shop/web") { ... on Path { disposition ... { hops { route } } } from { ... { pod } kind } } }' },
    ];
    const before = await served(fast);
    for (const c of cases) {
      for (let k = 0; k < 2; k++) for (const app of [fast, plain]) await ask(app, c);
      const [a, b] = [await ask(fast, c), await ask(plain, c)];
      assert.deepEqual(a, b, JSON.stringify(c));
      // (the first leaves out a non-null variable with a default: graphql-jit's 400, on both)
      if (c !== cases[0]) {
        assert.equal(a.status, 200, a.text);
        assert.doesNotMatch(a.text, /"errors"/);
      }
    }
    // The first two requests of each document went to mercurius, and so did the one that leaves out variables
    // with defaults (graphql-jit refuses a non-null one as not provided, graphql-js takes the default); the rest were served.
    const now = await served(fast);
    assert.equal(now.served - before.served, cases.length + 1);
    assert.equal(now.fallback - before.fallback, 1);
    // A null for a nullable variable in a non-null argument's place is mercurius' error to word.
    const nulled = { query: cases[0]!.query, variables: { c: null, f: 'db' } };
    const [a, b] = [await ask(fast, nulled), await ask(plain, nulled)];
    assert.deepEqual(a, b);
    assert.match(a.text, /"errors"/);
  });

  test('a __proto__ alias stays with mercurius (graphql-jit leaves the key out of its object literal)', async () => {
    const before = await served(fast);
    for (const query of [
      '{ path(cluster: "vxlan", from: "shop/web", to: "db") { __proto__: disposition mtu } }',
      '{ path(cluster: "vxlan", from: "shop/web", to: "db") { hops { __proto__: index kind } } }',
      '{ __proto__: path(cluster: "vxlan", from: "shop/web", to: "db") { mtu } }',
    ]) {
      for (let k = 0; k < 3; k++) {
        const [a, b] = [await ask(fast, { query }), await ask(plain, { query })];
        assert.deepEqual(a, b, query);
      }
    }
    assert.equal((await served(fast)).served, before.served);
  });

  test('requests handed back later find mercurius as they would without the executor', async () => {
    // mercurius checks variables through graphql-js on a document's first run, compiles it
    // on the second, and runs the compiled query from then on; the executor takes a
    // document only after that second run, so what falls back later meets the same mercurius.
    const sequences: Case[][] = [
      [
        { query: 'query V($c: String!, $f: String!) { path(cluster: $c, from: $f, to: "db") { mtu } }', variables: { c: 'vxlan', f: 'shop/web' } },
        { query: 'query V($c: String!, $f: String!) { path(cluster: $c, from: $f, to: "db") { mtu } }', variables: { c: 'vxlan', f: 'shop/api' } },
        { query: 'query V($c: String!, $f: String!) { path(cluster: $c, from: $f, to: "db") { mtu } }', variables: { c: 'vxlan', f: 'cache' } },
        { query: 'query V($c: String!, $f: String!) { path(cluster: $c, from: $f, to: "db") { mtu } }', variables: { c: 'vxlan', f: 7 } },
      ],
      [
        { query: 'query N { path(cluster: "vxlan", from: "db", to: "cache") { mtu } }' },
        { query: 'query N { path(cluster: "vxlan", from: "db", to: "cache") { mtu } }' },
        { query: 'query N { path(cluster: "vxlan", from: "db", to: "cache") { mtu } }' },
        { query: 'query N { path(cluster: "vxlan", from: "db", to: "cache") { mtu } }', operationName: 'R' },
        { query: 'query N { path(cluster: "vxlan", from: "db", to: "cache") { mtu } }', operationName: 'R' },
      ],
      [
        { query: 'query W($d: String! = "vxlan") { path(cluster: $d, from: "db", to: "cache") { mtu } }', variables: { d: 'vxlan' } },
        { query: 'query W($d: String! = "vxlan") { path(cluster: $d, from: "db", to: "cache") { mtu } }', variables: { d: 'vxlan' } },
        { query: 'query W($d: String! = "vxlan") { path(cluster: $d, from: "db", to: "cache") { mtu } }', variables: { d: 'ipip' } },
        { query: 'query W($d: String! = "vxlan") { path(cluster: $d, from: "db", to: "cache") { mtu } }', variables: {}, operationName: 'R' },
        { query: 'query W($d: String! = "vxlan") { path(cluster: $d, from: "db", to: "cache") { mtu } }', variables: {} },
      ],
    ];
    for (const seq of sequences) {
      for (const c of seq) {
        const [a, b] = [await ask(fast, c), await ask(plain, c)];
        assert.deepEqual(a, b, JSON.stringify(c));
      }
    }
  });

  test('a variable that does not coerce, an unknown pod, a missing cluster: mercurius answers, as before', async () => {
    const query = 'query P($c: String!, $f: String!, $t: String!) { path(cluster: $c, from: $f, to: $t) { disposition } }';
    for (let k = 0; k < 2; k++) for (const app of [fast, plain]) await ask(app, { query, variables: { c: 'vxlan', f: 'db', t: 'cache' } });
    const before = await served(fast);
    const cases: Case[] = [
      { query, variables: { c: 'vxlan', f: 7, t: 'cache' } },
      { query, variables: { c: 'vxlan', f: 'db' } },
      { query, variables: { c: 'vxlan', f: 'shop/ghost', t: 'cache' } },
      { query, variables: { c: 'nowhere', f: 'db', t: 'cache' } },
      { query, variables: { c: 'vxlan', f: 'db', t: 'cache' }, operationName: 'Other' },
    ];
    for (const c of cases) {
      const [a, b] = [await ask(fast, c), await ask(plain, c)];
      assert.deepEqual(a, b, JSON.stringify(c));
      assert.match(a.text, /"errors"/);
    }
    const now = await served(fast);
    assert.equal(now.served, before.served);
    assert.equal(now.fallback - before.fallback, cases.length);
    // A NUL in a variable is refused by the body parser (src/api/body.ts), before either executor.
    const nul = { query, variables: { c: 'vxlan', f: 'db\u0000', t: 'cache' } };
    const [a, b] = [await ask(fast, nul), await ask(plain, nul)];
    assert.deepEqual(a, b);
    assert.equal(a.status, 400);
  });
});

describe('GraphQL path executor behind authentication', () => {
  const admin = 'pn_fast-path-admin-token-long-enough-0123456789';
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ PODNET_AUTH: 'on' });
    await new TokenService(new TokenStore(t.tdb.db.prisma)).ensure('root', admin, 'admin');
    const r = await request(t.server).post('/v1/clusters').set('authorization', `Bearer ${admin}`).send(definition('VXLAN'));
    assert.equal(r.status, 201, r.text);
  });
  after(async () => { await t.close(); });

  test('a known document still needs a token: auth runs before the executor', async () => {
    const body = { query: 'query P($c: String!) { path(cluster: $c, from: "db", to: "shop/web") { disposition } }', variables: { c: 'vxlan' } };
    for (let k = 0; k < 3; k++) {
      const ok = await request(t.server).post('/graphql').set('authorization', `Bearer ${admin}`).send(body);
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.text, '{"data":{"path":{"disposition":"DELIVERED"}}}\n');
    }
    const none = await request(t.server).post('/graphql').send(body);
    assert.equal(none.status, 401);
    const bad = await request(t.server).post('/graphql').set('authorization', `Bearer ${'b'.repeat(40)}`).send(body);
    assert.equal(bad.status, 401);
    const text = (await request(t.server).get('/metrics').set('authorization', `Bearer ${admin}`)).text;
    assert.match(text, /^podnet_graphql_fast_path_total\{outcome="served"\} 1$/m);
  });
});
