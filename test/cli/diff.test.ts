// `podnet diff` (SPEC §13) and `apply --dry-run`: the plan as text, the exit
// code that gates a CI step on broken node pairs, and the JUnit report.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { racks } from '../helpers/racks.js';
import { expectCode, inProcess, listen, podnet, readXml } from './helpers.js';

const moved = { ...racks, nodes: racks.nodes.map((n) => (n.name === 'w3' ? { ...n, address: '172.16.2.13' } : n)) };
const overlay = { ...racks, network: { mode: 'cross-subnet', mtu: 1500 } };

describe('podnet diff', () => {
  let t: TestApp;
  let url: string;
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  const local = (...args: string[]) => inProcess(args, { url });

  before(async () => {
    [t, dir] = await Promise.all([startTestApp(), mkdtemp(path.join(os.tmpdir(), 'podnet-diff-'))]);
    url = await listen(t.app);
    const res = await fetch(`${url}/v1/clusters`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(racks) });
    assert.equal(res.status, 201, await res.text());
    await Promise.all([
      writeFile(file('moved.json'), JSON.stringify(moved)),
      writeFile(file('overlay.json'), JSON.stringify(overlay)),
      writeFile(file('same.json'), JSON.stringify(racks)),
    ]);
  });
  after(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a change that breaks pairs: summary line first, the update\'s fields, the broken pairs; exit 1, or 0 with --allow-break', async () => {
    const [r, allowed] = await Promise.all([
      podnet(['diff', '-f', file('moved.json'), '--junit', file('moved.xml')], { url }),
      local('diff', '-f', file('moved.json'), '--allow-break'),
    ]);
    expectCode(r, 1, 'diff of a breaking change');
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], '1 to update, 9 routes changed on 4 nodes, 4 node pairs broken, 2 fixed');
    assert.ok(lines.includes('  ~ node w3: address 172.16.1.13 → 172.16.2.13, subnet rack1 → rack2'), r.stdout);
    assert.match(r.stdout, /✗ broken node:w1 → node:w3 \(ipv4\): DELIVERED → NO_ROUTE \(NO_ROUTE at router\)/);
    assert.match(r.stdout, /^ {2}w1: \+0 -1 ~0\n {4}- 10\.40\.2\.0\/24 via 172\.16\.1\.13 dev eth0$/m);
    assert.match(r.stdout, /^pod MTU: ipv4 1500$/m);
    assert.match(r.stderr, /4 node pairs would break/);
    expectCode(allowed, 0, 'diff --allow-break');
    assert.equal(allowed.stdout.split('\n')[0], lines[0]);
    const els = readXml(await readFile(file('moved.xml'), 'utf8'));
    const cases = els.filter((e) => e.name === 'testcase');
    assert.deepEqual(cases.map((c) => c.attrs.name).sort(), [
      'ipv4 node:w1 -> node:w3', 'ipv4 node:w2 -> node:w3', 'ipv4 node:w3 -> node:w1', 'ipv4 node:w3 -> node:w2',
    ]);
    assert.equal(els.filter((e) => e.name === 'failure').length, 4);
    assert.equal(els.find((e) => e.name === 'testsuite')!.attrs.failures, '4');
  });

  test('a change that breaks nothing exits 0 and its JUnit report is one passing suite; an unchanged definition says so', async () => {
    const [r, same] = await Promise.all([local('diff', '-f', file('overlay.json'), '--junit', file('overlay.xml')), local('diff', '-f', file('same.json'))]);
    expectCode(r, 0, 'diff of a fixing change');
    assert.equal(r.stdout.split('\n')[0], '1 to update, 6 routes changed on 4 nodes, 0 node pairs broken, 6 fixed');
    assert.match(r.stdout, /~ cluster racks: mode host-gw → cross-subnet/);
    assert.match(r.stdout, /^pod MTU: ipv4 1500 → 1450$/m);
    const els = readXml(await readFile(file('overlay.xml'), 'utf8'));
    assert.deepEqual(els.filter((e) => e.name === 'testcase').map((c) => c.attrs.name), ['no node pair breaks']);
    assert.equal(els.filter((e) => e.name === 'failure' || e.name === 'error').length, 0);
    expectCode(same, 0, 'diff of the stored definition');
    assert.equal(same.stdout.split('\n')[0], 'no changes, 0 routes changed on 0 nodes, 0 node pairs broken');
  });

  test('-o json is the server\'s {plan, changes, impact}, with the same exit code', async () => {
    const r = await local('diff', '-f', file('moved.json'), '-o', 'json');
    expectCode(r, 1, 'diff -o json');
    const body = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(body), ['plan', 'changes', 'changeCounts', 'impact']);
    assert.equal(body.impact.reachability.broken, 4);
  });

  test('an unreachable server: exit 3, and the JUnit report is one errored testcase', async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const port = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(port));
      });
    });
    const r = await inProcess(['diff', '-f', file('moved.json'), '--junit', file('down.xml')], { url: `http://127.0.0.1:${closed}` });
    expectCode(r, 3, 'diff against a closed port');
    const els = readXml(await readFile(file('down.xml'), 'utf8'));
    assert.deepEqual(els.filter((e) => e.name === 'testcase').map((c) => c.attrs.name), ['diff']);
    assert.equal(els.filter((e) => e.name === 'error').length, 1);
    assert.equal(els.find((e) => e.name === 'testsuite')!.attrs.errors, '1');
  });

  test('apply --dry-run shows the same plan; apply prints each update as before → after', async () => {
    const dry = await local('apply', '-f', file('moved.json'), '--dry-run');
    expectCode(dry, 0, 'apply --dry-run');
    assert.deepEqual(dry.stdout.split('\n').slice(0, 2), ['cluster racks would change (dry run, nothing stored)', '1 to update, 9 routes changed on 4 nodes, 4 node pairs broken, 2 fixed']);
    const wet = await local('apply', '-f', file('moved.json'));
    expectCode(wet, 0, 'apply');
    assert.match(wet.stdout, /^node w3: address 172\.16\.1\.13 → 172\.16\.2\.13, subnet rack1 → rack2$/m);
  });
});
