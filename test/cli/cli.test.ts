// The podnet CLI end to end: a real podnet app listening on a random port,
// the CLI spawned as a child process (as CI would run it), checked on its
// stdout, stderr and exit code (SPEC §8: 0 ok, 1 negative, 2 usage, 3 server).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { parseArgs, UsageError } from '../../src/cli/args.js';
import { junitXml, xmlEscape } from '../../src/cli/junit.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { expectCode, fakeServer, inProcess, listen, PATIENT_SERVER, podnet, readXml } from './helpers.js';

const demoYaml = `# a YAML definition, as a platform team would keep it in git
name: demo
podCidrs: [10.1.0.0/16]
serviceCidr: 10.96.0.0/12
nodes:
  - {name: node-a, address: 192.168.0.11}
  - {name: node-b, address: 192.168.0.12, podCidrs: [10.1.7.0/24]}
pods:
  - {name: web, namespace: shop, node: node-a}
  - {name: db, node: node-b, ips: [10.1.7.50]}
`;

/** host-gw across two subnets: the router has no pod routes, so verify fails. */
const split = {
  name: 'split', podCidrs: ['10.5.0.0/16'],
  subnets: [{ name: 'r1', cidr: '192.168.1.0/24', gateway: '192.168.1.1' }, { name: 'r2', cidr: '192.168.2.0/24', gateway: '192.168.2.1' }],
  nodes: [{ name: 'a', address: '192.168.1.10' }, { name: 'b', address: '192.168.2.10' }],
  pods: [{ name: 'pa', node: 'a' }, { name: 'pb', node: 'b' }],
};

describe('podnet CLI', () => {
  let t: TestApp;
  let url: string;
  let dir: string;
  let demoFile: string;
  const cli = (...args: string[]) => podnet(args, { url });
  const local = (...args: string[]) => inProcess(args, { url });

  before(async () => {
    [t, dir] = await Promise.all([startTestApp(PATIENT_SERVER), mkdtemp(path.join(os.tmpdir(), 'podnet-cli-'))]);
    url = await listen(t.app);
    demoFile = path.join(dir, 'cluster.yaml');
    await writeFile(demoFile, demoYaml);
  });
  after(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('apply: --dry-run stores nothing, apply creates, a re-apply changes nothing; JSON from stdin', async () => {
    const dry = await cli('apply', '-f', demoFile, '--dry-run');
    expectCode(dry, 0, 'apply --dry-run');
    assert.match(dry.stdout, /^cluster demo would be created \(dry run/);
    assert.match(dry.stdout, /^ACTION\s+KIND\s+NAME\s+PODCIDRS\/IPS$/m);
    assert.match(dry.stdout, /^create\s+node\s+node-b\s+10\.1\.7\.0\/24$/m);
    assert.match(dry.stdout, /^create\s+pod\s+default\/db\s+10\.1\.7\.50$/m);

    const stored = await fetch(`${url}/v1/clusters/demo`);
    assert.equal(stored.status, 404, 'the dry run stored nothing');
    const [applied, fromStdin] = await Promise.all([
      cli('apply', '-f', demoFile),
      podnet(['apply', '-f', '-', '--json'], { url, input: JSON.stringify(split) }),
    ]);
    expectCode(applied, 0, 'apply');
    assert.match(applied.stdout, /^cluster demo created$/m);
    assert.match(applied.stdout, /^create\s+node\s+node-a\s+10\.1\.0\.0\/24$/m);
    assert.match(applied.stdout, /^pod MTU 1500; 2 of 256 node blocks used/m);
    expectCode(fromStdin, 0, 'apply -f - --json');
    const body = JSON.parse(fromStdin.stdout);
    assert.equal(body.cluster.name, 'split');
    assert.deepEqual(body.changes.map((c: { kind: string }) => c.kind), ['cluster', 'node', 'node', 'pod', 'pod']);

    const [again, againJson] = await Promise.all([local('apply', '-f', demoFile), local('apply', '--file', demoFile, '--json', '--dry-run')]);
    expectCode(again, 0, 're-apply');
    assert.match(again.stdout, /^cluster demo unchanged$/m);
    assert.doesNotMatch(again.stdout, /^ACTION/m);
    expectCode(againJson, 0, 're-apply --json --dry-run');
    assert.deepEqual(JSON.parse(againJson.stdout).changes, []);
  });

  describe('after apply', { concurrency: true }, () => {
    test('get clusters / get cluster / get nodes / get pods', async () => {
      const [list, listJson, one, oneJson, nodes, pods] = await Promise.all([
        cli('get', 'clusters'), local('get', 'clusters', '--json'), cli('get', 'cluster', 'demo'),
        local('get', 'cluster', 'demo', '--json'), local('get', 'nodes', 'demo'), local('get', 'pods', 'demo', '--namespace', 'shop'),
      ]);
      for (const [r, what] of [[list, 'get clusters'], [listJson, 'get clusters --json'], [one, 'get cluster'], [oneJson, 'get cluster --json'], [nodes, 'get nodes'], [pods, 'get pods']] as const) {
        expectCode(r, 0, what);
      }
      const lines = list.stdout.trimEnd().split('\n');
      assert.match(lines[0]!, /^NAME\s+MODE\s+POD CIDRS\s+NODES\s+PODS\s+VERSION\s+UPDATED$/);
      assert.match(lines[1]!, /^demo\s+host-gw\s+10\.1\.0\.0\/16\s+2\s+2\s+1\s+\S+$/);
      assert.match(lines[2]!, /^split\s+host-gw\s+10\.5\.0\.0\/16\s+2\s+2\s/);
      // Aligned columns: every row's second column starts where the header's does.
      const col = lines[0]!.indexOf('MODE');
      for (const l of lines.slice(1)) assert.equal(l.indexOf('host-gw'), col, l);
      assert.deepEqual(JSON.parse(listJson.stdout).items.map((c: { name: string }) => c.name), ['demo', 'split']);

      assert.match(one.stdout, /^Name:\s+demo$/m);
      assert.match(one.stdout, /^Service CIDR:\s+10\.96\.0\.0\/12$/m);
      assert.match(one.stdout, /^Mode:\s+host-gw$/m);
      assert.match(one.stdout, /^Capacity:\s+2 of 256 node blocks used \(254 free, 0\.8%\)$/m);
      assert.match(one.stdout, /^Pods:\s+2$/m);
      assert.match(one.stdout, /^NODE\s+ADDRESS\s+SUBNET\s+POD CIDRS\s+PODS$/m);
      assert.match(one.stdout, /^node-b\s+192\.168\.0\.12\s+-\s+10\.1\.7\.0\/24\s+1$/m);
      assert.equal(JSON.parse(oneJson.stdout).podMtu, 1500);
      assert.match(nodes.stdout, /^NAME\s+ADDRESSES\s+SUBNET\s+POD CIDRS$/m);
      assert.match(nodes.stdout, /^node-a\s+192\.168\.0\.11\s+-\s+10\.1\.0\.0\/24$/m);
      assert.deepEqual(pods.stdout.trimEnd().split('\n').slice(1).map((l) => l.split(/\s+/).slice(0, 3)), [['shop/web', 'node-a', '10.1.0.2']]);
    });

    test('routes: text as the server returns it, json, script; a pod table', async () => {
      const [text, asJson, script, pod] = await Promise.all([
        cli('routes', 'demo', 'node-a'), local('routes', 'demo', 'node-a', '--format', 'json'),
        local('routes', 'demo', 'node-a', '--format=script'), local('routes', 'demo', 'shop/web'),
      ]);
      expectCode(text, 0, 'routes');
      assert.deepEqual(text.stdout.trimEnd().split('\n').sort(), [
        '10.1.0.0/24 dev cni0 proto kernel scope link src 10.1.0.1',
        '10.1.7.0/24 via 192.168.0.12 dev eth0',
      ]);
      expectCode(asJson, 0, 'routes --format json');
      const table = JSON.parse(asJson.stdout);
      assert.ok(table.routes.some((r: { text: string }) => r.text === '10.1.7.0/24 via 192.168.0.12 dev eth0'));
      expectCode(script, 0, 'routes --format=script');
      assert.match(script.stdout, /^route replace 10\.1\.7\.0\/24 via 192\.168\.0\.12 dev eth0$/m);
      expectCode(pod, 0, 'routes of a pod');
      assert.match(pod.stdout, /^default via 10\.1\.0\.1 dev eth0$/m);
    });

    test('path: DELIVERED exits 0; NEIGHBOR_UNREACHABLE and NO_ROUTE exit 1 (-o wide: whole cells)', async () => {
      const [ok, okJson, neighbor, noRoute] = await Promise.all([
        cli('path', 'demo', 'shop/web', 'db', '-o', 'wide'), local('path', 'demo', 'web', 'node:node-b', '--json'),
        local('path', 'demo', 'shop/web', '10.1.7.99'), cli('path', 'split', 'pa', 'pb'),
      ]);
      expectCode(ok, 0, 'path delivered');
      const [head, figures, header, ...hops] = ok.stdout.trimEnd().split('\n');
      assert.equal(head, 'pod shop/web (10.1.0.2) -> pod default/db (10.1.7.50): DELIVERED');
      assert.match(figures!, /^ {2}mtu 1500\s+natFree yes\s+encapsulation none\s+sameNode no$/);
      assert.match(header!, /^#\s+NODE\s+NETNS\s+DEV\s+KIND\s+ACTION\s+ROUTE$/);
      assert.deepEqual(hops.map((h) => h.split(/\s+/)[4]), ['pod-eth', 'veth', 'bridge', 'physical', 'physical', 'bridge', 'veth', 'pod-eth']);
      assert.match(hops[2]!, /^2\s+node-a\s+host\s+cni0\s+bridge\s+route\s+10\.1\.7\.0\/24 via 192\.168\.0\.12 dev eth0$/);
      expectCode(okJson, 0, 'path --json');
      assert.equal(JSON.parse(okJson.stdout).disposition, 'DELIVERED');
      expectCode(neighbor, 1, 'path to an unallocated IP');
      assert.match(neighbor.stdout, /: NEIGHBOR_UNREACHABLE$/m);
      expectCode(noRoute, 1, 'path across subnets in host-gw');
      assert.match(noRoute.stdout, /: NO_ROUTE$/m);
      assert.match(noRoute.stdout.trimEnd().split('\n').at(-1)!, /^4\s+\(router\)\s+-\s+r1\s+router\s+drop\s/);
    });

    test('verify: ok exits 0; a failing cluster exits 1 and --junit writes the report', async () => {
      const junitFile = path.join(dir, 'verify-split.xml');
      const [ok, okJson, bad, badJson] = await Promise.all([
        cli('verify', 'demo'), local('verify', 'demo', '--json'),
        cli('verify', 'split', '--junit', junitFile), local('verify', 'split', '--json'),
      ]);
      expectCode(ok, 0, 'verify demo');
      assert.match(ok.stdout, /^CHECK\s+RESULT\s+DETAIL$/m);
      assert.match(ok.stdout, /^reachability\s+ok\s/m);
      assert.match(ok.stdout, /^verify demo: ok /m);
      expectCode(okJson, 0, 'verify --json');
      assert.equal(JSON.parse(okJson.stdout).ok, true);

      expectCode(bad, 1, 'verify split');
      assert.match(bad.stdout, /^reachability\s+FAIL\s+2 of 2 node pairs/m);
      assert.match(bad.stdout, /^ {2}IPv4 a -> b: NO_ROUTE at router$/m);
      assert.match(bad.stdout, /^verify split: FAILED \(1 of 5 checks failed\)$/m);
      expectCode(badJson, 1, 'verify split --json');
      assert.equal(JSON.parse(badJson.stdout).ok, false);

      const els = readXml(await readFile(junitFile, 'utf8'));
      const suites = els.filter((e) => e.name === 'testsuite');
      const cases = els.filter((e) => e.name === 'testcase');
      const failures = els.filter((e) => e.name === 'failure');
      assert.equal(suites.length, 1);
      assert.equal(suites[0]!.attrs.name, 'podnet verify split');
      assert.deepEqual([suites[0]!.attrs.tests, suites[0]!.attrs.failures], ['5', '1']);
      assert.deepEqual(cases.map((c) => c.attrs.name), ['no-overlap', 'pod-ips', 'reachability', 'mtu', 'capacity']);
      assert.equal(failures.length, 1);
      assert.match(failures[0]!.attrs.message!, /IPv4 a -> b: NO_ROUTE at router/);
      assert.equal(failures[0]!.text, 'IPv4 a -> b: NO_ROUTE at router\nIPv4 b -> a: NO_ROUTE at router');
    });

    test('usage errors exit 2 with a message and the usage on stderr', async () => {
      const cases: [string[], RegExp][] = [
        [[], /^usage: podnet <command>/m],
        [['frobnicate'], /^error: unknown command "frobnicate"/],
        [['get', 'widgets'], /^error: get: unknown resource "widgets"/],
        [['get', 'cluster'], /^error: missing argument NAME\nusage: podnet get cluster NAME \[-o json\|yaml\|wide\]/],
        [['path', 'demo', 'web'], /^error: missing argument TO\n/],
        [['verify', 'demo', 'extra'], /^error: unexpected argument "extra"/],
        [['verify', 'demo', '--colour'], /^error: unknown option --colour\nusage: podnet verify CLUSTER/],
        [['routes', 'demo', 'node-a', '--format', 'yaml'], /^error: option --format: expected one of text, json, script/],
        [['apply'], /^error: missing -f FILE/],
        [['apply', '-f'], /^error: option -f needs a value/],
        [['apply', '-f', path.join(dir, 'nope.yaml')], /^error: cannot read .*nope\.yaml: no such file$/m],
        [['apply', '-f', path.join(dir, 'broken.yaml')], /^error: cannot parse .*broken\.yaml: /],
        [['apply', '-f', path.join(dir, 'list.yaml')], /^error: .*list\.yaml: expected a cluster definition \(a mapping/],
        [['token', 'create', 'ci'], /^error: missing --scope read\|write\|admin/],
        [['token', 'create', 'ci', '--scope', 'root'], /^error: option --scope: expected one of read, write, admin/],
      ];
      await writeFile(path.join(dir, 'broken.yaml'), 'name: demo\npodCidrs: [10.1.0.0/16\nnodes: {\n');
      await writeFile(path.join(dir, 'list.yaml'), '- name: demo\n');
      // Through a real process: no arguments, an unknown option, an unparseable file; the rest in this process.
      const spawned = new Set([0, 6, 11]);
      const [help, helpVerify, ...runs] = await Promise.all([
        local('--help'), local('verify', '-h'), ...cases.map(([args], i) => (spawned.has(i) ? cli(...args) : local(...args))),
      ]);
      expectCode(help, 0, '--help');
      for (const cmd of ['apply -f FILE', 'get clusters', 'get cluster NAME', 'routes CLUSTER NODE', 'path CLUSTER FROM TO', 'verify CLUSTER', 'token create NAME', 'token list', 'token revoke NAME']) {
        assert.ok(help.stdout.includes(cmd), `help lists ${cmd}`);
      }
      assert.match(help.stdout, /Exit codes: 0 success/);
      expectCode(helpVerify, 0, 'verify -h');
      assert.match(helpVerify.stdout, /^usage: podnet verify CLUSTER \[--junit FILE\] \[-o json\|yaml\|wide\]$/m);
      for (const [i, r] of runs.entries()) {
        const [args, re] = cases[i]!;
        expectCode(r, 2, `podnet ${args.join(' ')}`);
        assert.match(r.stderr, re, `podnet ${args.join(' ')}: ${r.stderr}`);
        assert.equal(r.stdout, '', `podnet ${args.join(' ')} printed on stdout`);
      }
    });

    test('a 4xx exits 1 with the code, the detail and the field errors on stderr', async () => {
      const bad = path.join(dir, 'bad.yaml');
      await writeFile(bad, 'name: bad\npodCidrs: [10.1.0.1/16]\nnodes:\n  - {name: x}\n');
      const [invalid, notFound, noEndpoint] = await Promise.all([
        cli('apply', '-f', bad), local('get', 'cluster', 'ghost'), local('path', 'demo', 'web', 'ghost'),
      ]);
      expectCode(invalid, 1, 'apply an invalid definition');
      assert.match(invalid.stderr, /^error: VALIDATION_FAILED: podCidrs\[0\]: 10\.1\.0\.1\/16 has host bits set; did you mean 10\.1\.0\.0\/16\?/);
      assert.match(invalid.stderr, /^ {2}nodes\[0\] \(x\)\.address: required/m);
      assert.equal(invalid.stdout, '');
      expectCode(notFound, 1, 'get cluster ghost');
      assert.equal(notFound.stderr, 'error: CLUSTER_NOT_FOUND: cluster "ghost" does not exist\n');
      expectCode(noEndpoint, 1, 'path to an unknown endpoint');
      assert.match(noEndpoint.stderr, /^error: ENDPOINT_NOT_FOUND: /);
    });

    test('an unreachable server or a 5xx exits 3, --junit still writes one errored testcase; the bearer token is sent', async () => {
      // A port that was just closed: connection refused.
      const probe = net.createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
      const closedPort = (probe.address() as net.AddressInfo).port;
      await new Promise((r) => probe.close(r));
      // A server whose database is down.
      const seen: (string | undefined)[] = [];
      const stub = http.createServer((req, res) => {
        seen.push(req.headers.authorization);
        res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' });
        res.end(JSON.stringify({ type: 'about:blank', title: 'Service Unavailable', status: 503, code: 'DATABASE_UNAVAILABLE', detail: 'the database is not reachable' }));
      });
      await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
      const stubUrl = `http://127.0.0.1:${(stub.address() as net.AddressInfo).port}`;
      try {
        const [refused, down, refusedVerify] = await Promise.all([
          podnet(['get', 'clusters'], { url: `http://127.0.0.1:${closedPort}` }),
          podnet(['verify', 'demo', '--junit', path.join(dir, 'down.xml')], { url: stubUrl, token: 'pn_test_secret' }),
          inProcess(['verify', 'demo', '--junit', path.join(dir, 'refused.xml')], { url: `http://127.0.0.1:${closedPort}` }),
        ]);
        expectCode(refused, 3, 'connection refused');
        assert.match(refused.stderr, /^error: cannot reach the podnet server at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
        expectCode(down, 3, '503');
        assert.equal(down.stderr, 'error: DATABASE_UNAVAILABLE: the database is not reachable\n');
        assert.deepEqual(seen, ['Bearer pn_test_secret']);
        expectCode(refusedVerify, 3, 'verify, connection refused');
        for (const [file, type] of [['down.xml', 'DATABASE_UNAVAILABLE'], ['refused.xml', 'SERVER_UNREACHABLE']] as const) {
          const els = readXml(await readFile(path.join(dir, file), 'utf8'));
          const suite = els.find((e) => e.name === 'testsuite')!;
          assert.deepEqual([suite.attrs.tests, suite.attrs.failures, suite.attrs.errors], ['1', '0', '1'], file);
          const error = els.find((e) => e.name === 'error');
          assert.equal(error?.attrs.type, type, file);
          assert.equal(els.find((e) => e.name === 'testcase')?.attrs.name, 'verify');
        }
      } finally {
        await new Promise((r) => stub.close(r));
      }
    });

    test('tokens: create (secret once), list, revoke; 401 and 403 exit 1 with a hint', async () => {
      // A second instance on the same database, with auth on.
      const secured = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent', PODNET_AUTH: 'on', ...PATIENT_SERVER }), db: t.tdb.db }, { logger: false });
      try {
        const securedUrl = await listen(secured);
        const as = (token: string | undefined, ...args: string[]) => inProcess(args, { url: securedUrl, token });
        const asChild = (token: string | undefined, ...args: string[]) => podnet(args, { url: securedUrl, token });
        // Bootstrap an admin token through the open instance.
        const admin = await cli('token', 'create', 'ci-admin', '--scope', 'admin');
        expectCode(admin, 0, 'token create (admin)');
        const adminSecret = admin.stdout.trim();
        assert.match(adminSecret, /^\S{32,}$/);
        assert.equal(admin.stdout, `${adminSecret}\n`, 'stdout holds only the secret');
        assert.match(admin.stderr, /ci-admin created with scope admin.*not shown again/);

        const [reader, anonymous, withBadToken] = await Promise.all([
          as(adminSecret, 'token', 'create', 'ci-read', '--scope', 'read', '--json'),
          asChild(undefined, 'get', 'clusters'),
          as('pn_not_a_token_at_all_0123456789abcdef', 'get', 'clusters'),
        ]);
        expectCode(reader, 0, 'token create --json');
        const created = JSON.parse(reader.stdout);
        assert.equal(created.name, 'ci-read');
        assert.equal(created.scope, 'read');
        expectCode(anonymous, 1, 'no token');
        assert.match(anonymous.stderr, /^error: UNAUTHORIZED: /);
        assert.match(anonymous.stderr, /^hint: set PODNET_TOKEN/m);
        expectCode(withBadToken, 1, 'a wrong token');
        assert.match(withBadToken.stderr, /^error: UNAUTHORIZED: /);

        const [list, readOk, readApply, readTokens] = await Promise.all([
          as(adminSecret, 'token', 'list'),
          as(created.token, 'get', 'clusters', '--json'),
          as(created.token, 'apply', '-f', demoFile),
          as(created.token, 'token', 'list'),
        ]);
        expectCode(list, 0, 'token list');
        assert.match(list.stdout, /^NAME\s+SCOPE\s+CREATED\s+LAST USED$/m);
        assert.match(list.stdout, /^ci-read\s+read\s+\S+\s+/m);
        assert.match(list.stdout, /^ci-admin\s+admin\s/m);
        assert.ok(!list.stdout.includes(created.token) && !list.stdout.includes(adminSecret), 'list shows no secret');
        expectCode(readOk, 0, 'a read token reads');
        expectCode(readApply, 1, 'a read token cannot apply');
        assert.match(readApply.stderr, /^error: FORBIDDEN: /);
        assert.match(readApply.stderr, /^hint: .*scope/m);
        expectCode(readTokens, 1, 'a read token cannot list tokens');

        const revoked = await asChild(adminSecret, 'token', 'revoke', 'ci-read');
        expectCode(revoked, 0, 'token revoke');
        assert.equal(revoked.stdout, 'token ci-read revoked\n');
        const [afterRevoke, again] = await Promise.all([as(created.token, 'get', 'clusters'), as(adminSecret, 'token', 'revoke', 'ci-read')]);
        expectCode(afterRevoke, 1, 'a revoked token');
        assert.match(afterRevoke.stderr, /^error: UNAUTHORIZED: /);
        expectCode(again, 1, 'revoke twice');
      } finally {
        await secured.close();
      }
    });
  });
});

describe('CLI helpers', () => {
  test('the argument parser is strict', () => {
    const specs = { file: { type: 'string', short: 'f' }, json: { type: 'boolean' } } as const;
    assert.deepEqual(parseArgs(['a', '-f', '-', '--json', '--', '--x'], specs), { positionals: ['a', '--x'], values: { file: '-', json: true } });
    assert.deepEqual(parseArgs(['--file=c.yaml', '-fd.yaml'], specs).values, { file: 'd.yaml' });
    assert.throws(() => parseArgs(['--json=yes'], specs), UsageError);
    assert.throws(() => parseArgs(['-f', '--json'], specs), /needs a value/);
    assert.throws(() => parseArgs(['-x'], specs), /unknown option -x/);
  });

  test('JUnit XML escapes names, messages and bodies', () => {
    assert.equal(xmlEscape(`<a href="x">&'\u0001`), '&lt;a href=&quot;x&quot;&gt;&amp;&apos;\ufffd');
    const xml = junitXml({
      name: 'podnet verify <c>', timestamp: new Date(0), time: 0.5,
      cases: [{ name: 'x & y', classname: 'c', failure: { message: 'a "b"\nc', body: '<fail> & ]]>' } }, { name: 'ok', classname: 'c' }],
    });
    const els = readXml(xml);
    assert.equal(els.find((e) => e.name === 'testsuite')!.attrs.name, 'podnet verify <c>');
    const failure = els.find((e) => e.name === 'failure')!;
    assert.equal(failure.attrs.message, 'a "b"\nc');
    assert.equal(failure.text, '<fail> & ]]>');
    assert.equal(els.filter((e) => e.name === 'testcase').length, 2);
  });
});

describe('podnet serve takes no arguments; client commands ignore the server\'s variables', () => {
  // A server that started would never end: killed after 20 s, its exit then fails the test.
  const run = (args: string[], env: Record<string, string>) =>
    podnet(args, { url: 'http://127.0.0.1:9', killAfterMs: 20_000, env: { ...env, PODNET_DATA_DIR: path.join(os.tmpdir(), `podnet-never-${process.pid}`) } });

  test('serve --help prints its usage and starts nothing; serve with an argument is a usage error', async () => {
    const [help, stray, clientHelp] = await Promise.all([
      run(['serve', '--help'], { PORT: '0' }),
      run(['serve', 'now'], { PORT: '0' }),
      run(['--help'], { PORT: 'abc', LOG_LEVEL: 'loud' }),
    ]);
    expectCode(help, 0, 'serve --help');
    assert.match(help.stdout, /^usage: podnet serve\n/);
    assert.ok(help.stdout.split('\n').every((l) => l.length <= 80), 'fits 80 columns');
    expectCode(stray, 2, 'serve now');
    assert.match(stray.stderr, /unexpected argument "now"/);
    expectCode(clientHelp, 0, 'PORT=abc LOG_LEVEL=loud podnet --help: the server\'s variables are not the client\'s');
  });

  test('with -o json, an unknown option or command is the problem document on stdout too', async () => {
    for (const args of [['verify', 'demo', '--bogus', '--json'], ['bogus', '--json'], ['get', 'clusters', '-o', 'json', '--nope']]) {
      const r = await inProcess(args, { url: 'http://127.0.0.1:9' });
      expectCode(r, 2, args.join(' '));
      const doc = JSON.parse(r.stdout) as { code: string; detail: string };
      assert.equal(doc.code, 'USAGE_ERROR', args.join(' '));
      assert.match(r.stderr, /error:/);
    }
  });

  test('PODNET_URL with https:// against the plain-HTTP server: one line that says so, exit 3', async () => {
    const fake = await fakeServer(() => ({ status: 200, type: 'application/json', body: '{}' }));
    try {
      const r = await inProcess(['get', 'clusters'], { url: fake.url.replace('http://', 'https://') });
      expectCode(r, 3, 'https to http');
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /TLS failed \(ERR_SSL_[A-Z_]+\): does the server speak HTTPS\?/);
    } finally {
      await fake.close();
    }
  });

  test('every help text fits 80 columns (usage lines wrap with their brackets whole)', async () => {
    const topics = [[], ['help'], ...['apply', 'diff', 'get', 'get pods', 'routes', 'path', 'verify', 'import', 'audit', 'token', 'token create', 'delete', 'delete pod'].map((t) => [...t.split(' '), '--help'])];
    for (const args of topics) {
      const r = await inProcess(args.length ? args : ['--help'], { url: 'http://127.0.0.1:9' });
      const text = r.stdout + r.stderr;
      assert.ok(text.length > 0, args.join(' '));
      for (const line of text.split('\n')) assert.ok(line.length <= 80, `podnet ${args.join(' ')}: ${line.length} columns: ${line}`);
      assert.doesNotMatch(text, /\[-o\n/, 'a bracketed option is never split');
    }
  });
});
