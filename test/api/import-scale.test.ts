// Importing a live cluster of SPEC §9's k8s-5k size: 5,000 nodes in 20 racks,
// 30 pods per node, one hostNetwork DaemonSet pod per node. The kubectl Lists
// are generated here (with the fields kubectl prints that the import reads, and
// a few it must ignore) rather than committed as a 40 MB file.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const NODES = 5000;
const PODS_PER_NODE = 30;
const RACK = 250;

const nodeName = (i: number) => `ip-172-16-${Math.floor(i / RACK)}-${(i % RACK) + 2}.ec2.internal`;
const nodeAddr = (i: number) => `172.16.${Math.floor(i / RACK)}.${(i % RACK) + 2}`;
const block = (i: number) => `10.${i >> 8}.${i & 255}.0/24`;
const podIp = (i: number, k: number) => `10.${i >> 8}.${i & 255}.${k + 2}`;
const mac = (i: number) => `be:7e:5d:0c:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

function liveCluster() {
  const nodes = Array.from({ length: NODES }, (_, i) => ({
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name: nodeName(i), uid: `0000${i}`, labels: { 'kubernetes.io/hostname': nodeName(i), 'topology.kubernetes.io/zone': `rack-${Math.floor(i / RACK)}` },
      annotations: {
        'flannel.alpha.coreos.com/backend-data': `{"VNI":1,"VtepMAC":"${mac(i)}"}`,
        'flannel.alpha.coreos.com/backend-type': 'vxlan',
        'flannel.alpha.coreos.com/kube-subnet-manager': 'true',
        'flannel.alpha.coreos.com/public-ip': nodeAddr(i),
        'node.alpha.kubernetes.io/ttl': '0',
      },
    },
    spec: { podCIDR: block(i), podCIDRs: [block(i)] },
    status: { addresses: [{ address: nodeAddr(i), type: 'InternalIP' }, { address: nodeName(i), type: 'Hostname' }], nodeInfo: { kubeletVersion: 'v1.29.4' } },
  }));
  const pods: unknown[] = [];
  for (let i = 0; i < NODES; i++) {
    pods.push({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: `kube-flannel-ds-${i.toString(36).padStart(5, '0')}`, namespace: 'kube-flannel', ownerReferences: [{ kind: 'DaemonSet', name: 'kube-flannel-ds' }] },
      spec: { containers: [{ name: 'kube-flannel', image: 'docker.io/flannel/flannel:v0.25.1' }], hostNetwork: true, nodeName: nodeName(i) },
      status: { phase: 'Running', hostIP: nodeAddr(i), podIP: nodeAddr(i), podIPs: [{ ip: nodeAddr(i) }] },
    });
    for (let k = 0; k < PODS_PER_NODE; k++) {
      pods.push({
        apiVersion: 'v1', kind: 'Pod',
        metadata: { name: `app-${i}-${k}`, namespace: `team-${(i * PODS_PER_NODE + k) % 50}`, labels: { app: `app-${i}` } },
        spec: { containers: [{ name: 'app', image: 'nginx:1.25.4' }], nodeName: nodeName(i) },
        status: { phase: 'Running', hostIP: nodeAddr(i), podIP: podIp(i, k), podIPs: [{ ip: podIp(i, k) }] },
      });
    }
  }
  return {
    podCidrs: ['10.0.0.0/11'],
    subnets: Array.from({ length: NODES / RACK }, (_, r) => ({ name: `rack-${r}`, cidr: `172.16.${r}.0/24`, gateway: `172.16.${r}.1` })),
    nodes: { apiVersion: 'v1', kind: 'List', items: nodes, metadata: { resourceVersion: '' } },
    pods: { apiVersion: 'v1', kind: 'List', items: pods, metadata: { resourceVersion: '' } },
  };
}

describe('importing a 5,000-node live cluster (SPEC §9 k8s-5k)', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  // Completes well inside the timeout on a loaded 2-CPU machine (~25 s at load 16); the timing is reported, not asserted.
  test('every node and pod pinned as kubectl says; the re-import writes nothing', { timeout: 180_000 }, async (ctx) => {
    const body = JSON.stringify(liveCluster());
    const post = () => request(t.server).post('/v1/clusters/big/import').set('content-type', 'application/json').send(body);
    let t0 = performance.now();
    const res = await post().expect(201);
    const importMs = performance.now() - t0;
    const c = res.body.cluster;
    assert.equal(c.view, 'summary', 'a cluster this size is answered in summary');
    assert.equal(c.network.mode, 'vxlan');
    assert.deepEqual(c.counts, { nodes: NODES, pods: NODES * PODS_PER_NODE });
    assert.equal(res.body.skipped.length, NODES, 'one hostNetwork DaemonSet pod per node');
    assert.ok(res.body.skipped.every((s: { ref: string; reason: string }) => s.ref.startsWith('kube-flannel/') && /hostNetwork/.test(s.reason)));

    // Every stored row as kubectl said, read back whole.
    const nodes = await t.tdb.db.sql<{ name: string; a: string; subnet: string; b: string; mac: string }[]>`
      SELECT name, host(address_v4) AS a, subnet, pod_cidr_v4::text AS b, vtep_mac AS mac FROM node ORDER BY ordinal`;
    assert.equal(nodes.length, NODES);
    nodes.forEach((n, i) => assert.deepEqual({ ...n }, { name: nodeName(i), a: nodeAddr(i), subnet: `rack-${Math.floor(i / RACK)}`, b: block(i), mac: mac(i) }));
    const pods = await t.tdb.db.sql<{ ns: string; name: string; node: string; ip: string }[]>`
      SELECT p.namespace AS ns, p.name, n.name AS node, host(p.ip_v4) AS ip FROM pod p JOIN node n ON n.id = p.node_id ORDER BY p.ordinal`;
    assert.equal(pods.length, NODES * PODS_PER_NODE);
    pods.forEach((p, j) => {
      const [i, k] = [Math.floor(j / PODS_PER_NODE), j % PODS_PER_NODE];
      if (p.name !== `app-${i}-${k}` || p.ns !== `team-${j % 50}` || p.node !== nodeName(i) || p.ip !== podIp(i, k)) assert.fail(`pod ${j}: ${JSON.stringify(p)}`);
    });
    const fdb = (await request(t.server).get(`/v1/clusters/big/nodes/${nodeName(0)}/routes?format=json`).expect(200)).body.fdb;
    assert.deepEqual(fdb.find((f: { dst: string }) => f.dst === nodeAddr(4999)), { mac: mac(4999), dev: 'flannel.1', dst: nodeAddr(4999) });

    t0 = performance.now();
    const again = await post().expect(200);
    const reimportMs = performance.now() - t0;
    assert.deepEqual(again.body.changes, []);
    assert.equal(again.body.cluster.version, c.version, 'no new version: nothing written');
    ctx.diagnostic(`import of ${NODES} nodes / ${NODES * PODS_PER_NODE} pods (${(body.length / 1e6).toFixed(0)} MB of kubectl JSON): ${importMs.toFixed(0)} ms; unchanged re-import: ${reimportMs.toFixed(0)} ms`);
  });
});
