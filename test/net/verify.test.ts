import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildDatapath } from '../../src/net/datapath.js';
import { MODES, type Mode } from '../../src/net/model.js';
import { reachabilityByPair } from '../../src/net/reachability.js';
import { tracePath } from '../../src/net/trace.js';
import { type VerifyCheck, verify } from '../../src/net/verify.js';
import { type TopoDef, buildTopology, randomClusterArb, threeNodes } from './fixtures.js';

const check = (def: TopoDef, name: string): VerifyCheck => verify(buildDatapath(buildTopology(def))).checks.find((c) => c.name === name)!;
const messages = (c: VerifyCheck): string[] => (c.failures ?? []).map((f) => f.message);

test('the report lists the five checks; a healthy cluster passes all of them', () => {
  const r = verify(buildDatapath(buildTopology(threeNodes('cross-subnet', 'dual'))));
  assert.deepEqual(r.checks.map((c) => c.name), ['no-overlap', 'pod-ips', 'reachability', 'mtu', 'capacity']);
  assert.equal(r.ok, true, JSON.stringify(r.checks.filter((c) => !c.ok)));
});

test('host-gw over two subnets fails reachability, naming every failing pair and why', () => {
  const dp = buildDatapath(buildTopology(threeNodes('host-gw')));
  const c = verify(dp).checks.find((x) => x.name === 'reachability')!;
  assert.equal(c.ok, false);
  assert.equal(c.failureCount, 4);
  assert.deepEqual(messages(c).sort(), [
    'IPv4 a -> c: NO_ROUTE at router',
    'IPv4 b -> c: NO_ROUTE at router',
    'IPv4 c -> a: NO_ROUTE at router',
    'IPv4 c -> b: NO_ROUTE at router',
  ]);
  const first = c.failures![0]!;
  assert.deepEqual(first, { message: first.message, from: first.from, to: first.to, family: 4, reason: 'NO_ROUTE at router', fromEndpoint: `node:${String(first.from)}`, toEndpoint: first.toEndpoint });
  // The endpoints of the trace that failed: B's bridge gateway, and tracing them gives the failure's disposition.
  const again = tracePath(dp, String(first.fromEndpoint), String(first.toEndpoint));
  assert.equal(again.disposition, 'NO_ROUTE');
  assert.deepEqual(c.figures, { pairs: 6, classes: 3, tracedIndividually: 0 });
});

for (const mode of MODES.filter((m) => m !== 'host-gw')) {
  test(`${mode} over two subnets reaches every pair, in both families`, () => {
    const c = check(threeNodes(mode, 'dual'), 'reachability');
    assert.equal(c.ok, true, JSON.stringify(c.failures));
    assert.equal((c.figures as { pairs: number }).pairs, 12);
  });
}

test('host-gw on a flat underlay passes', () => {
  assert.equal(check(threeNodes('host-gw', 'dual', true), 'reachability').ok, true);
});

test('a node without an IPv6 address is reported for every IPv6 pair it is in', () => {
  const def = threeNodes('host-gw', 'dual', true);
  def.nodes[2]!.addrs = ['192.168.0.13'];
  const c = check(def, 'reachability');
  assert.equal(c.ok, false);
  assert.deepEqual(messages(c).sort(), [
    'IPv6 a -> c: NO_ROUTE at a: c has no IPv6 address',
    'IPv6 b -> c: NO_ROUTE at b: c has no IPv6 address',
    'IPv6 c -> a: NO_ROUTE at c: c has no IPv6 address',
    'IPv6 c -> b: NO_ROUTE at c: c has no IPv6 address',
  ]);
});

test('bgp with a gateway-less subnet: its nodes cannot reach the other subnet', () => {
  const def = threeNodes('bgp');
  def.subnets![1]!.gateway = null;
  const c = check(def, 'reachability');
  assert.equal(c.ok, false);
  assert.ok(messages(c).includes('IPv4 c -> a: NO_ROUTE at c'), messages(c).join('\n'));
  assert.ok(messages(c).includes('IPv4 a -> c: NO_ROUTE at router'), messages(c).join('\n'));
});

test('failure lists are capped, with the total count', () => {
  const nodes = Array.from({ length: 12 }, (_, i) => ({ name: `n${i}`, addrs: [`192.168.${i % 2}.${10 + i}`] }));
  const def: TopoDef = {
    mode: 'host-gw',
    subnets: [{ name: 'r0', cidr: '192.168.0.0/24', gateway: '192.168.0.1' }, { name: 'r1', cidr: '192.168.1.0/24', gateway: '192.168.1.1' }],
    nodes,
  };
  const c = check(def, 'reachability');
  assert.equal(c.failureCount, 72);
  assert.equal(c.failures!.length, 20);
});

test('no-overlap: overlapping blocks, blocks outside the range, in reserved or service ranges, of the wrong size', () => {
  const def: TopoDef = {
    podCidrs: ['10.1.0.0/16'],
    reserved: ['10.1.255.0/24'],
    serviceCidr: '10.1.128.0/20',
    nodes: [
      { name: 'a', addrs: ['192.168.0.11'], blocks: ['10.1.1.0/24'] },
      { name: 'b', addrs: ['192.168.0.12'], blocks: ['10.1.1.0/24'] },
      { name: 'c', addrs: ['192.168.0.13'], blocks: ['10.1.255.0/24'] },
      { name: 'd', addrs: ['192.168.0.14'], blocks: ['10.2.0.0/24'] },
      { name: 'e', addrs: ['192.168.0.15'], blocks: ['10.1.130.0/24'] },
      { name: 'f', addrs: ['192.168.0.16'], blocks: ['10.1.4.0/25'] },
      { name: 'g', addrs: ['192.168.0.17'], blocks: ['10.1.0.0/22'] },
    ],
  };
  const c = check(def, 'no-overlap');
  assert.equal(c.ok, false);
  const m = messages(c);
  for (const want of [
    'node b block 10.1.1.0/24 overlaps node a block 10.1.1.0/24',
    'reserved range 10.1.255.0/24 overlaps node c block 10.1.255.0/24',
    'node d block 10.2.0.0/24 is outside the pod range 10.1.0.0/16',
    'node e block 10.1.130.0/24 overlaps service CIDR 10.1.128.0/20',
    'node f block 10.1.4.0/25 is a /25, the node mask size is /24',
    'node g block 10.1.0.0/22 is a /22, the node mask size is /24',
  ]) assert.ok(m.includes(want) || m.some((x) => x === want), `${want}\n in:\n${m.join('\n')}`);
  assert.ok(m.some((x) => x.includes('node g block 10.1.0.0/22') && x.includes('overlaps')) || m.some((x) => x.includes('overlaps node g block')));
  assert.equal(check(threeNodes('vxlan'), 'no-overlap').ok, true);
});

test('no-overlap: a node missing a block of a cluster family, a shared node address', () => {
  const def = threeNodes('host-gw', 'dual', true);
  def.nodes[1]!.blocks = ['10.1.2.0/24'];
  def.nodes[2]!.addrs = ['192.168.0.11', 'fd00:ff::13'];
  const m = messages(check(def, 'no-overlap'));
  assert.ok(m.includes('node b has no IPv6 pod block'), m.join('\n'));
  assert.ok(m.includes('192.168.0.11 is claimed by node a and node c'), m.join('\n'));
});

test('pod-ips: outside the block, network, gateway, broadcast, duplicates, missing family, unknown node', () => {
  const def: TopoDef = {
    podCidrs: ['10.1.0.0/16', 'fd00:10:1::/48'],
    nodes: [
      { name: 'a', addrs: ['192.168.0.11'], blocks: ['10.1.1.0/24', 'fd00:10:1:1::/64'] },
      { name: 'b', addrs: ['192.168.0.12'], blocks: ['10.1.2.0/24', 'fd00:10:1:2::/64'] },
    ],
    pods: [
      { name: 'ok', node: 'a', ips: ['10.1.1.5', 'fd00:10:1:1::5'] },
      { name: 'out', node: 'a', ips: ['10.1.2.9', 'fd00:10:1:1::6'] },
      { name: 'net', node: 'a', ips: ['10.1.1.0', 'fd00:10:1:1::'] },
      { name: 'gw', node: 'a', ips: ['10.1.1.1', 'fd00:10:1:1::7'] },
      { name: 'bcast', node: 'a', ips: ['10.1.1.255', 'fd00:10:1:1:ffff:ffff:ffff:ffff'] },
      { name: 'dup', node: 'a', ips: ['10.1.1.5', 'fd00:10:1:1::8'] },
      { name: 'v4only', node: 'b', ips: ['10.1.2.5'] },
      { name: 'lost', node: 'zz', ips: ['10.1.9.5'] },
    ],
  };
  const c = check(def, 'pod-ips');
  assert.equal(c.ok, false);
  assert.deepEqual(messages(c).sort(), [
    '10.1.1.1 is claimed by the bridge of node a and pod default/gw',
    '10.1.1.5 is claimed by pod default/ok and pod default/dup',
    'pod default/bcast IP 10.1.1.255 is the broadcast address of 10.1.1.0/24',
    'pod default/gw IP 10.1.1.1 is the gateway of 10.1.1.0/24',
    'pod default/lost is on unknown node zz',
    'pod default/net IP 10.1.1.0 is the network address of 10.1.1.0/24',
    'pod default/net IP fd00:10:1:1:: is the network address of fd00:10:1:1::/64',
    'pod default/out IP 10.1.2.9 is outside its node\'s block 10.1.1.0/24',
    'pod default/v4only has no IPv6 address though node b has a IPv6 block',
  ]);
  assert.equal(check(threeNodes('bgp', 'dual'), 'pod-ips').ok, true);
});

test('mtu: figures, and a pod MTU below the IPv6 minimum fails', () => {
  const ok = check(threeNodes('vxlan'), 'mtu');
  assert.equal(ok.ok, true);
  assert.deepEqual(ok.figures, { mode: 'vxlan', underlayMtu: 1500, overhead: 50, podMtu: 1450 });
  const small = check({ ...threeNodes('vxlan', 'dual'), mtu: 1300 }, 'mtu');
  assert.equal(small.ok, false);
  // Over IPv6 VXLAN costs 70 bytes: 1300 leaves IPv4 pods 1250 (fine) and IPv6 pods 1230.
  assert.deepEqual(messages(small), ['IPv6 pod MTU 1230 is below the IPv6 minimum of 1280']);
  assert.deepEqual(small.figures, { mode: 'vxlan', underlayMtu: 1300, overhead: 50, podMtu: 1250, podMtus: { ipv4: 1250, ipv6: 1230 } });
});

test('capacity: node block and pod IP utilisation per family, warn-only', () => {
  const c = check({ ...threeNodes('host-gw'), reserved: ['10.1.255.0/24'], serviceCidr: '10.96.0.0/12' }, 'capacity');
  assert.equal(c.ok, true);
  const fam = (c.figures as { families: Record<string, unknown>[] }).families[0]!;
  assert.deepEqual(fam.nodeBlocks, { total: 255, used: 3, free: 252, excluded: 1, utilization: 3 / 255 });
  assert.deepEqual(fam.podIps, { total: 3 * 253, used: 4, utilization: 4 / 759, fullestNode: { node: 'a', used: 2, capacity: 253, utilization: 2 / 253 } });
  assert.equal(c.detail, 'IPv4: 3 of 255 node blocks used (1.2%)');

  const full = check({ podCidrs: ['10.1.0.0/23'], nodes: [{ name: 'a', addrs: ['192.168.0.1'] }, { name: 'b', addrs: ['192.168.0.2'], blocks: ['10.1.0.0/24'] }] }, 'capacity');
  assert.equal(full.ok, true);
  assert.match(full.detail!, /warning: IPv4 node blocks exhausted \(2 of 2\)/);
});

// ---- the class argument against tracing every pair -------------------------------

test('property: class-based reachability equals tracing every ordered pair (random clusters, every mode)', () => {
  fc.assert(
    fc.property(randomClusterArb, ({ def, extra }) => {
      const dp = buildDatapath(buildTopology(def), { extraRoutes: { nodes: extra } });
      const byClass = reachabilityByPair(dp, 'classes');
      const brute = reachabilityByPair(dp, 'brute');
      assert.deepEqual(new Map([...byClass].sort()), new Map([...brute].sort()));
      const c = verify(dp).checks.find((x) => x.name === 'reachability')!;
      const failing = [...brute.values()].filter((r) => r !== null).length;
      assert.equal(c.ok, failing === 0);
      assert.equal(c.failureCount ?? 0, failing);
    }),
    { numRuns: 400 },
  );
});

test('property: the class verdicts hold for larger regular clusters too', () => {
  const arb = fc.record({
    mode: fc.constantFrom<Mode>(...MODES),
    racks: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 4, maxLength: 14 }),
    gateways: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  });
  fc.assert(
    fc.property(arb, ({ mode, racks, gateways }) => {
      const def: TopoDef = {
        mode,
        subnets: [0, 1, 2, 3].map((i) => ({ name: `r${i}`, cidr: `192.168.${i}.0/24`, gateway: gateways[i] ? `192.168.${i}.1` : null })),
        nodes: racks.map((r, i) => ({ name: `n${i}`, addrs: [`192.168.${r}.${10 + i}`] })),
      };
      const dp = buildDatapath(buildTopology(def));
      assert.deepEqual(new Map([...reachabilityByPair(dp, 'classes')].sort()), new Map([...reachabilityByPair(dp, 'brute')].sort()));
    }),
    { numRuns: 100 },
  );
});
