// The CLI's kubectl habits (SPEC §8): -o json|yaml|wide on every read
// command, default output within 80 columns, delete commands, --limit,
// problem+json on stdout with -o json, JUnit reports on failure, and what
// path --svg writes (against a stand-in server; import and audit: live.test.ts).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import YAML from 'yaml';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { expectCode, fakeServer, inProcess, jsonAnswer, listen, PATIENT_SERVER, podnet, readXml, ROOT, type Run } from './helpers.js';

const NODE_A = 'worker-pool-gpu-a100-eu-west-1c-0001.k8s.internal.example.com';
const NODE_B = 'worker-pool-gpu-a100-eu-west-1c-0002.k8s.internal.example.com';
const NS = 'payments-processing-production';
const POD_A = 'checkout-api-7f9c8b6d5-xk2lp-with-a-rather-long-suffix';

/** VXLAN across two racks, with names as long as real clusters have them. */
const long = {
  name: 'long-names-cluster',
  podCidrs: ['10.20.0.0/16', 'fd00:20::/48'],
  network: { mode: 'vxlan' },
  subnets: [
    { name: 'rack-eu-west-1c-a', cidr: '192.168.10.0/24', gateway: '192.168.10.1' },
    { name: 'rack-eu-west-1c-b', cidr: '192.168.11.0/24', gateway: '192.168.11.1' },
    { name: 'rack-eu-west-1c-a6', cidr: 'fd00:ff:10::/64', gateway: 'fd00:ff:10::1' },
    { name: 'rack-eu-west-1c-b6', cidr: 'fd00:ff:11::/64', gateway: 'fd00:ff:11::1' },
  ],
  nodes: [
    { name: NODE_A, addresses: ['192.168.10.11', 'fd00:ff:10::11'] },
    { name: NODE_B, addresses: ['192.168.11.12', 'fd00:ff:11::12'] },
  ],
  pods: [
    { name: POD_A, namespace: NS, node: NODE_A },
    { name: 'ledger-writer-0', namespace: NS, node: NODE_B },
    { name: 'ledger-writer-1', namespace: NS, node: NODE_B },
    { name: 'ledger-writer-2', namespace: NS, node: NODE_A },
  ],
};

const visible = (line: string) => [...line].length;

function assertFits(r: Run, what: string): void {
  for (const line of r.stdout.split('\n')) assert.ok(visible(line) <= 80, `${what}: a line of ${visible(line)} columns:\n${line}`);
}

describe('CLI conventions', () => {
  let t: TestApp;
  let url: string;
  let dir: string;
  const local = (...args: string[]) => inProcess(args, { url });

  before(async () => {
    [t, dir] = await Promise.all([startTestApp(PATIENT_SERVER), mkdtemp(path.join(os.tmpdir(), 'podnet-cli-conv-'))]);
    url = await listen(t.app);
    const res = await fetch(`${url}/v1/clusters`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(long) });
    assert.equal(res.status, 201, await res.text());
  });
  after(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const READS: string[][] = [
    ['get', 'clusters'],
    ['get', 'cluster', long.name],
    ['get', 'nodes', long.name],
    ['get', 'pods', long.name],
    ['path', long.name, `${NS}/${POD_A}`, `${NS}/ledger-writer-0`],
    ['verify', long.name],
    ['token', 'list'],
  ];

  test('every read command: -o json = --json, -o yaml holds the same, default lines fit 80 columns, -o wide cuts nothing', async () => {
    for (const args of READS) {
      const what = `podnet ${args.join(' ')}`;
      const [table, wide, asJson, dashO, asYaml] = await Promise.all([
        local(...args), local(...args, '-o', 'wide'), local(...args, '--json'), local(...args, '-o', 'json'), local(...args, '-o', 'yaml'),
      ]);
      for (const [r, mode] of [[table, 'table'], [wide, 'wide'], [asJson, '--json'], [dashO, '-o json'], [asYaml, '-o yaml']] as const) {
        expectCode(r, 0, `${what} (${mode})`);
      }
      assertFits(table, what);
      assert.doesNotMatch(wide.stdout, /…/, `${what} -o wide cut a cell`);
      // Timings differ from one run to the next; everything else must not.
      const untimed = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x) => (k === 'durationMs' ? undefined : x)));
      const parsed = untimed(JSON.parse(asJson.stdout));
      assert.deepEqual(untimed(JSON.parse(dashO.stdout)), parsed, `${what}: -o json differs from --json`);
      assert.deepEqual(untimed(YAML.parse(asYaml.stdout)), parsed, `${what}: -o yaml differs from -o json`);
    }
  });

  test('long cells are cut with …, and -o wide shows them whole', async () => {
    const [pathTable, pathWide, nodesTable, nodesWide, cluster] = await Promise.all([
      local('path', long.name, `${NS}/${POD_A}`, `${NS}/ledger-writer-0`),
      local('path', long.name, `${NS}/${POD_A}`, `${NS}/ledger-writer-0`, '-o', 'wide'),
      local('get', 'nodes', long.name), local('get', 'nodes', long.name, '-o', 'wide'), local('get', 'cluster', long.name),
    ]);
    assert.match(pathTable.stdout, /^#\s+NODE\s+NETNS\s+DEV\s+KIND\s+ACTION\s+OUTER\s+ROUTE$/m);
    assert.match(pathTable.stdout, /…/);
    assert.ok(pathWide.stdout.includes(`${NODE_A}  host`), 'the whole node name');
    assert.match(pathWide.stdout, /192\.168\.10\.11->192\.168\.11\.12 udp\/8472 vni 1/);
    assert.ok(pathWide.stdout.split('\n').some((l) => visible(l) > 80));
    assert.match(nodesTable.stdout, /^NAME\s+ADDRESSES\s+SUBNET\s+POD CIDRS$/m);
    assert.match(nodesWide.stdout, /^NAME\s+ADDRESSES\s+SUBNET\s+POD CIDRS\s+INTERFACE\s+GATEWAYS\s+VTEP MAC$/m, '-o wide adds columns');
    assert.ok(nodesWide.stdout.includes(`${NODE_A}  192.168.10.11,fd00:ff:10::11`));
    assertFits(cluster, 'get cluster');
    assert.match(cluster.stdout, /^Subnets:\s+rack-eu-west-1c-a 192\.168\.10\.0\/24 gw 192\.168\.10\.1, .*…$/m);
  });

  test('--limit takes the first N of a paginated list and says how many there are', async () => {
    const [pods, podsJson, one, zero] = await Promise.all([
      local('get', 'pods', long.name, '--limit', '2'), local('get', 'pods', long.name, '--limit', '3', '-o', 'json'),
      local('get', 'clusters', '--limit', '1'), local('get', 'pods', long.name, '--limit', '0'),
    ]);
    expectCode(pods, 0, 'get pods --limit 2');
    assert.equal(pods.stdout.trimEnd().split('\n').length, 3, pods.stdout);
    assert.match(pods.stderr, /^\(2 of 4 shown; raise --limit for more\)$/m);
    const body = JSON.parse(podsJson.stdout);
    assert.equal(body.items.length, 3);
    assert.equal(body.total, 4);
    expectCode(one, 0, 'get clusters --limit 1');
    assert.equal(one.stderr, '');
    expectCode(zero, 2, '--limit 0');
    assert.match(zero.stderr, /^error: option --limit: expected a positive integer, got "0"$/m);
  });

  test('delete pod, node and cluster; what is gone is a 404 (exit 1)', async () => {
    const small = { name: 'gone', podCidrs: ['10.9.0.0/16'], nodes: [{ name: 'n1', address: '192.168.9.1' }, { name: 'n2', address: '192.168.9.2' }], pods: [{ name: 'p', node: 'n1' }, { name: 'q', namespace: 'kube', node: 'n2' }] };
    const res = await fetch(`${url}/v1/clusters`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(small) });
    assert.equal(res.status, 201);
    const [pod, podNs] = await Promise.all([local('delete', 'pod', 'gone', 'p'), local('delete', 'pod', 'gone', 'kube/q')]);
    expectCode(pod, 0, 'delete pod');
    assert.equal(pod.stdout, 'pod default/p of cluster gone deleted\n');
    expectCode(podNs, 0, 'delete pod NS/POD');
    const node = await podnet(['delete', 'node', 'gone', 'n2'], { url });
    expectCode(node, 0, 'delete node');
    assert.equal(node.stdout, 'node n2 of cluster gone deleted\n');
    const nodes = JSON.parse((await local('get', 'nodes', 'gone', '-o', 'json')).stdout);
    assert.deepEqual(nodes.items.map((n: { name: string }) => n.name), ['n1']);
    const cluster = await local('delete', 'cluster', 'gone');
    expectCode(cluster, 0, 'delete cluster');
    const [again, missingPod, badRef] = await Promise.all([
      local('delete', 'cluster', 'gone'), local('delete', 'pod', long.name, `${NS}/nope`), local('delete', 'pod', 'x', 'a/b/c'),
    ]);
    expectCode(again, 1, 'delete a missing cluster');
    assert.match(again.stderr, /^error: CLUSTER_NOT_FOUND: /);
    expectCode(missingPod, 1, 'delete a missing pod');
    assert.match(missingPod.stderr, /^error: POD_NOT_FOUND: /);
    expectCode(badRef, 2, 'delete pod a/b/c');
  });

  test('with -o json an error is the problem+json on stdout as well as the line on stderr', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closed = `http://127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
    await new Promise((r) => probe.close(r));
    const [missing, missingYaml, unreachable] = await Promise.all([
      local('get', 'cluster', 'ghost', '-o', 'json'), local('get', 'cluster', 'ghost', '-o', 'yaml'),
      inProcess(['verify', 'ghost', '--json'], { url: closed }),
    ]);
    expectCode(missing, 1, 'get cluster ghost -o json');
    const problem = JSON.parse(missing.stdout);
    assert.equal(problem.code, 'CLUSTER_NOT_FOUND');
    assert.equal(problem.status, 404);
    assert.equal(missing.stderr, 'error: CLUSTER_NOT_FOUND: cluster "ghost" does not exist\n');
    assert.deepEqual(YAML.parse(missingYaml.stdout), problem);
    expectCode(unreachable, 3, 'unreachable --json');
    assert.equal(JSON.parse(unreachable.stdout).code, 'SERVER_UNREACHABLE');
    assert.match(unreachable.stderr, /^error: cannot reach the podnet server/);
  });

  test('verify --junit on a missing cluster writes one errored testcase; every testcase has its own time', async () => {
    const missingFile = path.join(dir, 'missing.xml');
    const okFile = path.join(dir, 'ok.xml');
    const [missing, ok] = await Promise.all([
      local('verify', 'ghost', '--junit', missingFile), local('verify', long.name, '--junit', okFile),
    ]);
    expectCode(missing, 1, 'verify ghost --junit');
    const els = readXml(await readFile(missingFile, 'utf8'));
    const suite = els.find((e) => e.name === 'testsuite')!;
    assert.deepEqual([suite.attrs.tests, suite.attrs.failures, suite.attrs.errors], ['1', '0', '1']);
    const error = els.find((e) => e.name === 'error')!;
    assert.equal(error.attrs.type, 'CLUSTER_NOT_FOUND');
    assert.match(error.attrs.message!, /cluster "ghost" does not exist/);

    expectCode(ok, 0, 'verify --junit');
    const cases = readXml(await readFile(okFile, 'utf8')).filter((e) => e.name === 'testcase');
    assert.equal(cases.length, 5);
    for (const c of cases) assert.match(c.attrs.time!, /^\d+\.\d{3}$/);
    // The server's own figure per check, not the total spread evenly.
    const report = JSON.parse((await local('verify', long.name, '--json')).stdout) as { checks: { name: string; durationMs: number }[] };
    for (const c of report.checks) assert.ok(typeof c.durationMs === 'number' && c.durationMs >= 0, `${c.name}: durationMs`);
  });

  test('help names every command and the fdb-script format; the CLI loads no server or YAML code to start', async () => {
    const [help, routes] = await Promise.all([local('help'), local('routes', '--help')]);
    for (const cmd of ['delete cluster NAME', 'delete node CLUSTER NODE', 'delete pod CLUSTER NS/POD', 'import NAME --nodes FILE --pods FILE', 'audit CLUSTER NODE (--local | --routes F']) {
      assert.ok(help.stdout.includes(cmd), `help lists ${cmd}`);
    }
    assert.match(routes.stdout, /^usage: podnet routes CLUSTER NODE \[--format text\|json\|script\|fdb-script\]/m);
    // `podnet --help` stays fast: what main.ts imports at start (not behind
    // `await import`) is the CLI's own small modules and node builtins.
    const statics = await staticImports(path.join(ROOT, 'src/cli/main.ts'));
    const outside = [...statics].filter((f) => !f.startsWith('node:') && !f.startsWith(path.join(ROOT, 'src/cli/')) && f !== path.join(ROOT, 'src/config.ts'));
    assert.deepEqual(outside, []);
  });
});

/** The modules `file` loads before running, following static value imports (`import type` loads nothing). */
async function staticImports(file: string, seen = new Set<string>()): Promise<Set<string>> {
  const text = await readFile(file, 'utf8');
  for (const m of text.matchAll(/^import\s+(?!type\s)[^'"]*?from\s+'([^']+)'/gm)) {
    const spec = m[1]!;
    const target = spec.startsWith('.') ? path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')) : spec;
    if (seen.has(target)) continue;
    seen.add(target);
    if (spec.startsWith('.')) await staticImports(target, seen);
  }
  return seen;
}

describe('CLI commands against a stand-in server', () => {
  let dir: string;
  before(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'podnet-cli-fake-')); });
  after(async () => { if (dir) await rm(dir, { recursive: true, force: true }); });

  test('path --svg writes the picture GET …/path?format=svg answers', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" data-disposition="DELIVERED"><title>a -> b</title></svg>';
    const pathJson = { from: { kind: 'pod', ref: 'default/a', node: 'n', ip: '10.1.0.2' }, to: { kind: 'pod', ref: 'default/b', node: 'n', ip: '10.1.0.3' }, disposition: 'DELIVERED', sameNode: true, encapsulation: null, natFree: true, mtu: 1500, hops: [] };
    const fake = await fakeServer((r) => r.url.includes('format=svg') ? { status: 200, type: 'image/svg+xml', body: svg } : jsonAnswer(200, pathJson));
    try {
      const file = path.join(dir, 'path.svg');
      const r = await inProcess(['path', 'demo', 'a', 'b', '--svg', file], { url: fake.url });
      expectCode(r, 0, 'path --svg');
      assert.equal(await readFile(file, 'utf8'), svg);
      const svgReq = fake.seen.find((s) => s.url.includes('format=svg'))!;
      assert.equal(svgReq.url, '/v1/clusters/demo/path?from=a&to=b&format=svg');
      assert.match(String(svgReq.headers.accept), /^image\/svg\+xml/);
    } finally {
      await fake.close();
    }
  });
});
