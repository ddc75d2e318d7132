import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildDatapath, type Datapath } from '../../src/net/datapath.js';
import { MAX_DIFF_ENTRIES, MAX_DIFF_NODES, diffRoutes } from '../../src/net/impact-routes.js';
import { type TopoDef, buildTopology, threeNodes } from './fixtures.js';
import { bruteRouteDiff, clusterChangeArb } from './impact-reference.js';

const dpOf = (def: TopoDef): Datapath => buildDatapath(buildTopology(def));

/** diffRoutes against the whole-table reference: every count, and the listed entries as sets. */
function assertMatchesBrute(before: Datapath, after: Datapath): void {
  const got = diffRoutes(before, after);
  const ref = bruteRouteDiff(before, after);
  const sum = (k: 'added' | 'removed' | 'changed') => [...ref.values()].reduce((s, d) => s + d[k].length, 0);
  assert.deepEqual(
    { added: got.added, removed: got.removed, changed: got.changed, nodesChanged: got.nodesChanged },
    { added: sum('added'), removed: sum('removed'), changed: sum('changed'), nodesChanged: ref.size },
  );
  assert.deepEqual(got.nodes.map((n) => n.node), [...ref.keys()].slice(0, MAX_DIFF_NODES));
  for (const n of got.nodes) {
    const r = ref.get(n.node)!;
    assert.deepEqual(n.counts, { added: r.added.length, removed: r.removed.length, changed: r.changed.length }, n.node);
    const listed = n.added.length + n.removed.length + n.changed.length;
    assert.equal(listed, Math.min(MAX_DIFF_ENTRIES, r.added.length + r.removed.length + r.changed.length));
    for (const t of n.added) assert.ok(r.added.includes(t), `${n.node}: +${t}`);
    for (const t of n.removed) assert.ok(r.removed.includes(t), `${n.node}: -${t}`);
    for (const c of n.changed) assert.ok(r.changed.some((x) => x.before === c.before && x.after === c.after), `${n.node}: ~${c.before}`);
  }
}

test('an unchanged cluster has no route differences', () => {
  const d = diffRoutes(dpOf(threeNodes('cross-subnet', 'dual')), dpOf(threeNodes('cross-subnet', 'dual')));
  assert.deepEqual(d, { added: 0, removed: 0, changed: 0, nodesChanged: 0, nodes: [] });
});

test('host-gw -> cross-subnet adds the routes across subnets, as VXLAN routes', () => {
  const d = diffRoutes(dpOf(threeNodes('host-gw')), dpOf(threeNodes('cross-subnet')));
  assert.deepEqual({ added: d.added, removed: d.removed, changed: d.changed, nodesChanged: d.nodesChanged }, { added: 4, removed: 0, changed: 0, nodesChanged: 3 });
  assert.deepEqual(d.nodes.find((n) => n.node === 'a'), {
    node: 'a', counts: { added: 1, removed: 0, changed: 0 },
    added: ['10.1.3.0/24 via 10.1.3.0 dev flannel.1 onlink'], removed: [], changed: [],
  });
  assert.deepEqual(d.nodes.find((n) => n.node === 'c')!.added, ['10.1.1.0/24 via 10.1.1.0 dev flannel.1 onlink', '10.1.2.0/24 via 10.1.2.0 dev flannel.1 onlink']);
});

test('moving node b to the other rack under host-gw changes its routes and everyone\'s route to it', () => {
  const moved = threeNodes('host-gw');
  moved.nodes[1]!.addrs = ['192.168.1.12'];
  const d = diffRoutes(dpOf(threeNodes('host-gw')), dpOf(moved));
  const byNode = Object.fromEntries(d.nodes.map((n) => [n.node, n]));
  assert.deepEqual(byNode.a!.removed, ['10.1.2.0/24 via 192.168.0.12 dev eth0']);
  assert.deepEqual(byNode.c!.added, ['10.1.2.0/24 via 192.168.1.12 dev eth0']);
  assert.deepEqual(byNode.b!.changed, [
    { before: 'default via 192.168.0.1 dev eth0', after: 'default via 192.168.1.1 dev eth0' },
  ]);
  assert.deepEqual(byNode.b!.removed, ['10.1.1.0/24 via 192.168.0.11 dev eth0', '192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.12']);
  assert.deepEqual(byNode.b!.added, ['10.1.3.0/24 via 192.168.1.13 dev eth0', '192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.12']);
  assertMatchesBrute(dpOf(threeNodes('host-gw')), dpOf(moved));
});

test('an MTU change or a pod-only change leaves every route table as it was', () => {
  const mtu = threeNodes('vxlan');
  mtu.mtu = 9000;
  assert.equal(diffRoutes(dpOf(threeNodes('vxlan')), dpOf(mtu)).nodesChanged, 0);
  const pods = threeNodes('vxlan');
  pods.pods = [{ name: 'extra', node: 'c' }];
  assert.equal(diffRoutes(dpOf(threeNodes('vxlan')), dpOf(pods)).nodesChanged, 0);
});

test('a created cluster adds every route; a removed node takes its table with it', () => {
  const empty = dpOf({ ...threeNodes('bgp', 'dual'), nodes: [], pods: [] });
  assertMatchesBrute(empty, dpOf(threeNodes('bgp', 'dual')));
  const fewer = threeNodes('bgp', 'dual');
  fewer.nodes.pop();
  fewer.pods = fewer.pods!.filter((p) => p.node !== 'c');
  assertMatchesBrute(dpOf(threeNodes('bgp', 'dual')), dpOf(fewer));
});

test('lists at most 100 nodes and 50 entries each, with whole counts', () => {
  const rack = (r: number, n: number) => Array.from({ length: n }, (_, i) => ({ name: `r${r}-${i}`, addrs: [`192.168.${r}.${10 + i}`] }));
  const def = (mode: 'host-gw' | 'vxlan'): TopoDef => ({
    mode, subnets: [0, 1].map((r) => ({ name: `rack${r}`, cidr: `192.168.${r}.0/24`, gateway: `192.168.${r}.1` })), nodes: [...rack(0, 70), ...rack(1, 70)],
  });
  const d = diffRoutes(dpOf(def('host-gw')), dpOf(def('vxlan')));
  assert.equal(d.nodesChanged, 140);
  assert.equal(d.nodes.length, 100);
  assert.equal(d.changed, 140 * 69);
  assert.equal(d.added, 140 * 70);
  assert.ok(d.nodes.every((n) => n.added.length + n.removed.length + n.changed.length === 50));
  assertMatchesBrute(dpOf(def('host-gw')), dpOf(def('vxlan')));
});

test('property: the per-class route diff equals diffing every node\'s two whole tables (random changes, every mode)', () => {
  fc.assert(
    fc.property(clusterChangeArb, ([b, a]) => {
      const before = buildDatapath(buildTopology(b.def), { extraRoutes: { nodes: b.extra } });
      const after = buildDatapath(buildTopology(a.def), { extraRoutes: { nodes: a.extra } });
      assertMatchesBrute(before, after);
    }),
    { numRuns: 400 },
  );
});
