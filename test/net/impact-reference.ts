// Slow, obvious references for the impact tests: every node's two whole
// tables diffed by destination, and every ordered node pair traced on both
// sides.
import fc from 'fast-check';
import type { Datapath } from '../../src/net/datapath.js';
import { MODES } from '../../src/net/model.js';
import { type Route, routeText } from '../../src/net/routes.js';
import { reachabilityByPair } from '../../src/net/reachability.js';
import { type RandomCluster, type TopoDef, randomClusterArb } from './fixtures.js';

export interface BruteNodeDiff { added: string[]; removed: string[]; changed: { before: string; after: string }[] }

/** Per node name (nodes of either side), the destinations whose route appears, goes or changes text. */
export function bruteRouteDiff(before: Datapath, after: Datapath): Map<string, BruteNodeDiff> {
  const names = [...new Set([...after.nodes.map((n) => n.name), ...before.nodes.map((n) => n.name)])];
  const table = (dp: Datapath, name: string): Map<string, Route> => {
    const m = new Map<string, Route>();
    for (const r of dp.node(name) ? dp.nodeRoutes(name)!.routes : []) m.set(`${r.dst.family}|${r.dst.addr.value}/${r.dst.bits}`, r);
    return m;
  };
  const out = new Map<string, BruteNodeDiff>();
  for (const name of names) {
    const b = table(before, name);
    const a = table(after, name);
    const d: BruteNodeDiff = { added: [], removed: [], changed: [] };
    for (const [k, r] of b) {
      const x = a.get(k);
      if (!x) d.removed.push(routeText(r));
      else if (routeText(x) !== routeText(r)) d.changed.push({ before: routeText(r), after: routeText(x) });
    }
    for (const [k, r] of a) if (!b.has(k)) d.added.push(routeText(r));
    if (d.added.length + d.removed.length + d.changed.length > 0) out.set(name, d);
  }
  return out;
}

export interface BrutePairs {
  pairsBefore: number;
  pairsAfter: number;
  broken: string[];
  fixed: string[];
}

/** Every ordered pair traced on both sides; broken and fixed among the pairs judged on both. */
export function brutePairs(before: Datapath, after: Datapath): BrutePairs {
  const b = reachabilityByPair(before, 'brute');
  const a = reachabilityByPair(after, 'brute');
  const broken: string[] = [];
  const fixed: string[] = [];
  for (const [k, rb] of b) {
    if (!a.has(k)) continue;
    const ra = a.get(k)!;
    if (rb === null && ra !== null) broken.push(k);
    if (rb !== null && ra === null) fixed.push(k);
  }
  return { pairsBefore: b.size, pairsAfter: a.size, broken: broken.sort(), fixed: fixed.sort() };
}

/**
 * A random cluster and a changed version of it: either a second random
 * cluster (node names n0… overlap), or small edits of the first — a node
 * moved to another subnet, the mode or MTU changed, a node dropped or added,
 * an interface renamed — so that most of the cluster stays as it was.
 */
export const clusterChangeArb: fc.Arbitrary<[RandomCluster, RandomCluster]> = fc.oneof(
  fc.tuple(randomClusterArb, randomClusterArb),
  fc
    .tuple(
      randomClusterArb,
      fc.record({
        move: fc.array(fc.nat(), { maxLength: 3 }),
        mode: fc.option(fc.constantFrom(...MODES)),
        mtu: fc.boolean(),
        drop: fc.option(fc.nat()),
        add: fc.boolean(),
        iface: fc.option(fc.nat()),
        keepExtras: fc.boolean(),
      }),
    )
    .map(([c, e]): [RandomCluster, RandomCluster] => {
      const def: TopoDef = structuredClone(c.def);
      const subnets4 = (def.subnets ?? []).filter((s) => !s.cidr.includes(':'));
      for (const m of e.move) {
        const n = def.nodes[m % def.nodes.length]!;
        const to = subnets4.length ? subnets4[(m >> 3) % subnets4.length]!.cidr.split('.').slice(0, 3).join('.') : '192.168.7';
        n.addrs = (n.addrs ?? []).map((a) => (a.includes(':') ? a : `${to}.${a.split('.')[3]}`));
      }
      if (e.mode !== null) def.mode = e.mode;
      if (e.mtu) def.mtu = 9000;
      if (e.iface !== null) def.nodes[e.iface % def.nodes.length]!.iface = 'ens5';
      if (e.add) def.nodes.push({ name: 'n-new', addrs: ['192.168.0.77'], blocks: ['10.1.99.0/24'] });
      if (e.drop !== null && def.nodes.length > 2) {
        const [gone] = def.nodes.splice(e.drop % def.nodes.length, 1);
        def.pods = (def.pods ?? []).filter((p) => p.node !== gone!.name);
      }
      return [c, { def, extra: e.keepExtras ? c.extra : {} }];
    }),
);
