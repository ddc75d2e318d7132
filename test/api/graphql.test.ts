import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GraphQLError, getIntrospectionQuery } from 'graphql';
import type { MercuriusContext } from 'mercurius';
import request from 'supertest';
import { buildApp } from '../../src/app.js';
import { formatGraphqlErrors } from '../../src/api/graphql/index.js';
import { enumName } from '../../src/api/graphql/resolvers.js';
import { loadConfig } from '../../src/config.js';
import { vethName } from '../../src/net/devices.js';
import { AppError } from '../../src/service/errors.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

type Server = TestApp['server'];

async function gql(server: Server, query: string, variables?: Record<string, unknown>, status = 200) {
  const res = await request(server).post('/graphql').send({ query, variables });
  assert.equal(res.status, status, JSON.stringify(res.body));
  return res.body as { data: unknown; errors?: unknown[] };
}

const DEMO = {
  name: 'demo',
  podCidrs: ['10.1.0.0/16'],
  serviceCidr: '10.96.0.0/12',
  network: { mode: 'CROSS_SUBNET' },
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
    { name: 'api', namespace: 'shop', node: 'node-a' },
    { name: 'db', node: 'node-c' },
  ],
};

const APPLY = `mutation Apply($d: ClusterInput!, $dry: Boolean) {
  applyCluster(definition: $d, dryRun: $dry) {
    created dryRun
    changes { action kind name podCidrs ips }
    cluster { name mode podMtu version nodes { name podCidrs pods { ref ips } } }
  }
}`;

const demoChanges = [
  { action: 'CREATE', kind: 'CLUSTER', name: 'demo', podCidrs: null, ips: null },
  { action: 'CREATE', kind: 'NODE', name: 'node-a', podCidrs: ['10.1.0.0/24'], ips: null },
  { action: 'CREATE', kind: 'NODE', name: 'node-b', podCidrs: ['10.1.1.0/24'], ips: null },
  { action: 'CREATE', kind: 'NODE', name: 'node-c', podCidrs: ['10.1.2.0/24'], ips: null },
  { action: 'CREATE', kind: 'POD', name: 'shop/web', podCidrs: null, ips: ['10.1.0.2'] },
  { action: 'CREATE', kind: 'POD', name: 'shop/api', podCidrs: null, ips: ['10.1.0.3'] },
  { action: 'CREATE', kind: 'POD', name: 'default/db', podCidrs: null, ips: ['10.1.2.2'] },
];

const demoNodes = [
  { name: 'node-a', podCidrs: ['10.1.0.0/24'], pods: [{ ref: 'shop/web', ips: ['10.1.0.2'] }, { ref: 'shop/api', ips: ['10.1.0.3'] }] },
  { name: 'node-b', podCidrs: ['10.1.1.0/24'], pods: [] },
  { name: 'node-c', podCidrs: ['10.1.2.0/24'], pods: [{ ref: 'default/db', ips: ['10.1.2.2'] }] },
];

describe('GraphQL API', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  describe('applyCluster', () => {
    test('a dry run returns the plan and stores nothing', async () => {
      const body = await gql(t.server, APPLY, { d: DEMO, dry: true });
      assert.deepEqual(body, {
        data: { applyCluster: { created: true, dryRun: true, changes: demoChanges, cluster: { name: 'demo', mode: 'CROSS_SUBNET', podMtu: 1450, version: null, nodes: demoNodes } } },
      });
      assert.deepEqual(await gql(t.server, '{ clusters { name } }'), { data: { clusters: [] } });
    });

    test('a dry-run plan has no route tables', async () => {
      const body = await gql(t.server, 'mutation($d: ClusterInput!) { applyCluster(definition: $d, dryRun: true) { cluster { node(name: "node-a") { routeTable } } } }', { d: DEMO });
      assert.deepEqual(body, {
        data: { applyCluster: { cluster: { node: null } } },
        errors: [{
          message: 'cluster "demo" is a dry-run plan: route tables and verify exist only once it is applied',
          locations: [{ line: 1, column: 109 }],
          path: ['applyCluster', 'cluster', 'node', 'routeTable'],
          extensions: { code: 'BAD_REQUEST' },
        }],
      });
    });

    test('applying creates the cluster, then re-applying changes nothing', async () => {
      const created = await gql(t.server, APPLY, { d: DEMO });
      assert.deepEqual(created, {
        data: { applyCluster: { created: true, dryRun: false, changes: demoChanges, cluster: { name: 'demo', mode: 'CROSS_SUBNET', podMtu: 1450, version: 1, nodes: demoNodes } } },
      });
      const again = await gql(t.server, APPLY, { d: DEMO });
      assert.deepEqual(again, {
        data: { applyCluster: { created: false, dryRun: false, changes: [], cluster: { name: 'demo', mode: 'CROSS_SUBNET', podMtu: 1450, version: 1, nodes: demoNodes } } },
      });
    });

    test('a field error inside nodes or pods names the object, as REST does', async () => {
      const bad = { name: 'named', podCidrs: ['10.1.0.0/16'], nodes: [{ name: 'node-a', address: '192.168.0.1' }, { name: 'node-b', address: '192.168.0.999' }] };
      const body = await gql(t.server, 'mutation($d: ClusterInput!) { applyCluster(definition: $d, dryRun: true) { created } }', { d: bad });
      const ext = (body.errors![0] as { extensions: { code: string; errors: { path: string }[] } }).extensions;
      assert.equal(ext.code, 'VALIDATION_FAILED');
      assert.equal(ext.errors[0]!.path, 'nodes[1] (node-b).address');
      const rest = await request(t.server).post('/v1/clusters?dryRun=true').send(bad);
      assert.equal(rest.body.errors[0].path, ext.errors[0]!.path);
    });

    test('a bad definition is VALIDATION_FAILED with the field list, never a 500', async () => {
      const bad = { name: 'Bad', podCidrs: ['10.1.0.1/16'] };
      const body = await gql(t.server, 'mutation($d: ClusterInput!) { applyCluster(definition: $d) { created } }', { d: bad });
      assert.deepEqual(body, {
        data: null,
        errors: [{
          message: 'name: "Bad" is not a valid DNS-1123 label: use lowercase letters, digits and \'-\', starting and ending with a letter or digit (and 1 more; see errors)',
          locations: [{ line: 1, column: 31 }],
          path: ['applyCluster'],
          extensions: {
            code: 'VALIDATION_FAILED',
            errors: [
              { path: 'name', message: '"Bad" is not a valid DNS-1123 label: use lowercase letters, digits and \'-\', starting and ending with a letter or digit' },
              { path: 'podCidrs[0]', message: '10.1.0.1/16 has host bits set; did you mean 10.1.0.0/16?' },
            ],
            errorCount: 2,
          },
        }],
      });
    });

    test('a definition missing a required field is refused before execution', async () => {
      const body = await gql(t.server, 'mutation Missing($d: ClusterInput!) { applyCluster(definition: $d) { created } }', { d: { name: 'x' } }, 400);
      assert.deepEqual(body, {
        data: null,
        errors: [{
          message: 'Variable "$d" got invalid value { name: "x" }; Field "podCidrs" of required type "[String!]!" was not provided.',
          locations: [{ line: 1, column: 18 }],
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        }],
      });
    });
  });

  describe('queries', () => {
    test('clusters lists every cluster', async () => {
      assert.deepEqual(await gql(t.server, '{ clusters { name podCidrs serviceCidr mode mtu } }'), {
        data: { clusters: [{ name: 'demo', podCidrs: ['10.1.0.0/16'], serviceCidr: '10.96.0.0/12', mode: 'CROSS_SUBNET', mtu: 1500 }] },
      });
    });

    test('cluster resolves nodes → pods → node, pods by filter, subnets and capacity', async () => {
      const q = `{ cluster(name: "demo") {
        name subnets { name cidr gateway }
        nodes { name address subnet pods { ref node { name } } }
        node(name: "node-c") { name vtepMac }
        missing: node(name: "node-z") { name }
        shop: pods(namespace: "shop") { ref vethName }
        onC: pods(node: "node-c") { ref namespace name }
        capacity { maxNodes used free utilization families { family cidr nodeMaskSize total used free excluded utilization } }
      } }`;
      const body = await gql(t.server, q);
      assert.deepEqual(body, {
        data: {
          cluster: {
            name: 'demo',
            subnets: [{ name: 'rack1', cidr: '192.168.0.0/24', gateway: '192.168.0.1' }, { name: 'rack2', cidr: '192.168.1.0/24', gateway: '192.168.1.1' }],
            nodes: [
              { name: 'node-a', address: '192.168.0.11', subnet: 'rack1', pods: [{ ref: 'shop/web', node: { name: 'node-a' } }, { ref: 'shop/api', node: { name: 'node-a' } }] },
              { name: 'node-b', address: '192.168.0.12', subnet: 'rack1', pods: [] },
              { name: 'node-c', address: '192.168.1.13', subnet: 'rack2', pods: [{ ref: 'default/db', node: { name: 'node-c' } }] },
            ],
            node: { name: 'node-c', vtepMac: (body.data as { cluster: { node: { vtepMac: string } } }).cluster.node.vtepMac },
            missing: null,
            shop: [{ ref: 'shop/web', vethName: vethName('shop', 'web') }, { ref: 'shop/api', vethName: vethName('shop', 'api') }],
            onC: [{ ref: 'default/db', namespace: 'default', name: 'db' }],
            capacity: {
              maxNodes: 256, used: 3, free: 253, utilization: 3 / 256,
              families: [{ family: 'ipv4', cidr: '10.1.0.0/16', nodeMaskSize: 24, total: 256, used: 3, free: 253, excluded: 0, utilization: 3 / 256 }],
            },
          },
        },
      });
    });

    test('route tables over GraphQL equal REST, in every format', async () => {
      const body = await gql(t.server, `{ cluster(name: "demo") { node(name: "node-a") {
        routes { dst via dev src proto scope onlink type text } text: routeTable json: routeTable(format: JSON) script: routeTable(format: SCRIPT)
      } } }`);
      const node = (body.data as { cluster: { node: { routes: unknown; text: string; json: string; script: string } } }).cluster.node;
      const rest = (await request(t.server).get('/v1/clusters/demo/nodes/node-a/routes?format=json').expect(200)).body;
      assert.deepEqual(node.routes, rest.routes);
      assert.deepEqual(JSON.parse(node.json), rest);
      assert.equal(node.text, (await request(t.server).get('/v1/clusters/demo/nodes/node-a/routes?format=text').expect(200)).text);
      assert.equal(node.script, (await request(t.server).get('/v1/clusters/demo/nodes/node-a/routes?format=script').expect(200)).text);
      const pod = await gql(t.server, '{ cluster(name: "demo") { pods(namespace: "shop") { routes { text } } } }');
      const restPod = (await request(t.server).get('/v1/clusters/demo/pods/shop/web/routes?format=json').expect(200)).body;
      assert.deepEqual((pod.data as { cluster: { pods: { routes: { text: string }[] }[] } }).cluster.pods[0]!.routes, restPod.routes.map((r: { text: string }) => ({ text: r.text })));
    });

    test('verify equals REST', async () => {
      const body = await gql(t.server, '{ cluster(name: "demo") { verify { ok checks { name ok detail failureCount failures figures } } } }');
      const rest = (await request(t.server).get('/v1/clusters/demo/verify').expect(200)).body as { ok: boolean; checks: { name: string; ok: boolean; detail?: string; failures?: { message: string }[]; failureCount?: number; figures?: unknown }[] };
      assert.deepEqual(body, {
        data: {
          cluster: {
            verify: {
              ok: rest.ok,
              checks: rest.checks.map((c) => ({
                name: c.name, ok: c.ok, detail: c.detail ?? null, failureCount: c.failureCount ?? 0,
                failures: (c.failures ?? []).map((f) => f.message), figures: c.figures ?? null,
              })),
            },
          },
        },
      });
      assert.equal(rest.ok, true);
    });

    test('an unknown cluster is null, with no error (as the SDL says)', async () => {
      assert.deepEqual(await gql(t.server, '{ cluster(name: "nope") { name nodes { name routeTable } } }'), { data: { cluster: null } });
    });
  });

  describe('path', () => {
    const PATH = `query Path($from: String!, $to: String!) { path(cluster: "demo", from: $from, to: $to) {
      from { kind ip pod node subnet } to { kind ip pod node subnet }
      disposition sameNode encapsulation natFree mtu
      hops { index node netns dev kind action route packet { src dst ttl } outer { src dst protocol port vni } }
    } }`;

    test('between two pods of one node: through the bridge', async () => {
      const packet = { src: '10.1.0.2', dst: '10.1.0.3', ttl: 64 };
      const hop = (index: number, netns: string, dev: string, kind: string, action: string, route: string | null = null) =>
        ({ index, node: 'node-a', netns, dev, kind, action, route, packet, outer: null });
      assert.deepEqual(await gql(t.server, PATH, { from: 'shop/web', to: 'shop/api' }), {
        data: {
          path: {
            from: { kind: 'POD', ip: '10.1.0.2', pod: 'shop/web', node: 'node-a', subnet: null },
            to: { kind: 'POD', ip: '10.1.0.3', pod: 'shop/api', node: 'node-a', subnet: null },
            disposition: 'DELIVERED', sameNode: true, encapsulation: null, natFree: true, mtu: 1450,
            hops: [
              hop(0, 'pod:shop/web', 'eth0', 'POD_ETH', 'send', '10.1.0.0/24 dev eth0 proto kernel scope link src 10.1.0.2'),
              hop(1, 'host', vethName('shop', 'web'), 'VETH', 'forward'),
              hop(2, 'host', 'cni0', 'BRIDGE', 'forward'),
              hop(3, 'host', vethName('shop', 'api'), 'VETH', 'forward'),
              hop(4, 'pod:shop/api', 'eth0', 'POD_ETH', 'deliver'),
            ],
          },
        },
      });
    });

    test('equals GET /v1/clusters/{name}/path, hop for hop', async () => {
      const pairs: [string, string][] = [
        ['shop/web', 'default/db'], ['shop/web', 'node:node-b'], ['node:node-c', 'shop/api'], ['db', '8.8.8.8'], ['shop/web', '10.1.9.9'],
      ];
      for (const [from, to] of pairs) {
        const body = await gql(t.server, PATH, { from, to });
        const rest = (await request(t.server).get('/v1/clusters/demo/path').query({ from, to }).expect(200)).body;
        const endpoint = (e: { kind: string; ip: string; ref?: string; node?: string; name?: string; subnet?: string }) => ({
          kind: enumName(e.kind), ip: e.ip, pod: e.ref ?? null, node: e.node ?? e.name ?? null, subnet: e.subnet ?? null,
        });
        assert.deepEqual(body, {
          data: {
            path: {
              from: endpoint(rest.from), to: endpoint(rest.to),
              disposition: rest.disposition, sameNode: rest.sameNode, encapsulation: rest.encapsulation, natFree: rest.natFree, mtu: rest.mtu,
              hops: rest.hops.map((h: { kind: string; route?: string; outer?: { port?: number; vni?: number } }) => ({
                ...h, kind: enumName(h.kind), route: h.route ?? null,
                outer: h.outer ? { port: null, vni: null, ...h.outer } : null,
              })),
            },
          },
        }, `${from} → ${to}`);
      }
    });

    test('the REST shapes of SPEC §5 come through: a vxlan hop pair across subnets', async () => {
      const body = await gql(t.server, '{ path(cluster: "demo", from: "shop/web", to: "db") { disposition encapsulation hops { kind } } }');
      assert.deepEqual(body, {
        data: {
          path: {
            disposition: 'DELIVERED', encapsulation: 'vxlan',
            hops: ['POD_ETH', 'VETH', 'BRIDGE', 'VXLAN', 'PHYSICAL', 'ROUTER', 'PHYSICAL', 'VXLAN', 'BRIDGE', 'VETH', 'POD_ETH'].map((kind) => ({ kind })),
          },
        },
      });
    });

    test('an unknown endpoint is ENDPOINT_NOT_FOUND, an unknown cluster CLUSTER_NOT_FOUND', async () => {
      assert.deepEqual(await gql(t.server, '{ path(cluster: "demo", from: "shop/nope", to: "db") { disposition } }'), {
        data: null,
        errors: [{ message: 'endpoint "shop/nope": no pod shop/nope', locations: [{ line: 1, column: 3 }], path: ['path'], extensions: { code: 'ENDPOINT_NOT_FOUND' } }],
      });
      assert.deepEqual(await gql(t.server, '{ path(cluster: "nope", from: "a", to: "b") { disposition } }'), {
        data: null,
        errors: [{ message: 'cluster "nope" does not exist', locations: [{ line: 1, column: 3 }], path: ['path'], extensions: { code: 'CLUSTER_NOT_FOUND' } }],
      });
      assert.deepEqual(await gql(t.server, '{ path(cluster: "demo", from: "Not An Endpoint!", to: "db") { disposition } }'), {
        data: null,
        errors: [{
          message: 'endpoint "Not An Endpoint!": want ns/name, name, node:NAME or an IP address',
          locations: [{ line: 1, column: 3 }], path: ['path'], extensions: { code: 'INVALID_ENDPOINT' },
        }],
      });
    });

    // mercurius runs a document's first request through graphql-js and compiles
    // it (graphql-jit) for the next: both must give the same body, enums
    // (converted by their types, not per field) and errors included.
    test('a document answers the same the first time and once compiled', async () => {
      const documents: [string, Record<string, unknown>?][] = [
        [PATH, { from: 'shop/web', to: 'db' }],
        [PATH, { from: 'shop/web', to: 'shop/api' }],
        [PATH, { from: 'db', to: '8.8.8.8' }],
        [PATH, { from: 'shop/web', to: 'shop/nope' }],
        ['{ cluster(name: "demo") { mode network { mode mtu } nodes { name pods { ref node { name } } } } }'],
        [APPLY, { d: { ...DEMO, name: 'twice' }, dry: true }],
      ];
      for (const [query, variables] of documents) {
        const first = await gql(t.server, query, variables);
        for (let i = 0; i < 3; i++) assert.deepEqual(await gql(t.server, query, variables), first, `${query.slice(0, 40)} ${JSON.stringify(variables)}`);
      }
      assert.deepEqual(await gql(t.server, '{ cluster(name: "demo") { mode network { mode } } }'), {
        data: { cluster: { mode: 'CROSS_SUBNET', network: { mode: 'CROSS_SUBNET' } } },
      });
    });
  });

  describe('node and pod mutations', () => {
    test('addNode allocates the next block; the new node resolves its (no) pods', async () => {
      const body = await gql(t.server, 'mutation { addNode(cluster: "demo", node: {name: "node-d", address: "192.168.1.14"}) { name address subnet podCidrs gateways pods { ref } } }');
      assert.deepEqual(body, {
        data: { addNode: { name: 'node-d', address: '192.168.1.14', subnet: 'rack2', podCidrs: ['10.1.3.0/24'], gateways: ['10.1.3.1'], pods: [] } },
      });
    });

    test('addNode of an existing name is NODE_EXISTS', async () => {
      assert.deepEqual(await gql(t.server, 'mutation { addNode(cluster: "demo", node: {name: "node-d", address: "192.168.1.15"}) { name } }'), {
        data: null,
        errors: [{ message: 'node "node-d" already exists in cluster "demo"', locations: [{ line: 1, column: 12 }], path: ['addNode'], extensions: { code: 'NODE_EXISTS' } }],
      });
    });

    test('addPod allocates an IP; its node resolves with the pod on it', async () => {
      const body = await gql(t.server, 'mutation { addPod(cluster: "demo", pod: {name: "cache", namespace: "shop", node: "node-d"}) { ref ips vethName node { name pods { ref } } } }');
      assert.deepEqual(body, {
        data: { addPod: { ref: 'shop/cache', ips: ['10.1.3.2'], vethName: vethName('shop', 'cache'), node: { name: 'node-d', pods: [{ ref: 'shop/cache' }] } } },
      });
    });

    test('addPod on an unknown node is VALIDATION_FAILED naming the field', async () => {
      assert.deepEqual(await gql(t.server, 'mutation { addPod(cluster: "demo", pod: {name: "x", node: "node-z"}) { ref } }'), {
        data: null,
        errors: [{
          message: 'node "node-z" does not exist in cluster "demo"', locations: [{ line: 1, column: 12 }], path: ['addPod'],
          extensions: { code: 'VALIDATION_FAILED', errors: [{ path: 'node', message: 'unknown node "node-z"' }], errorCount: 1 },
        }],
      });
    });

    test('removePod by ref, then again is POD_NOT_FOUND', async () => {
      assert.deepEqual(await gql(t.server, 'mutation { removePod(cluster: "demo", ref: "shop/cache") }'), { data: { removePod: true } });
      assert.deepEqual(await gql(t.server, 'mutation { removePod(cluster: "demo", ref: "shop/cache") }'), {
        data: null,
        errors: [{ message: 'pod "shop/cache" does not exist in cluster "demo"', locations: [{ line: 1, column: 12 }], path: ['removePod'], extensions: { code: 'POD_NOT_FOUND' } }],
      });
    });

    test('removeNode, then again is NODE_NOT_FOUND', async () => {
      assert.deepEqual(await gql(t.server, 'mutation { removeNode(cluster: "demo", name: "node-d") }'), { data: { removeNode: true } });
      assert.deepEqual(await gql(t.server, 'mutation { removeNode(cluster: "demo", name: "node-d") }'), {
        data: null,
        errors: [{ message: 'node "node-d" does not exist in cluster "demo"', locations: [{ line: 1, column: 12 }], path: ['removeNode'], extensions: { code: 'NODE_NOT_FOUND' } }],
      });
    });

    test('a mutation sees the writes of the mutations before it in the same request', async () => {
      const body = await gql(t.server, `mutation {
        addNode(cluster: "demo", node: {name: "node-e", address: "192.168.0.15"}) { name pods { ref } }
        addPod(cluster: "demo", pod: {name: "late", node: "node-e"}) { ref node { name pods { ref } } }
        removeNode(cluster: "demo", name: "node-e")
      }`);
      assert.deepEqual(body, {
        data: {
          addNode: { name: 'node-e', pods: [] },
          addPod: { ref: 'default/late', node: { name: 'node-e', pods: [{ ref: 'default/late' }] } },
          removeNode: true,
        },
      });
    });
  });

  describe('limits', () => {
    test('a query deeper than 8 levels is refused before execution', async () => {
      // An unknown cluster: executed, it would answer CLUSTER_NOT_FOUND.
      const q = '{ cluster(name: "nope") { node(name: "node-a") { pods { node { pods { node { pods { node { name } } } } } } } } }';
      assert.deepEqual(await gql(t.server, q, undefined, 400), {
        data: null,
        errors: [{ message: 'the operation is 9 levels deep; the limit is 8', locations: [{ line: 1, column: 1 }], extensions: { code: 'QUERY_TOO_DEEP', depth: 9, limit: 8 } }],
      });
    });

    test('fragments count towards depth', async () => {
      const q = `query Deep { cluster(name: "demo") { ...N } }
        fragment N on Cluster { nodes { pods { node { pods { node { pods { node { pods { ref } } } } } } } } }`;
      assert.deepEqual(await gql(t.server, q, undefined, 400), {
        data: null,
        errors: [{ message: 'operation "Deep" is 10 levels deep; the limit is 8', locations: [{ line: 1, column: 1 }], extensions: { code: 'QUERY_TOO_DEEP', depth: 10, limit: 8 } }],
      });
    });

    test('the cost is priced by the real sizes: small queries on a small cluster pass, a refusal says its cost and the limit', async () => {
      const small = await gql(t.server, '{ cluster(name: "demo") { nodes { name routeTable } } }');
      assert.equal(small.errors, undefined, JSON.stringify(small.errors));
      assert.equal((small.data as { cluster: { nodes: unknown[] } }).cluster.nodes.length, 3);
      const everything = await gql(t.server, '{ clusters { verify { ok checks { name failures } } nodes { name pods { ref } routes { text } } } }');
      assert.equal(everything.errors, undefined, JSON.stringify(everything.errors));

      // 20 levels of fragments that each spread the next twice: 2^20 leaves, priced without expanding them.
      const frags = Array.from({ length: 20 }, (_, i) => `fragment F${i} on Cluster { a: ...F${i + 1} b: __typename ...F${i + 1} }`.replace(/a: /, ''));
      const wide = `{ cluster(name: "demo") { ...F0 } } ${frags.join(' ')} fragment F20 on Cluster { nodes { name podCidrs } }`;
      const body = await gql(t.server, wide, undefined, 400);
      const cost = 1 + (2 ** 20) * 3 * 3;
      assert.deepEqual(body, {
        data: null,
        errors: [{
          message: `the operation costs ${cost}; the limit is 50000 (each field counts once per object it is resolved on: ask for fewer fields or shorter lists)`,
          extensions: { code: 'QUERY_TOO_COMPLEX', cost, limit: 50000 },
        }],
      });
    });

    test('every route table of a large cluster is refused; one node\'s is not', async () => {
      const nodes = Array.from({ length: 300 }, (_, i) => ({ name: `n${i}`, address: `10.200.${i >> 8}.${i & 255}` }));
      const res = await request(t.server).put('/v1/clusters/big').send({ name: 'big', podCidrs: ['10.64.0.0/12'], nodes });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const all = await gql(t.server, 'query All($c: String!) { cluster(name: $c) { nodes { name routeTable } } }', { c: 'big' }, 400);
      const refusal = all.errors![0] as { extensions: { code: string; cost: number; limit: number } };
      assert.equal(refusal.extensions.code, 'QUERY_TOO_COMPLEX');
      assert.equal(refusal.extensions.cost, 1 + 300 * (1 + 1 + 303));
      const one = await gql(t.server, '{ cluster(name: "big") { node(name: "n7") { name routeTable } } }');
      assert.equal(one.errors, undefined);
      assert.equal((await request(t.server).delete('/v1/clusters/big')).status, 204);
    });

    test('a path\'s picture and introspection are priced: many aliased copies are refused, one is not', async () => {
      const svgs = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: path(cluster: "demo", from: "shop/web", to: "db") { svg }`).join(' ')} }`;
      const one = await gql(t.server, svgs(1));
      assert.equal(one.errors, undefined, JSON.stringify(one.errors));
      assert.match((one.data as { a0: { svg: string } }).a0.svg, /^<svg/);
      const many = await gql(t.server, svgs(500), undefined, 400);
      assert.equal((many.errors![0] as { extensions: { code: string } }).extensions.code, 'QUERY_TOO_COMPLEX');
      const schemas = `{ ${Array.from({ length: 200 }, (_, i) => `s${i}: __schema { types { name fields { name args { name } } } }`).join(' ')} }`;
      const refused = await gql(t.server, schemas, undefined, 400);
      assert.equal((refused.errors![0] as { extensions: { code: string } }).extensions.code, 'QUERY_TOO_COMPLEX');
      // Through fragments that spread each other twice over: priced, in linear time.
      const frags = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ');
      const nested = await gql(t.server, `{ ...F0 } ${frags} fragment F30 on Query { __schema { queryType { name } } }`, undefined, 400);
      assert.equal((nested.errors![0] as { extensions: { code: string } }).extensions.code, 'QUERY_TOO_COMPLEX');
    });

    test('a document over the token limit is refused by the parser', async () => {
      const huge = `{ ${Array.from({ length: 4000 }, (_, i) => `a${i}: __typename`).join(' ')} }`;
      assert.deepEqual(await gql(t.server, huge, undefined, 400), {
        data: null,
        errors: [{ message: 'Syntax Error: Document contains more that 10000 tokens. Parsing aborted.', locations: [{ line: 1, column: 58887 }], extensions: { code: 'QUERY_TOO_LARGE' } }],
      });
    });

    test('introspection (what GraphiQL sends) is not limited by depth', async () => {
      const body = await gql(t.server, getIntrospectionQuery());
      assert.equal(body.errors, undefined);
      assert.equal((body.data as { __schema: { queryType: { name: string } } }).__schema.queryType.name, 'Query');
    });
  });

  describe('errors', () => {
    test('a syntax error, an unknown field and a malformed body are 400s with codes', async () => {
      assert.deepEqual(await gql(t.server, '{ cluster(', undefined, 400), {
        data: null,
        errors: [{ message: 'Syntax Error: Expected Name, found <EOF>.', locations: [{ line: 1, column: 11 }], extensions: { code: 'GRAPHQL_PARSE_FAILED' } }],
      });
      assert.deepEqual(await gql(t.server, '{ nope }', undefined, 400), {
        data: null,
        errors: [{ message: 'Cannot query field "nope" on type "Query".', locations: [{ line: 1, column: 3 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
      });
      const res = await request(t.server).post('/graphql').set('content-type', 'application/json').send('{bad').expect(400);
      assert.deepEqual(res.body, {
        data: null,
        errors: [{ message: "Body is not valid JSON but content-type is set to 'application/json'", extensions: { code: 'MALFORMED_BODY' } }],
      });
    });

    test('an unexpected error is INTERNAL, without its message', () => {
      const ctx = { app: { log: { error() {} } } } as unknown as MercuriusContext;
      const secret = new GraphQLError('password=hunter2 at db.internal', { path: ['clusters'], originalError: new Error('password=hunter2') });
      const known = new GraphQLError('x', { path: ['cluster'], originalError: new AppError('POD_CIDR_EXHAUSTED', 'no free /24', { extra: { capacity: { free: 0 } } }) });
      assert.deepEqual(formatGraphqlErrors({ data: { clusters: null }, errors: [secret, known] }, ctx), {
        statusCode: 200,
        response: {
          data: { clusters: null },
          errors: [
            { message: 'internal error', path: ['clusters'], extensions: { code: 'INTERNAL' } },
            { message: 'no free /24', path: ['cluster'], extensions: { code: 'POD_CIDR_EXHAUSTED', capacity: { free: 0 } } },
          ],
        },
      });
    });
  });

  describe('documents and tools', () => {
    test('GraphiQL is served at /graphiql', async () => {
      const res = await request(t.server).get('/graphiql').expect(200);
      assert.match(res.headers['content-type']!, /text\/html/);
    });

    test('the SDL is served at /graphql/schema.graphql', async () => {
      const res = await request(t.server).get('/graphql/schema.graphql').expect(200);
      assert.match(res.headers['content-type']!, /^text\/plain/);
      assert.match(res.text, /type Query \{\n {2}clusters: \[Cluster!\]!/);
      assert.match(res.text, /enum HopKind \{ POD_ETH VETH BRIDGE PHYSICAL VXLAN IPIP ROUTER \}/);
    });
  });

  describe('batching', () => {
    const bigCluster = (name: string, nodes: number) => ({
      name,
      podCidrs: ['10.0.0.0/14'],
      nodes: Array.from({ length: nodes }, (_, i) => ({ name: `n${i}`, address: `172.16.${i >> 8}.${i & 255}` })),
      pods: Array.from({ length: nodes * 2 }, (_, i) => ({ name: `p${i}`, node: `n${i >> 1}` })),
    });
    const NESTED = (name: string) => `{ cluster(name: "${name}") { nodes { name pods { ref node { name } } } } }`;

    /** SQL statements one query costs, on the warm app and on a second app (cold snapshot cache) over the same database. */
    async function statementsFor(name: string, nodes: number): Promise<{ cold: number; warm: number }> {
      await gql(t.server, 'mutation($d: ClusterInput!) { applyCluster(definition: $d) { created } }', { d: bigCluster(name, nodes) });
      const check = (body: { data: unknown }) => {
        const got = (body.data as { cluster: { nodes: { name: string; pods: { ref: string; node: { name: string } }[] }[] } }).cluster.nodes;
        assert.equal(got.length, nodes);
        assert.deepEqual(got[nodes - 1], {
          name: `n${nodes - 1}`,
          pods: [{ ref: `default/p${2 * nodes - 2}`, node: { name: `n${nodes - 1}` } }, { ref: `default/p${2 * nodes - 1}`, node: { name: `n${nodes - 1}` } }],
        });
      };
      check(await gql(t.server, NESTED(name)));
      const q = t.tdb.db.queries;
      let before = q.count;
      check(await gql(t.server, NESTED(name)));
      const warm = q.count - before;
      const cold = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', PODNET_AUTH: 'off' }), db: t.tdb.db }, { logger: false });
      try {
        await cold.ready();
        before = q.count;
        const res = await cold.inject({ method: 'POST', url: '/graphql', payload: { query: NESTED(name) } });
        check(res.json());
        return { cold: q.count - before, warm };
      } finally {
        await cold.close();
      }
    }

    test('nested nodes → pods → node cost the same SQL for 20 and 200 nodes', async (tc) => {
      const small = await statementsFor('small', 20);
      const big = await statementsFor('big', 200);
      tc.diagnostic(`SQL statements per query: 20 nodes ${JSON.stringify(small)}, 200 nodes ${JSON.stringify(big)}`);
      assert.equal(big.cold, small.cold);
      // One version probe, or none while the instance reads solo (the first
      // `cold` app on the same connections turns solo reads off for both).
      for (const s of [small, big]) assert.ok(s.warm <= 1, `a warm snapshot costs at most one version probe (${s.warm})`);
      assert.ok(small.cold <= 10, `a cold load is a handful of statements (${small.cold})`);
    });
  });

  describe('deleteCluster', () => {
    test('deletes, then CLUSTER_NOT_FOUND', async () => {
      assert.deepEqual(await gql(t.server, 'mutation { deleteCluster(name: "demo") }'), { data: { deleteCluster: true } });
      assert.deepEqual(await gql(t.server, 'mutation { deleteCluster(name: "demo") }'), {
        data: null,
        errors: [{ message: 'cluster "demo" does not exist', locations: [{ line: 1, column: 12 }], path: ['deleteCluster'], extensions: { code: 'CLUSTER_NOT_FOUND' } }],
      });
      assert.deepEqual(await gql(t.server, '{ clusters { name } }'), { data: { clusters: [{ name: 'big' }, { name: 'small' }] } });
    });
  });
});
