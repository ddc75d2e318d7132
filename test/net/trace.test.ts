import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Addr, NetError, Prefix } from '../../src/net/ip.js';
import { type Datapath, buildDatapath } from '../../src/net/datapath.js';
import { lpmScan } from '../../src/net/lpm.js';
import { MODES, type Mode } from '../../src/net/model.js';
import { vethName } from '../../src/net/devices.js';
import type { PodFacts } from '../../src/net/routes.js';
import { localMatch, podLocalTable, podRoutes } from '../../src/net/tables.js';
import { type Path, tracePath } from '../../src/net/trace.js';
import { type Stack, buildTopology, randomClusterArb, staticRoute, threeNodes } from './fixtures.js';

const kinds = (p: Path): string => p.hops.map((h) => h.kind).join(' ');
const where = (p: Path): string => p.hops.map((h) => `${h.kind}@${h.node ?? 'router'}`).join(' ');
const dpOf = (mode: Mode, stack: Stack = 'ipv4', flat = false) => buildDatapath(buildTopology(threeNodes(mode, stack, flat)));

/** SPEC §1: pod-to-pod packets are never rewritten, on any hop. */
function assertUnchanged(p: Path): void {
  const first = p.hops[0]!;
  for (const h of p.hops) assert.deepEqual([h.packet.src, h.packet.dst], [first.packet.src, first.packet.dst], `hop ${h.index}`);
  assert.equal(p.natFree, true);
  p.hops.forEach((h, i) => assert.equal(h.index, i));
}

test('SPEC seed example: host-gw pods on two nodes go pod-eth, veth, bridge, physical, physical, bridge, veth, pod-eth', () => {
  const dp = buildDatapath(buildTopology({
    mode: 'host-gw',
    nodes: [
      { name: 'A', addrs: ['192.168.0.11'], blocks: ['10.1.1.0/24'] },
      { name: 'B', addrs: ['192.168.0.12'], blocks: ['10.1.2.0/24'] },
    ],
    pods: [{ name: 'a', ns: 'shop', node: 'A' }, { name: 'b', ns: 'shop', node: 'B' }, { name: 'c', ns: 'shop', node: 'A' }],
  }));
  const p = tracePath(dp, 'shop/a', 'shop/b');
  assert.equal(p.disposition, 'DELIVERED');
  assert.equal(kinds(p), 'pod-eth veth bridge physical physical bridge veth pod-eth');
  assert.equal(where(p), 'pod-eth@A veth@A bridge@A physical@A physical@B bridge@B veth@B pod-eth@B');
  assertUnchanged(p);
  assert.equal(p.sameNode, false);
  assert.equal(p.encapsulation, null);
  assert.equal(p.mtu, 1500);
  assert.deepEqual(p.from, { kind: 'pod', ref: 'shop/a', node: 'A', ip: '10.1.1.2' });
  assert.deepEqual(p.to, { kind: 'pod', ref: 'shop/b', node: 'B', ip: '10.1.2.2' });
  const h = p.hops;
  assert.deepEqual(h[0], {
    index: 0, node: 'A', netns: 'pod:shop/a', dev: 'eth0', kind: 'pod-eth', action: 'send',
    route: 'default via 10.1.1.1 dev eth0', packet: { src: '10.1.1.2', dst: '10.1.2.2', ttl: 64 },
  });
  assert.equal(h[1]!.dev, vethName('shop', 'a'));
  assert.equal(h[2]!.route, '10.1.2.0/24 via 192.168.0.12 dev eth0', 'A routes at its bridge');
  assert.equal(h[4]!.route, '10.1.2.0/24 dev cni0 proto kernel scope link src 10.1.2.1', 'B routes at its NIC');
  assert.deepEqual(h.map((x) => x.packet.ttl), [64, 64, 64, 63, 63, 62, 62, 62]);
  assert.equal(h[6]!.dev, vethName('shop', 'b'));
  assert.equal(h[7]!.action, 'deliver');

  const same = tracePath(dp, 'shop/a', 'shop/c');
  assert.equal(same.disposition, 'DELIVERED');
  assert.equal(kinds(same), 'pod-eth veth bridge veth pod-eth', 'same-node pods meet in the bridge');
  assert.equal(same.hops[2]!.route, undefined, 'no routing lookup at the bridge: L2');
  assert.equal(same.sameNode, true);
  assertUnchanged(same);
});

const across: Record<Mode, { sameSubnet: string; otherSubnet: string; disposition: string; encap: string | null; mtu: number }> = {
  'host-gw': {
    sameSubnet: 'pod-eth veth bridge physical physical bridge veth pod-eth',
    otherSubnet: 'pod-eth veth bridge physical router',
    disposition: 'NO_ROUTE', encap: null, mtu: 1500,
  },
  vxlan: {
    sameSubnet: 'pod-eth veth bridge vxlan physical physical vxlan bridge veth pod-eth',
    otherSubnet: 'pod-eth veth bridge vxlan physical router physical vxlan bridge veth pod-eth',
    disposition: 'DELIVERED', encap: 'vxlan', mtu: 1450,
  },
  ipip: {
    sameSubnet: 'pod-eth veth bridge ipip physical physical ipip bridge veth pod-eth',
    otherSubnet: 'pod-eth veth bridge ipip physical router physical ipip bridge veth pod-eth',
    disposition: 'DELIVERED', encap: 'ipip', mtu: 1480,
  },
  'cross-subnet': {
    sameSubnet: 'pod-eth veth bridge physical physical bridge veth pod-eth',
    otherSubnet: 'pod-eth veth bridge vxlan physical router physical vxlan bridge veth pod-eth',
    disposition: 'DELIVERED', encap: 'vxlan', mtu: 1450,
  },
  bgp: {
    sameSubnet: 'pod-eth veth bridge physical physical bridge veth pod-eth',
    otherSubnet: 'pod-eth veth bridge physical router physical bridge veth pod-eth',
    disposition: 'DELIVERED', encap: null, mtu: 1500,
  },
};

for (const mode of MODES) {
  for (const stack of ['ipv4', 'ipv6', 'dual'] as Stack[]) {
    test(`${mode} ${stack}: path shapes on one node, across nodes, across subnets`, () => {
      const dp = dpOf(mode, stack);
      const same = tracePath(dp, 'x', 'y');
      assert.equal(same.disposition, 'DELIVERED');
      assert.equal(kinds(same), 'pod-eth veth bridge veth pod-eth');
      assertUnchanged(same);

      const near = tracePath(dp, 'x', 'default/z');
      assert.equal(near.disposition, 'DELIVERED');
      assert.equal(kinds(near), across[mode].sameSubnet);
      assert.equal(near.hops.at(-1)!.node, 'b');
      assertUnchanged(near);

      const far = tracePath(dp, 'default/x', 'w');
      assert.equal(far.disposition, across[mode].disposition);
      assert.equal(kinds(far), across[mode].otherSubnet);
      assertUnchanged(far);
      if (mode !== 'host-gw') {
        assert.equal(far.encapsulation, across[mode].encap);
        // Over IPv6 the outer header is 40 bytes, not 20: VXLAN (flannel-v6.1) costs 70, IPIP (ip6tnl0) 40.
        const v6 = stack === 'ipv6';
        const want = mode === 'ipip' ? (v6 ? 1460 : 1480) : mode === 'vxlan' || mode === 'cross-subnet' ? (v6 ? 1430 : 1450) : across[mode].mtu;
        assert.equal(far.mtu, want);
      } else {
        const router = far.hops.at(-1)!;
        const uplink = stack === 'ipv6' ? 'default dev uplink metric 1024 pref medium' : 'default dev uplink scope link';
        assert.deepEqual([router.node, router.netns, router.action, router.route], [null, null, 'drop', uplink]);
      }
      // The family follows the primary pod CIDR for names.
      const v6 = stack === 'ipv6';
      assert.equal(near.from.ip, v6 ? 'fd00:10:1:1::2' : '10.1.1.2');
    });
  }
}

test('dual-stack: an IPv6 literal destination picks the IPv6 path and tunnel', () => {
  const dp = dpOf('vxlan', 'dual');
  const p = tracePath(dp, 'x', 'fd00:10:1:3::2');
  assert.equal(p.disposition, 'DELIVERED');
  assert.deepEqual(p.to, { kind: 'pod', ref: 'default/w', node: 'c', ip: 'fd00:10:1:3::2' });
  assert.equal(p.from.ip, 'fd00:10:1:1::2');
  const encap = p.hops.find((h) => h.action === 'encapsulate')!;
  assert.equal(encap.dev, 'flannel-v6.1');
  assert.deepEqual(encap.outer, { src: 'fd00:ff::11', dst: 'fd00:ff:0:1::13', protocol: 'udp', port: 8472, vni: 1 });
});

test('vxlan: outer header on the encapsulated hops only, routed by the underlay', () => {
  const p = tracePath(dpOf('vxlan'), 'x', 'w');
  const outer = { src: '192.168.0.11', dst: '192.168.1.13', protocol: 'udp', port: 8472, vni: 1 };
  assert.deepEqual(p.hops.map((h) => (h.outer ? `${h.kind}:${h.action}` : '-')), [
    '-', '-', '-', 'vxlan:encapsulate', 'physical:send', 'router:route', 'physical:receive', 'vxlan:decapsulate', '-', '-', '-',
  ]);
  for (const h of p.hops) if (h.outer) assert.deepEqual(h.outer, outer);
  assert.equal(p.hops[2]!.route, '10.1.3.0/24 via 10.1.3.0 dev flannel.1 onlink', 'A routes at its bridge into the tunnel');
  assert.equal(p.hops[3]!.route, undefined);
  assert.equal(p.hops[4]!.route, 'default via 192.168.0.1 dev eth0', 'the outer packet follows A\'s default route');
  assert.equal(p.hops[5]!.route, '192.168.1.0/24 dev rack2 proto kernel scope link src 192.168.1.1');
  assert.equal(p.hops[7]!.route, '10.1.3.0/24 dev cni0 proto kernel scope link src 10.1.3.1');
  assert.deepEqual(p.hops.map((h) => h.packet.ttl), [64, 64, 64, 63, 63, 63, 63, 63, 62, 62, 62], 'the router decrements only the outer TTL');
});

test('ipip: outer header A → B, IP protocol 4', () => {
  const p = tracePath(dpOf('ipip'), 'x', 'z');
  const encap = p.hops.find((h) => h.action === 'encapsulate')!;
  assert.deepEqual([encap.kind, encap.dev], ['ipip', 'tunl0']);
  assert.deepEqual(encap.outer, { src: '192.168.0.11', dst: '192.168.0.12', protocol: 'ipip' });
  assert.equal(p.mtu, 1480);
});

test('bgp across subnets: the router forwards by its route to the block, via the node', () => {
  const p = tracePath(dpOf('bgp'), 'x', 'w');
  assert.equal(p.disposition, 'DELIVERED');
  const r = p.hops.find((h) => h.kind === 'router')!;
  assert.deepEqual([r.dev, r.action, r.route], ['rack1', 'route', '10.1.3.0/24 via 192.168.1.13 dev rack2']);
});

test('EXITS_NETWORK: a pod reaching an outside address through the router', () => {
  const p = tracePath(dpOf('cross-subnet'), 'x', '8.8.8.8');
  assert.equal(p.disposition, 'EXITS_NETWORK');
  assert.deepEqual(p.to, { kind: 'external', ip: '8.8.8.8' });
  assert.equal(kinds(p), 'pod-eth veth bridge physical router');
  assert.equal(p.hops.at(-1)!.action, 'exit');
});

test('NO_ROUTE at the router for a pod-range address no node holds; NO_ROUTE at the node without subnets', () => {
  const p = tracePath(dpOf('bgp'), 'x', '10.1.200.7');
  assert.equal(p.disposition, 'NO_ROUTE');
  assert.equal(p.hops.at(-1)!.kind, 'router');
  const flat = tracePath(dpOf('host-gw', 'ipv4', true), 'x', '8.8.8.8');
  assert.equal(flat.disposition, 'NO_ROUTE');
  assert.equal(where(flat), 'pod-eth@a veth@a bridge@a', 'node a has no default route');
  assert.equal(flat.hops.at(-1)!.action, 'drop');
});

test('NEIGHBOR_UNREACHABLE: an unallocated IP inside a node\'s block', () => {
  const remote = tracePath(dpOf('host-gw'), 'x', '10.1.2.77');
  assert.equal(remote.disposition, 'NEIGHBOR_UNREACHABLE');
  assert.equal(where(remote), 'pod-eth@a veth@a bridge@a physical@a physical@b bridge@b');
  assert.equal(remote.hops.at(-1)!.action, 'drop');
  const local = tracePath(dpOf('host-gw'), 'x', '10.1.1.77');
  assert.equal(local.disposition, 'NEIGHBOR_UNREACHABLE');
  assert.equal(kinds(local), 'pod-eth', 'ARP from the pod gets no answer');
});

test('NULL_ROUTED and LOOP with hand-made routes', () => {
  const topo = buildTopology(threeNodes('host-gw'));
  const dst = Prefix.parse('10.9.0.0/16');
  const hole = buildDatapath(topo, { extraRoutes: { nodes: { a: [staticRoute(dst, null, null, 'blackhole')] } } });
  const p = tracePath(hole, 'x', '10.9.0.1');
  assert.equal(p.disposition, 'NULL_ROUTED');
  assert.equal(p.hops.at(-1)!.route, 'blackhole 10.9.0.0/16 proto static');

  const loop = buildDatapath(topo, {
    extraRoutes: { nodes: { a: [staticRoute(dst, Addr.parse('192.168.0.12'), 'eth0')], b: [staticRoute(dst, Addr.parse('192.168.0.11'), 'eth0')] } },
  });
  const l = tracePath(loop, 'x', '10.9.0.1');
  assert.equal(l.disposition, 'LOOP');
  assert.equal(l.hops.at(-1)!.packet.ttl, 1);
  assert.ok(l.hops.length > 64);

  const routerHole = buildDatapath(topo, { extraRoutes: { router: [staticRoute(Prefix.parse('10.1.3.0/24'), null, null, 'blackhole')] } });
  assert.equal(tracePath(routerHole, 'x', 'w').disposition, 'NULL_ROUTED');
});

test('node and IP endpoints: node:NAME, node addresses, gateways, the router', () => {
  const dp = dpOf('host-gw');
  const toNode = tracePath(dp, 'x', 'node:b');
  assert.equal(toNode.disposition, 'DELIVERED');
  assert.deepEqual(toNode.to, { kind: 'node', name: 'b', ip: '192.168.0.12' });
  assert.equal(where(toNode), 'pod-eth@a veth@a bridge@a physical@a physical@b');

  const fromNode = tracePath(dp, 'node:a', 'z');
  assert.equal(kinds(fromNode), 'physical physical bridge veth pod-eth');
  assert.equal(fromNode.hops[0]!.action, 'send');
  assert.equal(fromNode.hops[0]!.route, '10.1.2.0/24 via 192.168.0.12 dev eth0');

  const toGateway = tracePath(dp, 'node:a', '10.1.2.1');
  assert.deepEqual(toGateway.to, { kind: 'node', name: 'b', ip: '10.1.2.1' });
  assert.equal(where(toGateway), 'physical@a physical@b bridge@b');
  assert.equal(toGateway.hops.at(-1)!.action, 'deliver');

  const ownPod = tracePath(dp, 'node:a', 'x');
  assert.equal(kinds(ownPod), 'bridge veth pod-eth');
  assert.equal(ownPod.sameNode, true);

  const byIp = tracePath(dp, '10.1.1.2', '10.1.2.2');
  assert.deepEqual(byIp.from, { kind: 'pod', ref: 'default/x', node: 'a', ip: '10.1.1.2' });
  assert.equal(byIp.disposition, 'DELIVERED');

  const router = tracePath(dp, 'x', '192.168.0.1');
  assert.equal(router.disposition, 'DELIVERED');
  assert.deepEqual(router.to, { kind: 'router', subnet: 'rack1', ip: '192.168.0.1' });

  const self = tracePath(dp, 'x', 'x');
  assert.equal(kinds(self), 'pod-eth');
  assert.equal(self.disposition, 'DELIVERED');
});

test('an outside source enters through the router uplink', () => {
  const dp = dpOf('bgp');
  const p = tracePath(dp, '203.0.113.5', 'w');
  assert.deepEqual(p.from, { kind: 'external', ip: '203.0.113.5' });
  assert.equal(p.disposition, 'DELIVERED');
  assert.equal(kinds(p), 'router physical bridge veth pod-eth');
  assert.equal(p.hops[0]!.dev, 'uplink');
});

test('endpoint errors: INVALID_ENDPOINT for bad syntax, ENDPOINT_NOT_FOUND for unknown names', () => {
  const def = threeNodes('host-gw');
  def.pods!.push({ name: 'x', ns: 'other', node: 'b' });
  const dp = buildDatapath(buildTopology(def));
  const code = (from: string, to: string): string => {
    try {
      tracePath(dp, from, to);
      return 'ok';
    } catch (e) {
      assert.ok(e instanceof NetError);
      assert.ok(e.message.includes(JSON.stringify(e.input)), `message quotes the input: ${e.message}`);
      return e.code;
    }
  };
  assert.equal(code('default/nope', 'z'), 'ENDPOINT_NOT_FOUND');
  assert.equal(code('z', 'node:nope'), 'ENDPOINT_NOT_FOUND');
  assert.equal(code('z', 'nope'), 'ENDPOINT_NOT_FOUND');
  assert.equal(code('x', 'z'), 'ENDPOINT_NOT_FOUND', 'x is ambiguous: default/x and other/x');
  assert.equal(code('other/x', 'z'), 'ok');
  assert.equal(code('Bad Name!', 'z'), 'INVALID_ENDPOINT');
  assert.equal(code('z', '10.1.0.0/16'), 'INVALID_ENDPOINT');
  assert.equal(code('z', ''), 'INVALID_ENDPOINT');
  assert.equal(code('z', 'node:'), 'INVALID_ENDPOINT');
  assert.equal(code('z', 'fd00::1'), 'FAMILY_MISMATCH', 'an IPv4-only pod has no IPv6 source');
  // Addresses no packet is routed to or from: loopback, unspecified, limited broadcast, multicast (a pod's lo
  // delivers 127.0.0.1 in Linux; the tracer sent it out through the router as EXITS_NETWORK).
  for (const special of ['127.0.0.1', '127.8.9.10', '0.0.0.0', '255.255.255.255', '224.0.0.251', '::1', '::', 'ff02::1']) {
    assert.equal(code('z', special), 'INVALID_ENDPOINT', special);
    assert.equal(code(special, 'z'), 'INVALID_ENDPOINT', special);
  }
  assert.equal(code('z', '8.8.8.8'), 'ok', 'an address outside the cluster still exits it');
  // A huge endpoint is quoted clipped.
  try { tracePath(dp, 'z', 'x'.repeat(100_000)); } catch (e) { assert.ok((e as Error).message.length < 300); }
  assert.match((() => { try { tracePath(dp, 'z', 'a'); } catch (e) { return (e as Error).message; } return ''; })(), /node:a/);
});

/**
 * The datapath with its tracer lookups done the slow, obvious way: a scan of
 * every pod for a name, each pod's local table and route table made whole,
 * longest-prefix match over a node's materialised table. No shared route
 * objects, no memo, no hash index.
 */
function referenceDatapath(dp: Datapath): Datapath {
  const ref = Object.create(dp) as Datapath;
  const refOf = (p: PodFacts) => `${p.spec.namespace}/${p.spec.name}`;
  return Object.assign(ref, {
    pod: (r: string): PodFacts | null => {
      const hits = dp.pods.filter((p) => (r.includes('/') ? refOf(p) === r : p.spec.name === r));
      return r.includes('/') ? (hits[0] ?? null) : hits.length === 1 ? hits[0]! : null;
    },
    podLocalMatch: (p: PodFacts, dst: Addr) => localMatch(podLocalTable(p), dst),
    lookupPodRoute: (p: PodFacts, dst: Addr) => lpmScan(podRoutes(dp.cluster, p), (r) => r.dst, dst),
    lookupNodeRoute: (n: Datapath['nodes'][number], dst: Addr) => lpmScan(dp.nodeRoutes(n.name)!.routes, (r) => r.dst, dst),
  });
}

/** Every endpoint form of a small cluster: pods by ref and bare name, nodes, every address the cluster holds, and outside ones. */
function everyEndpoint(dp: Datapath): string[] {
  const out = new Set<string>(['8.8.8.8', 'fd00:ff::1', '10.1.200.7', 'nobody', 'default/nobody']);
  for (const p of dp.pods) {
    out.add(`${p.spec.namespace}/${p.spec.name}`).add(p.spec.name);
    for (const ip of p.spec.ips) out.add(ip.toString());
  }
  for (const n of dp.nodes) {
    out.add(`node:${n.name}`);
    for (const f of [4, 6] as const) {
      const x = n.fam[f];
      if (x.addr) out.add(x.addr.toString());
      if (x.gateway) out.add(x.gateway.toString());
      if (x.block) out.add(x.block.last.toString()).add(x.block.addr.toString());
    }
  }
  for (const s of dp.subnets) if (s.gateway) out.add(s.gateway.toString());
  return [...out];
}

const traced = (dp: Datapath, from: string, to: string): string => {
  try {
    return JSON.stringify(tracePath(dp, from, to));
  } catch (e) {
    return e instanceof NetError ? `${e.code}: ${e.message}` : String(e);
  }
};

test('property: every path equals the path over reference lookups (pods scanned, tables made whole, nothing shared), every mode, mixed interfaces', () => {
  fc.assert(
    fc.property(randomClusterArb, fc.array(fc.constantFrom('eth0', 'ens5'), { minLength: 6, maxLength: 6 }), ({ def, extra }, ifaces) => {
      const topo = buildTopology({ ...def, nodes: def.nodes.map((n, i) => ({ ...n, iface: ifaces[i] })) });
      const dp = buildDatapath(topo, { extraRoutes: { nodes: extra } });
      const ref = referenceDatapath(buildDatapath(topo, { extraRoutes: { nodes: extra } }));
      const eps = everyEndpoint(dp);
      // Twice over the same datapath: the second pass meets every shared route and memoised text again.
      for (let pass = 0; pass < 2; pass++) {
        for (const from of eps) for (const to of eps) assert.equal(traced(dp, from, to), traced(ref, from, to), `${from} -> ${to}`);
      }
    }),
    { numRuns: 40 },
  );
});
