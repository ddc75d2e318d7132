import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const fixture = (f: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/k8s/${f}`, import.meta.url), 'utf8'));
const vxlan = () => ({ podCidrs: ['10.244.0.0/16'], nodes: fixture('vxlan-nodes.json'), pods: fixture('vxlan-pods.json') });

async function counts(t: TestApp): Promise<number[]> {
  const [r] = await t.tdb.db.sql<{ c: number; n: number; p: number }[]>`
    SELECT (SELECT count(*) FROM cluster)::int AS c, (SELECT count(*) FROM node)::int AS n, (SELECT count(*) FROM pod)::int AS p`;
  return [r!.c, r!.n, r!.p];
}

interface Pod { ref: string; node: string; ips: string[] }

describe('importing a live cluster (SPEC §11)', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  test('a Flannel vxlan cluster: every allocation pinned, hostNetwork and Pending pods skipped, re-import a no-op', async () => {
    const dry = await request(t.server).post('/v1/clusters/live/import?dryRun=true').send(vxlan()).expect(200);
    assert.ok(dry.body.plan && dry.body.changes && 'impact' in dry.body);
    assert.equal(dry.body.skipped.length, 3);
    assert.deepEqual(await counts(t), [0, 0, 0], 'a dry run stores nothing');

    const res = await request(t.server).post('/v1/clusters/live/import').send(vxlan()).expect(201);
    const c = res.body.cluster;
    assert.equal(c.network.mode, 'vxlan', 'inferred from the backend-type annotation');
    assert.equal(c.network.vxlan.vni, 1, 'from backend-data');
    assert.deepEqual(c.nodes.map((n: { name: string; addresses: string[]; podCidrs: string[]; vtepMac: string }) => [n.name, n.addresses, n.podCidrs, n.vtepMac]), [
      ['worker-1', ['10.0.0.11'], ['10.244.0.0/24'], '5e:1a:2b:3c:4d:01'],
      ['worker-2', ['10.0.0.12'], ['10.244.1.0/24'], '5e:1a:2b:3c:4d:02'],
    ], 'VtepMAC from backend-data');
    const routes = await request(t.server).get('/v1/clusters/live/nodes/worker-1/routes?format=json').expect(200);
    assert.deepEqual(routes.body.fdb, [{ mac: '5e:1a:2b:3c:4d:02', dev: 'flannel.1', dst: '10.0.0.12' }], 'the peer\'s live VTEP MAC');
    assert.deepEqual(c.pods.map((p: Pod) => [p.ref, p.node, p.ips]).sort(), [
      ['billing/invoice-0', 'worker-2', ['10.244.1.9']],
      ['kube-system/coredns-5d78c9869d-x7k2p', 'worker-1', ['10.244.0.2']],
      ['shop/web-6b7f9c-abcde', 'worker-1', ['10.244.0.5']],
      ['shop/web-6b7f9c-fghij', 'worker-2', ['10.244.1.7']],
    ]);
    assert.deepEqual(res.body.skipped, [
      { ref: 'billing/invoice-1', reason: 'no node assigned' },
      { ref: 'kube-system/kube-flannel-ds-a1b2c', reason: 'hostNetwork pod: uses the node\'s address' },
      { ref: 'kube-system/kube-flannel-ds-d3e4f', reason: 'hostNetwork pod: uses the node\'s address' },
    ], 'in kubectl\'s order (namespace, then name)');

    const again = await request(t.server).post('/v1/clusters/live/import').send(vxlan()).expect(200);
    assert.equal(again.body.changes.total ?? again.body.changes.length ?? 0, 0, JSON.stringify(again.body.changes));
    assert.deepEqual(again.body.skipped, res.body.skipped, 'an unchanged re-import still lists what it skipped');
    const view = await request(t.server).get('/v1/clusters/live').expect(200);
    assert.equal(view.body.version, c.version, 're-importing an unchanged cluster changes nothing');

    // A change since the last import: the same bytes converge the cluster back (no stale shortcut).
    await request(t.server).delete('/v1/clusters/live/nodes/worker-2').expect(204);
    const back = await request(t.server).post('/v1/clusters/live/import').send(vxlan()).expect(200);
    assert.deepEqual(back.body.changes.filter((x: { kind: string }) => x.kind === 'node').map((x: { action: string; name: string }) => [x.action, x.name]), [['create', 'worker-2']]);
    assert.deepEqual(back.body.skipped, res.body.skipped);
    const restored = await request(t.server).get('/v1/clusters/live/nodes/worker-2').expect(200);
    assert.deepEqual(restored.body.podCidrs, ['10.244.1.0/24'], 'pinned again as kubectl says');
  });

  test('a dual-stack Flannel cluster: both families pinned per node and pod, DaemonSet, static, Pending and finished pods skipped', async () => {
    const body = { podCidrs: ['10.244.0.0/16', 'fd00:10:244::/56'], nodes: fixture('dualstack-nodes.json'), pods: fixture('dualstack-pods.json') };
    const res = await request(t.server).post('/v1/clusters/dual/import').send(body).expect(201);
    const c = res.body.cluster;
    assert.equal(c.network.mode, 'vxlan');
    assert.deepEqual(c.nodeMaskSize, { ipv4: 24, ipv6: 64 }, 'from the nodes\' blocks');
    assert.deepEqual(c.nodes.map((n: { name: string; addresses: string[]; podCidrs: string[]; vtepMac: string }) => [n.name, n.addresses, n.podCidrs, n.vtepMac]), [
      ['ds-cp-1', ['192.168.56.10', 'fd00:56::10'], ['10.244.0.0/24', 'fd00:10:244::/64'], 'be:7e:5d:0c:a1:10'],
      ['ds-worker-1', ['192.168.56.11', 'fd00:56::11'], ['10.244.1.0/24', 'fd00:10:244:1::/64'], 'be:7e:5d:0c:a1:11'],
      ['ds-worker-2', ['192.168.56.12', 'fd00:56::12'], ['10.244.2.0/24', 'fd00:10:244:2::/64'], 'be:7e:5d:0c:a1:12'],
    ]);
    assert.deepEqual(c.pods.map((p: Pod) => [p.ref, p.node, p.ips]), [
      ['default/nginx-7c5ddbdf54-2xq8v', 'ds-worker-1', ['10.244.1.2', 'fd00:10:244:1::2']],
      ['default/nginx-7c5ddbdf54-pl4mw', 'ds-worker-2', ['10.244.2.2', 'fd00:10:244:2::2']],
      ['kube-system/coredns-76f75df574-8hx2q', 'ds-cp-1', ['10.244.0.2', 'fd00:10:244::2']],
      ['kube-system/coredns-76f75df574-w7kzn', 'ds-cp-1', ['10.244.0.3', 'fd00:10:244::3']],
      ['monitoring/grafana-6f8d7b9c5-zt5kq', 'ds-worker-1', ['10.244.1.4', 'fd00:10:244:1::4']],
      ['shop/cart-0', 'ds-worker-1', ['10.244.1.3', 'fd00:10:244:1::3']],
      ['shop/web-5f7b9d6c48-kq2zt', 'ds-worker-2', ['10.244.2.3', 'fd00:10:244:2::3']],
    ]);
    const reasons = Object.fromEntries(res.body.skipped.map((s: { ref: string; reason: string }) => [s.ref, s.reason]));
    const hostNetwork = Object.keys(reasons).filter((r) => reasons[r] === 'hostNetwork pod: uses the node\'s address').sort();
    assert.deepEqual(hostNetwork, [
      'kube-flannel/kube-flannel-ds-4xk9p', 'kube-flannel/kube-flannel-ds-9tqzw', 'kube-flannel/kube-flannel-ds-mz2lr',
      'kube-system/etcd-ds-cp-1', 'kube-system/kube-apiserver-ds-cp-1', 'kube-system/kube-controller-manager-ds-cp-1',
      'kube-system/kube-proxy-2bq7d', 'kube-system/kube-proxy-h6vxm', 'kube-system/kube-proxy-tq9rs', 'kube-system/kube-scheduler-ds-cp-1',
      'monitoring/node-exporter-5k2vx', 'monitoring/node-exporter-c8j4n', 'monitoring/node-exporter-xp7gh',
    ]);
    assert.equal(reasons['monitoring/prometheus-server-0'], 'no node assigned', 'Pending, unschedulable');
    assert.equal(reasons['shop/web-5f7b9d6c48-r8vnd'], 'no IP assigned', 'Pending, ContainerCreating');
    assert.equal(reasons['batch/report-28853460-xm4fz'], 'finished (phase Succeeded): its IP is released', 'grafana holds that IP now');
    assert.equal(res.body.skipped.length, 16);

    const routes = await request(t.server).get('/v1/clusters/dual/nodes/ds-worker-1/routes?format=json').expect(200);
    const fdb = routes.body.fdb.map((f: { mac: string; dev: string; dst: string }) => `${f.mac} ${f.dev} ${f.dst}`);
    assert.deepEqual(fdb, [
      'be:7e:5d:0c:a1:10 flannel.1 192.168.56.10', 'be:7e:5d:0c:a1:12 flannel.1 192.168.56.12',
      'ae:3f:91:20:6b:10 flannel-v6.1 fd00:56::10', 'ae:3f:91:20:6b:12 flannel-v6.1 fd00:56::12',
    ], 'each device\'s MAC from its own annotation: backend-data, backend-v6-data');
    assert.deepEqual(c.nodes.map((n: { vtepMac6: string }) => n.vtepMac6), ['ae:3f:91:20:6b:10', 'ae:3f:91:20:6b:11', 'ae:3f:91:20:6b:12']);
    const path = await request(t.server).get('/v1/clusters/dual/path?from=shop/cart-0&to=kube-system/coredns-76f75df574-8hx2q').expect(200);
    assert.equal(path.body.disposition, 'DELIVERED');
    const verify = await request(t.server).get('/v1/clusters/dual/verify').expect(200);
    assert.equal(verify.body.ok, true, JSON.stringify(verify.body));

    const none = await request(t.server).post('/v1/clusters/dual2/import').send({ ...body, podCidrs: undefined }).expect(422);
    assert.deepEqual(none.body.suggestion, ['10.244.0.0/22', 'fd00:10:244::/62'], 'one prefix per family');
  });

  test('re-importing an unchanged cluster writes no row: version, updated_at and every row\'s xmin stay', async () => {
    const body = { podCidrs: ['10.244.0.0/16', 'fd00:10:244::/56'], nodes: fixture('dualstack-nodes.json'), pods: fixture('dualstack-pods.json') };
    await request(t.server).post('/v1/clusters/again/import').send(body).expect(201);
    const rows = () => t.tdb.db.sql<{ t: string; xmin: string; at: string | null }[]>`
      SELECT 'cluster' AS t, c.xmin::text, c.updated_at::text AS at FROM cluster c WHERE c.name = 'again'
      UNION ALL SELECT 'node', n.xmin::text, n.vtep_mac FROM node n JOIN cluster c ON c.id = n.cluster_id WHERE c.name = 'again'
      UNION ALL SELECT 'pod', p.xmin::text, host(p.ip_v6) FROM pod p JOIN cluster c ON c.id = p.cluster_id WHERE c.name = 'again'
      ORDER BY 1, 2, 3`;
    const before = await rows();
    assert.equal(before.length, 1 + 3 + 7);
    const v0 = (await request(t.server).get('/v1/clusters/again').expect(200)).body.version;
    for (const dryRun of [false, true, false]) {
      const again = await request(t.server).post(`/v1/clusters/again/import${dryRun ? '?dryRun=true' : ''}`).send(body).expect(200);
      assert.deepEqual(again.body.changes, [], `dryRun=${dryRun}`);
      assert.equal(again.body.skipped.length, 16);
    }
    assert.equal((await request(t.server).get('/v1/clusters/again').expect(200)).body.version, v0);
    assert.deepEqual(await rows(), before, 'not one row rewritten');
    // The same cluster, changed: one pod gone, one VTEP MAC replaced (a node re-created by Flannel).
    const pods = structuredClone(body.pods) as { items: { metadata: { name: string } }[] };
    pods.items = pods.items.filter((p) => p.metadata.name !== 'cart-0');
    const nodes = structuredClone(body.nodes) as { items: { metadata: { annotations: Record<string, string> } }[] };
    nodes.items[2]!.metadata.annotations['flannel.alpha.coreos.com/backend-data'] = '{"VNI":1,"VtepMAC":"be:7e:5d:0c:a1:99"}';
    const changed = await request(t.server).post('/v1/clusters/again/import').send({ ...body, nodes, pods }).expect(200);
    assert.deepEqual(changed.body.changes.map((c: { action: string; kind: string; name: string }) => `${c.action} ${c.kind} ${c.name}`).sort(), [
      'delete pod shop/cart-0', 'update node ds-worker-2',
    ]);
    assert.equal((await request(t.server).get('/v1/clusters/again').expect(200)).body.version, v0 + 1);
  });

  test('a host-gw cluster, mode from the annotations', async () => {
    const res = await request(t.server).post('/v1/clusters/gw/import')
      .send({ podCidrs: ['10.42.0.0/16'], nodes: fixture('hostgw-nodes.json'), pods: fixture('hostgw-pods.json') }).expect(201);
    assert.equal(res.body.cluster.network.mode, 'host-gw');
    assert.deepEqual(res.body.cluster.pods.map((p: Pod) => p.ips).sort(), [['10.42.0.10'], ['10.42.1.3']]);
    assert.deepEqual(res.body.skipped, []);
  });

  test('without podCidrs: 422 suggesting the smallest prefix holding every node block', async () => {
    const before = await counts(t);
    const res = await request(t.server).post('/v1/clusters/nocidr/import').send({ ...vxlan(), podCidrs: undefined }).expect(422);
    assert.equal(res.body.code, 'VALIDATION_FAILED');
    assert.deepEqual(res.body.suggestion, ['10.244.0.0/23']);
    assert.match(res.body.detail, /10\.244\.0\.0\/23/);
    assert.deepEqual(await counts(t), before);
  });

  test('a broken live cluster: one 422 naming every bad object, nothing stored', async () => {
    const before = await counts(t);
    const res = await request(t.server).post('/v1/clusters/broken/import')
      .send({ podCidrs: ['10.244.0.0/16'], nodes: fixture('vxlan-nodes.json'), pods: fixture('broken-pods.json') }).expect(422);
    const text = JSON.stringify(res.body.errors);
    assert.match(text, /shop\/web-b/, 'duplicate IP / outside its block');
    assert.match(text, /billing\/stray/, 'outside its node block');
    assert.deepEqual(await counts(t), before);

    const outside = await request(t.server).post('/v1/clusters/broken/import')
      .send({ podCidrs: ['10.244.0.0/24'], nodes: fixture('vxlan-nodes.json'), pods: { apiVersion: 'v1', kind: 'List', items: [] } });
    assert.equal(outside.status, 422, JSON.stringify(outside.body));
    assert.match(JSON.stringify(outside.body.errors), /worker-2/, 'a block outside podCidrs');
    assert.deepEqual(await counts(t), before);
  });

  test('overlapping node blocks, a pod on a node not in the list, a pod IP of a family its node has no block of: one 422 by name', async () => {
    const before = await counts(t);
    const nodes = fixture('vxlan-nodes.json') as { items: { spec: { podCIDR: string; podCIDRs: string[] } }[] };
    nodes.items[1]!.spec = { podCIDR: '10.244.0.0/24', podCIDRs: ['10.244.0.0/24'] };
    const overlap = await request(t.server).post('/v1/clusters/overlap/import')
      .send({ podCidrs: ['10.244.0.0/16'], nodes, pods: { apiVersion: 'v1', kind: 'List', items: [] } }).expect(422);
    assert.equal(overlap.body.code, 'VALIDATION_FAILED');
    assert.deepEqual(overlap.body.errors, [{
      path: 'nodes[1].podCidrs[0]', message: 'node worker-2: 10.244.0.0/24 overlaps 10.244.0.0/24, pinned by node "worker-1" (nodes[0])',
    }]);

    const pods = fixture('vxlan-pods.json') as { items: { metadata: { name: string }; spec: { nodeName?: string }; status: { podIPs?: { ip: string }[] } }[] };
    const web = pods.items.find((p) => p.metadata.name === 'web-6b7f9c-abcde')!;
    web.spec.nodeName = 'worker-9';
    const coredns = pods.items.find((p) => p.metadata.name.startsWith('coredns'))!;
    coredns.status.podIPs = [{ ip: '10.244.0.2' }, { ip: 'fd00::2' }];
    const res = await request(t.server).post('/v1/clusters/strays/import').send({ podCidrs: ['10.244.0.0/16'], nodes: fixture('vxlan-nodes.json'), pods }).expect(422);
    const text = JSON.stringify(res.body.errors);
    assert.match(text, /pod shop\/web-6b7f9c-abcde: .*worker-9/, text);
    assert.match(text, /pod kube-system\/coredns-5d78c9869d-x7k2p: .*fd00::2/, text);
    assert.deepEqual(await counts(t), before);
  });

  test('GraphQL importCluster: the same answer as REST, dry run first; a broken cluster is VALIDATION_FAILED by name', async () => {
    const query = `mutation($input: ImportInput!, $dry: Boolean) {
      importCluster(name: "gql", input: $input, dryRun: $dry) {
        created dryRun changes { action kind name } skipped { ref reason }
        cluster { mode version nodes { name podCidrs vtepMac } pods(namespace: "shop") { ref ips } }
      }
    }`;
    const input = { podCidrs: ['10.244.0.0/16', 'fd00:10:244::/56'], nodes: fixture('dualstack-nodes.json'), pods: fixture('dualstack-pods.json') };
    const dry = await request(t.server).post('/graphql').send({ query, variables: { input, dry: true } }).expect(200);
    assert.equal(dry.body.errors, undefined, JSON.stringify(dry.body.errors));
    const d = dry.body.data.importCluster;
    assert.deepEqual([d.created, d.dryRun, d.cluster.version, d.skipped.length], [true, true, null, 16]);
    assert.equal((await request(t.server).get('/v1/clusters/gql')).status, 404, 'a dry run stores nothing');

    const res = await request(t.server).post('/graphql').send({ query, variables: { input } }).expect(200);
    const r = res.body.data.importCluster;
    const rest = await request(t.server).post('/v1/clusters/gql/import?dryRun=true').send(input).expect(200);
    assert.deepEqual(r.skipped, rest.body.skipped);
    assert.equal(r.cluster.mode, 'VXLAN');
    assert.deepEqual(r.cluster.nodes[1], { name: 'ds-worker-1', podCidrs: ['10.244.1.0/24', 'fd00:10:244:1::/64'], vtepMac: 'be:7e:5d:0c:a1:11' });
    assert.deepEqual(r.cluster.pods, [
      { ref: 'shop/cart-0', ips: ['10.244.1.3', 'fd00:10:244:1::3'] },
      { ref: 'shop/web-5f7b9d6c48-kq2zt', ips: ['10.244.2.3', 'fd00:10:244:2::3'] },
    ]);
    assert.equal(r.changes.filter((c: { action: string }) => c.action === 'CREATE').length, 1 + 3 + 7);
    const again = await request(t.server).post('/graphql').send({ query, variables: { input } }).expect(200);
    assert.deepEqual(again.body.data.importCluster.changes, []);
    assert.equal(again.body.data.importCluster.cluster.version, r.cluster.version);

    const broken = await request(t.server).post('/graphql').send({
      query: 'mutation($input: ImportInput!) { importCluster(name: "gqlbad", input: $input) { created } }',
      variables: { input: { podCidrs: ['10.244.0.0/16'], nodes: fixture('vxlan-nodes.json'), pods: fixture('broken-pods.json') } },
    }).expect(200);
    assert.equal(broken.body.data, null);
    assert.equal(broken.body.errors[0].extensions.code, 'VALIDATION_FAILED');
    assert.match(JSON.stringify(broken.body.errors[0].extensions.errors), /pod shop\/web-b: 10\.244\.0\.5 is also the IP of pod shop\/web-a/);
    const noCidr = await request(t.server).post('/graphql').send({
      query: 'mutation { importCluster(name: "gqlbad", input: {nodes: {kind: "List", items: []}}) { created } }',
    }).expect(200);
    assert.equal(noCidr.body.errors[0].extensions.code, 'VALIDATION_FAILED');
  });

  test('the API server\'s own NodeList and PodList (curl …/api/v1/nodes) import as kubectl\'s List does', async () => {
    const nodes = { ...(fixture('hostgw-nodes.json') as object), kind: 'NodeList' };
    const pods = { ...(fixture('hostgw-pods.json') as object), kind: 'PodList' };
    const res = await request(t.server).post('/v1/clusters/api-lists/import?dryRun=true').send({ podCidrs: ['10.42.0.0/16'], nodes, pods }).expect(200);
    assert.deepEqual(res.body.plan.pods.map((p: Pod) => p.ips).sort(), [['10.42.0.10'], ['10.42.1.3']]);
    const wrong = await request(t.server).post('/v1/clusters/api-lists/import').send({ podCidrs: ['10.42.0.0/16'], nodes: pods }).expect(422);
    assert.deepEqual(wrong.body.errors.map((e: { path: string }) => e.path), ['nodes']);
  });

  test('nodes that are not a v1 List are a 422', async () => {
    await request(t.server).post('/v1/clusters/x/import').send({ podCidrs: ['10.244.0.0/16'], nodes: [{ a: 1 }] }).expect(422);
  });

  test('objects without a name are named by their place, never as "undefined"', async () => {
    const res = await request(t.server).post('/v1/clusters/x/import').send({
      podCidrs: ['10.244.0.0/16'], nodes: { kind: 'List', items: [{}] },
      pods: { kind: 'List', items: [{ metadata: { namespace: 'kube-system' }, spec: { nodeName: 'n1' }, status: { podIP: '10.244.0.5' } }] },
    }).expect(422);
    assert.doesNotMatch(res.text, /undefined/);
    assert.ok(res.body.errors.some((e: { path: string }) => e.path.startsWith('nodes[0]')), res.text);
  });
});
