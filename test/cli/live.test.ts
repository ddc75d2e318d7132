// `podnet import` and `podnet audit` (SPEC §11, §12) against the real server
// on PostgreSQL: kubectl's JSON from the fixture files, iproute2's JSON as a
// node prints it, and what the commands print and exit with.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { slimList } from '../../src/cli/commands/import.js';
import { importDefinition } from '../../src/service/import.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { expectCode, inProcess, listen, PATIENT_SERVER, podnet } from './helpers.js';

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/k8s/${f}`, import.meta.url));
const DUAL = ['--nodes', fixture('dualstack-nodes.json'), '--pods', fixture('dualstack-pods.json')];
const CIDRS = ['--pod-cidr', '10.244.0.0/16', '--pod-cidr', 'fd00:10:244::/56'];

/** Three host-gw nodes in one rack; node-a's kernel is what the audit dumps show. */
const rack = {
  name: 'aud',
  podCidrs: ['10.1.0.0/16'],
  subnets: [{ name: 'rack1', cidr: '192.168.0.0/24', gateway: '192.168.0.1' }],
  nodes: [
    { name: 'node-a', address: '192.168.0.11', podCidrs: ['10.1.1.0/24'] },
    { name: 'node-b', address: '192.168.0.12', podCidrs: ['10.1.2.0/24'] },
    { name: 'node-c', address: '192.168.0.13', podCidrs: ['10.1.3.0/24'] },
  ],
};
/** `ip -j route show` on node-a after podnet's script, docker0 beside it. */
const cleanRoutes = [
  { dst: 'default', gateway: '192.168.0.1', dev: 'eth0', flags: [] },
  { dst: '10.1.1.0/24', dev: 'cni0', protocol: 'kernel', scope: 'link', prefsrc: '10.1.1.1', flags: [] },
  { dst: '10.1.2.0/24', gateway: '192.168.0.12', dev: 'eth0', flags: [] },
  { dst: '10.1.3.0/24', gateway: '192.168.0.13', dev: 'eth0', flags: [] },
  { dst: '172.17.0.0/16', dev: 'docker0', protocol: 'kernel', scope: 'link', prefsrc: '172.17.0.1', flags: ['linkdown'] },
  { dst: '192.168.0.0/24', dev: 'eth0', protocol: 'kernel', scope: 'link', prefsrc: '192.168.0.11', flags: [] },
];
/** The same node drifted: node-c's route deleted, node-b's next hop changed, a stray route into the pod CIDR. */
const driftedRoutes = [
  ...cleanRoutes.filter((r) => r.dst !== '10.1.3.0/24' && r.dst !== '10.1.2.0/24'),
  { dst: '10.1.2.0/24', gateway: '192.168.0.99', dev: 'eth0', flags: [] },
  { dst: '10.1.9.0/24', gateway: '192.168.0.12', dev: 'eth0', flags: [] },
];

describe('podnet import and audit against the server', () => {
  let t: TestApp;
  let url: string;
  let dir: string;
  const run = (...args: string[]) => inProcess(args, { url });
  const get = async (p: string) => (await fetch(`${url}${p}`)).json() as Promise<Record<string, unknown>>;

  before(async () => {
    [t, dir] = await Promise.all([startTestApp(PATIENT_SERVER), mkdtemp(path.join(os.tmpdir(), 'podnet-cli-live-'))]);
    url = await listen(t.app);
    const res = await fetch(`${url}/v1/clusters`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rack) });
    assert.equal(res.status, 201, await res.text());
  });
  after(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('import: a dry run prints the plan and the skipped pods and stores nothing; the import creates; again, unchanged', async () => {
    const dry = await run('import', 'dual', ...DUAL, ...CIDRS, '--dry-run', '-o', 'wide');
    expectCode(dry, 0, 'import --dry-run');
    assert.match(dry.stdout, /^cluster dual would be imported \(dry run, nothing stored\)$/m);
    assert.match(dry.stdout, /^11 to create, 18 routes changed on 3 nodes, 0 node pairs broken$/m);
    assert.match(dry.stdout, /^create\s+node\s+ds-worker-1\s+10\.244\.1\.0\/24,fd00:10:244:1::\/64$/m);
    assert.match(dry.stdout, /^create\s+pod\s+shop\/cart-0\s+10\.244\.1\.3,fd00:10:244:1::3$/m);
    assert.match(dry.stdout, /^16 pods skipped:$/m);
    assert.match(dry.stdout, /^monitoring\/prometheus-server-0\s+no node assigned$/m);
    assert.match(dry.stdout, /^batch\/report-28853460-xm4fz\s+finished \(phase Succeeded\): its IP is released$/m);
    assert.equal((await fetch(`${url}/v1/clusters/dual`)).status, 404);

    const created = await podnet(['import', 'dual', ...DUAL, ...CIDRS], { url });
    expectCode(created, 0, 'import (child process)');
    assert.match(created.stdout, /^cluster dual imported$/m);
    assert.match(created.stdout, /^11 created$/m, '1 cluster, 3 nodes, 7 pods');
    const c = await get('/v1/clusters/dual');
    assert.equal((c.pods as unknown[]).length, 7);
    assert.deepEqual((c.nodes as { vtepMac: string }[]).map((n) => n.vtepMac), ['be:7e:5d:0c:a1:10', 'be:7e:5d:0c:a1:11', 'be:7e:5d:0c:a1:12']);

    const [again, asJson] = await Promise.all([run('import', 'dual', ...DUAL, ...CIDRS), run('import', 'dual', ...DUAL, ...CIDRS, '-o', 'json')]);
    expectCode(again, 0, 'import again');
    assert.match(again.stdout, /^cluster dual unchanged$/m);
    expectCode(asJson, 0, 'import -o json');
    const body = JSON.parse(asJson.stdout);
    assert.deepEqual(body.changes, []);
    assert.equal(body.skipped.length, 16);
    assert.equal((await get('/v1/clusters/dual')).version, c.version);
  });

  test('import sends only what the import reads of kubectl\'s JSON: the same definition and skipped pods from a fraction of the bytes', async () => {
    for (const [n, p] of [['dualstack-nodes.json', 'dualstack-pods.json'], ['vxlan-nodes.json', 'vxlan-pods.json'], ['hostgw-nodes.json', 'hostgw-pods.json']]) {
      const [nodes, pods] = await Promise.all([n!, p!].map(async (f) => JSON.parse(await readFile(fixture(f), 'utf8')) as unknown));
      const slim = { nodes: slimList(nodes, 'Node'), pods: slimList(pods, 'Pod') };
      assert.deepEqual(importDefinition('x', { podCidrs: ['10.0.0.0/8'], ...slim }), importDefinition('x', { podCidrs: ['10.0.0.0/8'], nodes, pods }), n);
      const ratio = JSON.stringify({ nodes, pods }).length / JSON.stringify(slim).length;
      assert.ok(ratio > 8, `${n}: only ${ratio.toFixed(1)} times smaller`);
    }
    assert.equal(slimList('not a list', 'Pod'), 'not a list', 'the server refuses what is not a List');
  });

  test('import: without --pod-cidr, or of a broken cluster, exit 1 naming the fix or every bad pod; usage errors exit 2', async () => {
    const [noCidr, broken, noPods] = await Promise.all([
      run('import', 'nocidr', ...DUAL),
      run('import', 'broken', '--nodes', fixture('vxlan-nodes.json'), '--pods', fixture('broken-pods.json'), '--pod-cidr', '10.244.0.0/16'),
      run('import', 'x', '--nodes', fixture('vxlan-nodes.json')),
    ]);
    expectCode(noCidr, 1, 'import without --pod-cidr');
    assert.match(noCidr.stderr, /^error: VALIDATION_FAILED: podCidrs \(the cluster CIDR\) is required; the smallest prefix holding every node block is 10\.244\.0\.0\/22, fd00:10:244::\/62/);
    expectCode(broken, 1, 'import of a broken cluster');
    assert.match(broken.stderr, /pod shop\/web-b: 10\.244\.0\.5 is also the IP of pod shop\/web-a/);
    assert.match(broken.stderr, /pod billing\/stray: 10\.244\.0\.9 is outside node worker-2's block 10\.244\.1\.0\/24/);
    expectCode(noPods, 2, 'import without --pods');
    for (const name of ['nocidr', 'broken']) assert.equal((await fetch(`${url}/v1/clusters/${name}`)).status, 404, `${name}: nothing stored`);
  });

  test('audit: the dumps as the node prints them; exit 0 when the kernel holds the plan, 1 on drift with each entry', async () => {
    const files = { clean: path.join(dir, 'clean.json'), drifted: path.join(dir, 'drifted.json'), fdb: path.join(dir, 'fdb.json') };
    await Promise.all([
      writeFile(files.clean, JSON.stringify(cleanRoutes)), writeFile(files.drifted, JSON.stringify(driftedRoutes)), writeFile(files.fdb, '[]'),
    ]);
    const [ok, drifted, driftJson, nothing] = await Promise.all([
      run('audit', 'aud', 'node-a', '--routes', files.clean, '--fdb', files.fdb),
      run('audit', 'aud', 'node-a', '--routes', files.drifted, '-o', 'wide'),
      run('audit', 'aud', 'node-a', '--routes', files.drifted, '-o', 'json'),
      run('audit', 'aud', 'node-a'),
    ]);
    expectCode(ok, 0, 'audit of a clean node');
    assert.match(ok.stdout, /^node node-a of cluster aud: ok\n {2}0 missing, 0 unexpected, 0 different, 1 ignored\n {2}checked 5 routes, 0 neighbors, 0 fdb entries$/m);
    expectCode(drifted, 1, 'audit with drift');
    assert.match(drifted.stdout, /^node node-a of cluster aud: DRIFT\n {2}1 missing, 1 unexpected, 1 different, 1 ignored$/m);
    assert.match(drifted.stdout, /^missing\s+10\.1\.3\.0\/24 via 192\.168\.0\.13 dev eth0\s+-$/m);
    assert.match(drifted.stdout, /^unexpected\s+-\s+10\.1\.9\.0\/24 via 192\.168\.0\.12 dev eth0$/m);
    assert.match(drifted.stdout, /^different\s+10\.1\.2\.0\/24 via 192\.168\.0\.12 dev eth0\s+10\.1\.2\.0\/24 via 192\.168\.0\.99 dev eth0$/m);
    expectCode(driftJson, 1, 'audit -o json with drift');
    const rest = await fetch(`${url}/v1/clusters/aud/nodes/node-a/audit`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ routes: driftedRoutes }) });
    assert.deepEqual(JSON.parse(driftJson.stdout), await rest.json(), 'the server\'s answer, as it gave it');
    expectCode(nothing, 2, 'audit without dumps');
    const unknown = await run('audit', 'aud', 'node-z', '--routes', files.clean);
    expectCode(unknown, 1, 'audit of an unknown node');
    assert.match(unknown.stderr, /^error: NODE_NOT_FOUND: node "node-z" does not exist in cluster "aud"/);
  });

  const iproute2 = ['ip', 'bridge'].every((cmd) => spawnSync(cmd, ['-V']).status === 0);
  test('audit --local: this machine\'s own dumps are accepted by the server and judged', { skip: iproute2 ? false : 'iproute2 (ip, bridge) is not installed here' }, async () => {
    const r = await run('audit', 'aud', 'node-a', '--local', '-o', 'json');
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr}`);
    assert.equal(r.stderr, '', 'no error: the server parsed every dump');
    const report = JSON.parse(r.stdout);
    assert.equal(report.node, 'node-a');
    assert.deepEqual(report.checked, { routes: 5, neighbors: 0, fdb: 0 }, 'the plan\'s entries for node-a');
    assert.equal(r.code, report.ok ? 0 : 1);
  });
});
