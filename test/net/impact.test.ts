import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildDatapath, type Datapath } from '../../src/net/datapath.js';
import { MAX_BROKEN_EXAMPLES, MAX_FIXED_EXAMPLES, computeImpact } from '../../src/net/impact.js';
import { type TopoDef, buildTopology, threeNodes } from './fixtures.js';
import { brutePairs, clusterChangeArb } from './impact-reference.js';

const dpOf = (def: TopoDef): Datapath => buildDatapath(buildTopology(def));
const nodeCount = (t: { nodes: unknown[] }) => t.nodes.length;
const impactOf = (b: TopoDef | null, a: TopoDef) => computeImpact(b ? dpOf(b) : null, dpOf(a), nodeCount);
/** An example as verify names pairs: `IPv4 a -> b`. */
const key = (e: { from: string; to: string; family: string }) => `IPv${e.family.slice(3)} ${e.from.slice(5)} -> ${e.to.slice(5)}`;

function assertMatchesBrute(before: Datapath, after: Datapath): void {
  const r = computeImpact(before, after, nodeCount).reachability;
  const ref = brutePairs(before, after);
  assert.deepEqual(
    { pairsBefore: r.pairsBefore, pairsAfter: r.pairsAfter, broken: r.broken, fixed: r.fixed },
    { pairsBefore: ref.pairsBefore, pairsAfter: ref.pairsAfter, broken: ref.broken.length, fixed: ref.fixed.length },
  );
  const ex = (change: 'broken' | 'fixed') => r.examples.filter((e) => e.change === change).map(key).sort();
  const broken = ex('broken');
  if (ref.broken.length <= MAX_BROKEN_EXAMPLES) assert.deepEqual(broken, ref.broken);
  else assert.ok(broken.length === MAX_BROKEN_EXAMPLES && broken.every((k) => ref.broken.includes(k)));
  const fixed = ex('fixed');
  if (ref.fixed.length <= MAX_FIXED_EXAMPLES) assert.deepEqual(fixed, ref.fixed);
  else assert.ok(fixed.length === MAX_FIXED_EXAMPLES && fixed.every((k) => ref.fixed.includes(k)));
}

test('moving a node to another rack under host-gw breaks its pairs with its old rack and fixes those with its new one', () => {
  const moved = threeNodes('host-gw');
  moved.nodes[1]!.addrs = ['192.168.1.12'];
  const r = impactOf(threeNodes('host-gw'), moved).reachability;
  assert.deepEqual({ ...r, examples: undefined }, {
    pairsBefore: 6, pairsAfter: 6, reachableBefore: 2, reachableAfter: 2, broken: 2, fixed: 2, unchecked: 0, examples: undefined,
  });
  assert.deepEqual(r.examples, [
    { change: 'broken', from: 'node:a', to: 'node:b', family: 'ipv4', before: 'DELIVERED', after: 'NO_ROUTE', reason: 'NO_ROUTE at router' },
    { change: 'broken', from: 'node:b', to: 'node:a', family: 'ipv4', before: 'DELIVERED', after: 'NO_ROUTE', reason: 'NO_ROUTE at router' },
    { change: 'fixed', from: 'node:b', to: 'node:c', family: 'ipv4', before: 'NO_ROUTE', after: 'DELIVERED', reason: 'NO_ROUTE at router' },
    { change: 'fixed', from: 'node:c', to: 'node:b', family: 'ipv4', before: 'NO_ROUTE', after: 'DELIVERED', reason: 'NO_ROUTE at router' },
  ]);
});

test('host-gw -> cross-subnet fixes every pair across the racks and breaks none', () => {
  const i = impactOf(threeNodes('host-gw', 'dual'), threeNodes('cross-subnet', 'dual'));
  assert.equal(i.reachability.broken, 0);
  assert.equal(i.reachability.fixed, 8);
  assert.equal(i.reachability.reachableAfter, 12);
  assert.deepEqual(i.mtu, { before: { ipv4: 1500, ipv6: 1500 }, after: { ipv4: 1450, ipv6: 1430 } });
  assert.equal(i.routes.added, 8);
});

test('an MTU change moves the pod MTU of each family and nothing else', () => {
  const big = threeNodes('vxlan', 'dual');
  big.mtu = 9000;
  const i = impactOf(threeNodes('vxlan', 'dual'), big);
  assert.deepEqual(i.mtu, { before: { ipv4: 1450, ipv6: 1430 }, after: { ipv4: 8950, ipv6: 8930 } });
  assert.deepEqual([i.reachability.broken, i.reachability.fixed, i.routes.nodesChanged], [0, 0, 0]);
});

test('a pod-only change has no route or reachability impact', () => {
  const more = threeNodes('ipip');
  more.pods = [...more.pods!, { name: 'new', node: 'c' }];
  const i = impactOf(threeNodes('ipip'), more);
  assert.deepEqual(i.routes, { added: 0, removed: 0, changed: 0, nodesChanged: 0, nodes: [] });
  assert.deepEqual([i.reachability.broken, i.reachability.fixed, i.reachability.pairsBefore, i.reachability.pairsAfter], [0, 0, 6, 6]);
});

test('a new cluster: nothing before, nothing broken, every route added', () => {
  const i = impactOf(null, threeNodes('bgp'));
  assert.deepEqual(i.mtu.before, {});
  assert.equal(i.capacity.before, null);
  assert.equal(i.capacity.after, 3);
  assert.deepEqual([i.reachability.pairsBefore, i.reachability.pairsAfter, i.reachability.broken], [0, 6, 0]);
  assert.equal(i.routes.nodesChanged, 3);
});

test('a whole rack moved under host-gw: broken and fixed are products of the racks, examples are capped', () => {
  const rack = (r: number, from: number, n: number) => Array.from({ length: n }, (_, i) => ({ name: `r${from}-${i}`, addrs: [`192.168.${r}.${10 + 60 * from + i}`] }));
  const def = (moveTo: number): TopoDef => ({
    mode: 'host-gw',
    subnets: [0, 1, 2].map((r) => ({ name: `rack${r}`, cidr: `192.168.${r}.0/24`, gateway: `192.168.${r}.1` })),
    nodes: [...rack(0, 0, 20), ...rack(1, 1, 25), ...rack(moveTo, 2, 30)],
  });
  const r = impactOf(def(1), def(0)).reachability;
  // Rack 2 sat with rack 1 (25 nodes) and joins rack 0 (20 nodes); among themselves its 30 nodes stay fine.
  assert.deepEqual([r.broken, r.fixed], [2 * 30 * 25, 2 * 30 * 20]);
  assert.equal(r.examples.length, MAX_BROKEN_EXAMPLES + MAX_FIXED_EXAMPLES);
  assertMatchesBrute(dpOf(def(1)), dpOf(def(0)));
});

test('property: broken and fixed equal tracing every pair before and after (random changes, every mode)', () => {
  fc.assert(
    fc.property(clusterChangeArb, ([b, a]) => {
      const before = buildDatapath(buildTopology(b.def), { extraRoutes: { nodes: b.extra } });
      const after = buildDatapath(buildTopology(a.def), { extraRoutes: { nodes: a.extra } });
      assertMatchesBrute(before, after);
    }),
    { numRuns: 400 },
  );
});
