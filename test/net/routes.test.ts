import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Addr, type Family, Prefix } from '../../src/net/ip.js';
import { buildDatapath } from '../../src/net/datapath.js';
import { lpmScan } from '../../src/net/lpm.js';
import { MODES, type Mode } from '../../src/net/model.js';
import { vtepMac } from '../../src/net/devices.js';
import {
  type NodeFacts, type Route, type RouteTable, compareDestinations, compareRoutes, formatFdbScript, formatRoutesJson, formatRoutesScript, formatRoutesText,
  routeJson, routeTableJson, routeText,
} from '../../src/net/routes.js';
import { localRoutes, peerRoute, peerVxlanEntries } from '../../src/net/tables.js';
import { buildTopology, randomClusterArb, staticRoute, threeNodes } from './fixtures.js';

const lines = (s: string): string[] => s.trimEnd().split('\n');
const dpOf = (mode: Mode, stack: Parameters<typeof threeNodes>[1] = 'ipv4', flat = false) => buildDatapath(buildTopology(threeNodes(mode, stack, flat)));
const nodeText = (mode: Mode, node: string, stack: Parameters<typeof threeNodes>[1] = 'ipv4', flat = false): string[] =>
  lines(formatRoutesText(dpOf(mode, stack, flat).nodeRoutes(node)!));

test('SPEC seed example (host-gw): each node routes the other block via the other node', () => {
  const dp = buildDatapath(buildTopology({
    mode: 'host-gw',
    nodes: [
      { name: 'A', addrs: ['192.168.0.11'], blocks: ['10.1.1.0/24'] },
      { name: 'B', addrs: ['192.168.0.12'], blocks: ['10.1.2.0/24'] },
    ],
  }));
  assert.deepEqual(lines(formatRoutesText(dp.nodeRoutes('A')!)), [
    '10.1.1.0/24 dev cni0 proto kernel scope link src 10.1.1.1',
    '10.1.2.0/24 via 192.168.0.12 dev eth0',
  ]);
  assert.deepEqual(lines(formatRoutesText(dp.nodeRoutes('B')!)), [
    '10.1.1.0/24 via 192.168.0.11 dev eth0',
    '10.1.2.0/24 dev cni0 proto kernel scope link src 10.1.2.1',
  ]);
  assert.equal(dp.nodeRoutes('nope'), null);
});

// Node a (rack1 with b) and node c (rack2) of the three-node cluster, per mode.
const ipv4Tables: Record<Mode, { a: string[]; c: string[] }> = {
  'host-gw': {
    a: [
      'default via 192.168.0.1 dev eth0',
      '10.1.1.0/24 dev cni0 proto kernel scope link src 10.1.1.1',
      '10.1.2.0/24 via 192.168.0.12 dev eth0',
      '192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.11',
    ],
    c: [
      'default via 192.168.1.1 dev eth0',
      '10.1.3.0/24 dev cni0 proto kernel scope link src 10.1.3.1',
      '192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.13',
    ],
  },
  vxlan: {
    a: [
      'default via 192.168.0.1 dev eth0',
      '10.1.1.0/24 dev cni0 proto kernel scope link src 10.1.1.1',
      '10.1.2.0/24 via 10.1.2.0 dev flannel.1 onlink',
      '10.1.3.0/24 via 10.1.3.0 dev flannel.1 onlink',
      '192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.11',
    ],
    c: [
      'default via 192.168.1.1 dev eth0',
      '10.1.1.0/24 via 10.1.1.0 dev flannel.1 onlink',
      '10.1.2.0/24 via 10.1.2.0 dev flannel.1 onlink',
      '10.1.3.0/24 dev cni0 proto kernel scope link src 10.1.3.1',
      '192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.13',
    ],
  },
  ipip: {
    a: [
      'default via 192.168.0.1 dev eth0',
      '10.1.1.0/24 dev cni0 proto kernel scope link src 10.1.1.1',
      '10.1.2.0/24 via 192.168.0.12 dev tunl0 onlink',
      '10.1.3.0/24 via 192.168.1.13 dev tunl0 onlink',
      '192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.11',
    ],
    c: [
      'default via 192.168.1.1 dev eth0',
      '10.1.1.0/24 via 192.168.0.11 dev tunl0 onlink',
      '10.1.2.0/24 via 192.168.0.12 dev tunl0 onlink',
      '10.1.3.0/24 dev cni0 proto kernel scope link src 10.1.3.1',
      '192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.13',
    ],
  },
  'cross-subnet': {
    a: [
      'default via 192.168.0.1 dev eth0',
      '10.1.1.0/24 dev cni0 proto kernel scope link src 10.1.1.1',
      '10.1.2.0/24 via 192.168.0.12 dev eth0',
      '10.1.3.0/24 via 10.1.3.0 dev flannel.1 onlink',
      '192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.11',
    ],
    c: [
      'default via 192.168.1.1 dev eth0',
      '10.1.1.0/24 via 10.1.1.0 dev flannel.1 onlink',
      '10.1.2.0/24 via 10.1.2.0 dev flannel.1 onlink',
      '10.1.3.0/24 dev cni0 proto kernel scope link src 10.1.3.1',
      '192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.13',
    ],
  },
  bgp: {
    a: [
      'default via 192.168.0.1 dev eth0',
      '10.1.1.0/24 dev cni0 proto kernel scope link src 10.1.1.1',
      '10.1.2.0/24 via 192.168.0.12 dev eth0',
      '10.1.3.0/24 via 192.168.0.1 dev eth0',
      '192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.11',
    ],
    c: [
      'default via 192.168.1.1 dev eth0',
      '10.1.1.0/24 via 192.168.1.1 dev eth0',
      '10.1.2.0/24 via 192.168.1.1 dev eth0',
      '10.1.3.0/24 dev cni0 proto kernel scope link src 10.1.3.1',
      '192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.13',
    ],
  },
};

for (const mode of MODES) {
  test(`IPv4 ${mode}: node tables over two subnets`, () => {
    assert.deepEqual(nodeText(mode, 'a'), ipv4Tables[mode].a);
    assert.deepEqual(nodeText(mode, 'c'), ipv4Tables[mode].c);
  });

  test(`IPv4 ${mode}: flat underlay, no subnets: no default route, every peer reachable`, () => {
    const want: Record<Mode, string> = {
      'host-gw': '10.1.3.0/24 via 192.168.0.13 dev eth0',
      bgp: '10.1.3.0/24 via 192.168.0.13 dev eth0',
      'cross-subnet': '10.1.3.0/24 via 192.168.0.13 dev eth0',
      vxlan: '10.1.3.0/24 via 10.1.3.0 dev flannel.1 onlink',
      ipip: '10.1.3.0/24 via 192.168.0.13 dev tunl0 onlink',
    };
    const t = nodeText(mode, 'a', 'ipv4', true);
    assert.equal(t.length, 3);
    assert.equal(t[0], '10.1.1.0/24 dev cni0 proto kernel scope link src 10.1.1.1');
    assert.equal(t[2], want[mode]);
  });
}

test('IPv6 bgp: blocks route via the nodes\' IPv6 addresses, other subnets via the IPv6 gateway, as ip -6 route prints', () => {
  // IPv6 lines as the kernel prints them: metric and pref, no scope, the default route last.
  assert.deepEqual(nodeText('bgp', 'a', 'ipv6'), [
    'fd00:10:1:1::/64 dev cni0 proto kernel src fd00:10:1:1::1 metric 256 pref medium',
    'fd00:10:1:2::/64 via fd00:ff::12 dev eth0 metric 1024 pref medium',
    'fd00:10:1:3::/64 via fd00:ff::1 dev eth0 metric 1024 pref medium',
    'fd00:ff::/64 dev eth0 proto kernel src fd00:ff::11 metric 256 pref medium',
    'default via fd00:ff::1 dev eth0 metric 1024 pref medium',
  ]);
});

test('IPv6 vxlan uses flannel-v6.1 and IPv6 VTEPs; ipip uses ip6tnl0', () => {
  assert.deepEqual(nodeText('vxlan', 'c', 'ipv6').slice(0, 2), [
    'fd00:10:1:1::/64 via fd00:10:1:1:: dev flannel-v6.1 metric 1024 onlink pref medium',
    'fd00:10:1:2::/64 via fd00:10:1:2:: dev flannel-v6.1 metric 1024 onlink pref medium',
  ]);
  const t = dpOf('vxlan', 'ipv6').nodeRoutes('c')!;
  assert.deepEqual(t.fdb.map((f) => `${f.mac} ${f.dev} ${f.dst.toString()}`), [
    `${vtepMac('a')} flannel-v6.1 fd00:ff::11`,
    `${vtepMac('b')} flannel-v6.1 fd00:ff::12`,
  ]);
  assert.equal(nodeText('ipip', 'c', 'ipv6')[0], 'fd00:10:1:1::/64 via fd00:ff::11 dev ip6tnl0 metric 1024 onlink pref medium');
});

test('dual-stack: IPv4 routes, then IPv6 routes, each family via its own addresses', () => {
  assert.deepEqual(nodeText('cross-subnet', 'a', 'dual'), [
    'default via 192.168.0.1 dev eth0',
    '10.1.1.0/24 dev cni0 proto kernel scope link src 10.1.1.1',
    '10.1.2.0/24 via 192.168.0.12 dev eth0',
    '10.1.3.0/24 via 10.1.3.0 dev flannel.1 onlink',
    '192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.11',
    'fd00:10:1:1::/64 dev cni0 proto kernel src fd00:10:1:1::1 metric 256 pref medium',
    'fd00:10:1:2::/64 via fd00:ff::12 dev eth0 metric 1024 pref medium',
    'fd00:10:1:3::/64 via fd00:10:1:3:: dev flannel-v6.1 metric 1024 onlink pref medium',
    'fd00:ff::/64 dev eth0 proto kernel src fd00:ff::11 metric 256 pref medium',
    'default via fd00:ff::1 dev eth0 metric 1024 pref medium',
  ]);
});

test('a node without an address of a family gets no route pointing at it', () => {
  const def = threeNodes('host-gw', 'dual', true);
  def.nodes[2]!.addrs = ['192.168.0.13']; // c: IPv4 only
  const dp = buildDatapath(buildTopology(def));
  const a = lines(formatRoutesText(dp.nodeRoutes('a')!));
  assert.ok(a.includes('10.1.3.0/24 via 192.168.0.13 dev eth0'));
  assert.ok(!a.some((l) => l.startsWith('fd00:10:1:3::/64')), 'no IPv6 route to c\'s block');
  // c itself still has its own IPv6 block on the bridge, but no IPv6 peers.
  const c = lines(formatRoutesText(dp.nodeRoutes('c')!));
  assert.ok(c.includes('fd00:10:1:3::/64 dev cni0 proto kernel src fd00:10:1:3::1 metric 256 pref medium'));
  assert.ok(!c.some((l) => l.startsWith('fd00:10:1:1::/64')));
});

test('vxlan neighbors and fdb entries: one per peer, pointing at its VTEP', () => {
  const t = dpOf('vxlan').nodeRoutes('a')!;
  assert.deepEqual(t.neighbors.map((n) => `${n.dst.toString()} ${n.lladdr} ${n.dev}`), [
    `10.1.2.0 ${vtepMac('b')} flannel.1`,
    `10.1.3.0 ${vtepMac('c')} flannel.1`,
  ]);
  assert.deepEqual(t.fdb.map((f) => `${f.mac} ${f.dev} ${f.dst.toString()}`), [
    `${vtepMac('b')} flannel.1 192.168.0.12`,
    `${vtepMac('c')} flannel.1 192.168.1.13`,
  ]);
  // cross-subnet: VXLAN entries only for the other subnet.
  assert.deepEqual(dpOf('cross-subnet').nodeRoutes('a')!.neighbors.map((n) => n.dst.toString()), ['10.1.3.0']);
  assert.deepEqual(dpOf('host-gw').nodeRoutes('a')!.fdb, []);
});

test('a pinned vtepMac is what every peer\'s neighbor and fdb entries carry, in both families; the others stay derived', () => {
  const topo = buildTopology(threeNodes('vxlan', 'dual'));
  topo.nodes[1] = { ...topo.nodes[1]!, vtepMac: '5e:1a:2b:3c:4d:02' };
  const dp = buildDatapath(topo);
  const t = dp.nodeRoutes('a')!;
  assert.deepEqual(t.neighbors.map((n) => `${n.dst.toString()} ${n.lladdr} ${n.dev}`), [
    '10.1.2.0 5e:1a:2b:3c:4d:02 flannel.1',
    `10.1.3.0 ${vtepMac('c')} flannel.1`,
    'fd00:10:1:2:: 5e:1a:2b:3c:4d:02 flannel-v6.1',
    `fd00:10:1:3:: ${vtepMac('c')} flannel-v6.1`,
  ]);
  assert.deepEqual(t.fdb.filter((f) => f.mac === '5e:1a:2b:3c:4d:02').map((f) => `${f.dev} ${f.dst.toString()}`), ['flannel.1 192.168.0.12', 'flannel-v6.1 fd00:ff::12']);
  assert.equal(dp.node('b')!.vtepMac, '5e:1a:2b:3c:4d:02', 'the node\'s own VXLAN devices');
  assert.ok(!t.fdb.some((f) => f.mac === vtepMac('b')), 'the derived MAC is gone');

  // Flannel's IPv6 device has a MAC of its own: pinned as vtepMac6, only the IPv6 entries carry it.
  topo.nodes[1] = { ...topo.nodes[1]!, vtepMac6: 'ae:3f:91:20:6b:02' };
  const both = buildDatapath(topo);
  assert.deepEqual(both.nodeRoutes('a')!.fdb.filter((f) => f.dst.toString().endsWith('12')).map((f) => `${f.mac} ${f.dev} ${f.dst.toString()}`), [
    '5e:1a:2b:3c:4d:02 flannel.1 192.168.0.12', 'ae:3f:91:20:6b:02 flannel-v6.1 fd00:ff::12',
  ]);
  assert.deepEqual(both.nodeRoutes('c')!.neighbors.filter((n) => n.dev === 'flannel-v6.1').map((n) => `${n.dst.toString()} ${n.lladdr}`), [
    `fd00:10:1:1:: ${vtepMac('a')}`, 'fd00:10:1:2:: ae:3f:91:20:6b:02',
  ]);
  assert.equal(both.node('b')!.vtepMac6, 'ae:3f:91:20:6b:02');
});

test('pod tables: default via the node gateway and the node block on-link, per family', () => {
  const dp = dpOf('host-gw', 'dual');
  assert.deepEqual(lines(formatRoutesText(dp.podRoutes('default', 'z')!)), [
    'default via 10.1.2.1 dev eth0',
    '10.1.2.0/24 dev eth0 proto kernel scope link src 10.1.2.2',
    'fd00:10:1:2::/64 dev eth0 proto kernel src fd00:10:1:2::2 metric 256 pref medium',
    'default via fd00:10:1:2::1 dev eth0 metric 1024 pref medium',
  ]);
  assert.equal(dp.podRoutes('default', 'nope'), null);
  assert.equal(dp.podRoutes('other', 'z'), null);
});

test('router table: connected subnets and a default route; bgp adds every block via its node', () => {
  assert.deepEqual(lines(formatRoutesText(dpOf('host-gw').routerRoutes())), [
    'default dev uplink scope link',
    '192.168.0.0/24 dev rack1 proto kernel scope link src 192.168.0.1',
    '192.168.1.0/24 dev rack2 proto kernel scope link src 192.168.1.1',
  ]);
  assert.deepEqual(lines(formatRoutesText(dpOf('bgp').routerRoutes())), [
    'default dev uplink scope link',
    '10.1.1.0/24 via 192.168.0.11 dev rack1',
    '10.1.2.0/24 via 192.168.0.12 dev rack1',
    '10.1.3.0/24 via 192.168.1.13 dev rack2',
    '192.168.0.0/24 dev rack1 proto kernel scope link src 192.168.0.1',
    '192.168.1.0/24 dev rack2 proto kernel scope link src 192.168.1.1',
  ]);
});

test('route JSON carries every field plus the ip route text; /0 is "default"', () => {
  const t = routeTableJson(dpOf('vxlan').nodeRoutes('a')!);
  assert.deepEqual(t.routes[0], {
    dst: 'default', via: '192.168.0.1', dev: 'eth0', src: null, proto: null, scope: null, onlink: false, type: 'unicast',
    text: 'default via 192.168.0.1 dev eth0',
  });
  assert.deepEqual(t.routes[1], {
    dst: '10.1.1.0/24', via: null, dev: 'cni0', src: '10.1.1.1', proto: 'kernel', scope: 'link', onlink: false, type: 'unicast',
    text: '10.1.1.0/24 dev cni0 proto kernel scope link src 10.1.1.1',
  });
  assert.deepEqual(t.routes[2], {
    dst: '10.1.2.0/24', via: '10.1.2.0', dev: 'flannel.1', src: null, proto: null, scope: null, onlink: true, type: 'unicast',
    text: '10.1.2.0/24 via 10.1.2.0 dev flannel.1 onlink',
  });
  assert.deepEqual(t.neighbors[0], { dst: '10.1.2.0', lladdr: vtepMac('b'), dev: 'flannel.1' });
  assert.deepEqual(t.fdb[0], { mac: vtepMac('b'), dev: 'flannel.1', dst: '192.168.0.12' });
  assert.doesNotThrow(() => JSON.stringify(t));
});

test('routeText: blackhole, local and proto static routes as ip route show prints them', () => {
  const P = Prefix.parse;
  assert.equal(routeText(staticRoute(P('10.9.0.0/16'), null, null, 'blackhole')), 'blackhole 10.9.0.0/16 proto static');
  assert.equal(routeText({ ...staticRoute(P('0.0.0.0/0'), null, null, 'blackhole'), proto: null }), 'blackhole default');
  const local: Route = { dst: P('10.1.1.1/32'), via: null, dev: 'cni0', src: Addr.parse('10.1.1.1'), proto: 'kernel', scope: 'host', onlink: false, type: 'local' };
  assert.equal(routeText(local), 'local 10.1.1.1 dev cni0 proto kernel scope host src 10.1.1.1');
  assert.equal(routeText({ ...staticRoute(P('10.9.0.0/16'), Addr.parse('192.168.0.12'), 'eth0'), proto: 'boot' }), '10.9.0.0/16 via 192.168.0.12 dev eth0');
  assert.equal(routeJson(staticRoute(P('10.9.0.0/16'), null, null, 'blackhole')).dev, null);
});

test('script: ip -batch route/neigh lines (gateway routes after the on-link ones), bridge -batch fdb lines', () => {
  const t = dpOf('vxlan', 'dual').nodeRoutes('a')!;
  assert.deepEqual(lines(formatRoutesScript(t)), [
    'route replace 10.1.1.0/24 dev cni0 proto kernel scope link src 10.1.1.1',
    'route replace 192.168.0.0/24 dev eth0 proto kernel scope link src 192.168.0.11',
    'route replace fd00:10:1:1::/64 dev cni0 proto kernel src fd00:10:1:1::1 metric 256 pref medium',
    'route replace fd00:ff::/64 dev eth0 proto kernel src fd00:ff::11 metric 256 pref medium',
    'route replace default via 192.168.0.1 dev eth0',
    'route replace 10.1.2.0/24 via 10.1.2.0 dev flannel.1 onlink',
    'route replace 10.1.3.0/24 via 10.1.3.0 dev flannel.1 onlink',
    'route replace fd00:10:1:2::/64 via fd00:10:1:2:: dev flannel-v6.1 metric 1024 onlink pref medium',
    'route replace fd00:10:1:3::/64 via fd00:10:1:3:: dev flannel-v6.1 metric 1024 onlink pref medium',
    'route replace ::/0 via fd00:ff::1 dev eth0 metric 1024 pref medium',
    `neigh replace 10.1.2.0 lladdr ${vtepMac('b')} dev flannel.1 nud permanent`,
    `neigh replace 10.1.3.0 lladdr ${vtepMac('c')} dev flannel.1 nud permanent`,
    `neigh replace fd00:10:1:2:: lladdr ${vtepMac('b')} dev flannel-v6.1 nud permanent`,
    `neigh replace fd00:10:1:3:: lladdr ${vtepMac('c')} dev flannel-v6.1 nud permanent`,
  ]);
  assert.deepEqual(lines(formatFdbScript(t)), [
    `fdb replace ${vtepMac('b')} dev flannel.1 dst 192.168.0.12 self permanent`,
    `fdb replace ${vtepMac('c')} dev flannel.1 dst 192.168.1.13 self permanent`,
    `fdb replace ${vtepMac('b')} dev flannel-v6.1 dst fd00:ff::12 self permanent`,
    `fdb replace ${vtepMac('c')} dev flannel-v6.1 dst fd00:ff:0:1::13 self permanent`,
  ]);
  assert.equal(formatFdbScript(dpOf('host-gw').nodeRoutes('a')!), '');
});

test('extra routes replace a generated route of the same destination', () => {
  const topo = buildTopology(threeNodes('host-gw'));
  const hole = staticRoute(Prefix.parse('10.1.2.0/24'), null, null, 'blackhole');
  const dp = buildDatapath(topo, { extraRoutes: { nodes: { a: [hole] } } });
  const t = lines(formatRoutesText(dp.nodeRoutes('a')!));
  assert.ok(t.includes('blackhole 10.1.2.0/24 proto static'));
  assert.ok(!t.includes('10.1.2.0/24 via 192.168.0.12 dev eth0'));
  assert.equal(routeText(dp.lookupNodeRoute(dp.node('a')!, Addr.parse('10.1.2.9'))!), 'blackhole 10.1.2.0/24 proto static');
});

// ---- the factored lookup against the materialised table ---------------------------

/** Destinations worth asking about: every address the topology mentions, its neighbours, and random ones. */
function destinations(dp: ReturnType<typeof buildDatapath>, rnd: bigint[]): Addr[] {
  const out: Addr[] = [];
  const near = (a: Addr): void => {
    out.push(a);
    if (a.value > 0n) out.push(a.add(-1n));
    out.push(a.add(1n));
  };
  for (const n of dp.nodes) {
    for (const f of [4, 6] as Family[]) {
      const x = n.fam[f];
      if (x.addr) near(x.addr);
      if (x.block) {
        near(x.block.addr);
        out.push(x.block.addr.add(x.block.size - 1n), x.block.addr.add(x.block.size / 2n));
      }
    }
  }
  for (const s of dp.subnets) near(s.cidr.addr);
  for (const v of rnd) out.push(Addr.from(4, v & 0xffffffffn), Addr.from(4, 0x0a010000n | (v & 0xffffn)), Addr.from(6, (0xfd00001000010000n << 64n) | (v & 0xffffffffn)));
  return out;
}

test('property: LPM over the factored table equals brute-force LPM over nodeRoutes(A), every mode', () => {
  fc.assert(
    fc.property(randomClusterArb, fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { maxLength: 10 }), ({ def, extra }, rnd) => {
      const dp = buildDatapath(buildTopology(def), { extraRoutes: { nodes: extra } });
      const dsts = destinations(dp, rnd);
      for (const n of dp.nodes) {
        const table = dp.nodeRoutes(n.name)!.routes;
        const keys = table.map((r) => `${r.dst.family}:${r.dst.toString()}`);
        assert.equal(new Set(keys).size, keys.length, 'one route per destination');
        for (const d of dsts) {
          const want = lpmScan(table, (r) => r.dst, d);
          const got = dp.lookupNodeRoute(n, d);
          assert.equal(got ? routeText(got) : null, want ? routeText(want) : null, `node ${n.name}, dst ${d.toString()}`);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('property: the factored neighbor and FDB lookups agree with the materialised entries', () => {
  fc.assert(
    fc.property(randomClusterArb, ({ def }) => {
      const dp = buildDatapath(buildTopology(def));
      for (const n of dp.nodes) {
        const t = dp.nodeRoutes(n.name)!;
        for (const e of t.neighbors) assert.equal(dp.neighborOf(n, e.dev, e.dst), t.neighbors.find((x) => x.dev === e.dev && x.dst.equals(e.dst))!.lladdr);
        for (const e of t.fdb) assert.equal(dp.fdbOf(n, e.dev, e.mac)?.toString(), t.fdb.find((x) => x.dev === e.dev && x.mac === e.mac)!.dst.toString());
        for (const b of dp.nodes) {
          for (const f of [4, 6] as Family[]) {
            const blk = b.fam[f].block;
            if (!blk) continue;
            const dev = f === 4 ? 'flannel.1' : 'flannel-v6.1';
            const has = t.neighbors.some((x) => x.dev === dev && x.dst.equals(blk.addr));
            assert.equal(dp.neighborOf(n, dev, blk.addr) !== null, has, `${n.name} neighbor ${blk.addr.toString()}`);
          }
        }
      }
    }),
    { numRuns: 200 },
  );
});


test('property: table JSON rendered from per-entry caches equals JSON.stringify of the table objects, for every node', () => {
  fc.assert(
    fc.property(randomClusterArb, ({ def }) => {
      const dp = buildDatapath(buildTopology(def));
      // Twice over: the second pass is served from the caches the first filled.
      for (let pass = 0; pass < 2; pass++) {
        for (const n of dp.nodes) {
          const t = dp.nodeRoutes(n.name)!;
          assert.equal(formatRoutesJson(t), JSON.stringify(routeTableJson(t)));
        }
      }
      const r = dp.routerRoutes();
      assert.equal(formatRoutesJson(r), JSON.stringify(routeTableJson(r)));
    }),
    { numRuns: 150 },
  );
});

/** Node A's table by its definition, slowly: every peer route in block order, then local routes first on equal destinations, one route per destination. */
function referenceNodeTable(dp: ReturnType<typeof buildDatapath>, a: NodeFacts, extra: readonly Route[]): RouteTable {
  const peers: Route[] = [];
  const neighbors: RouteTable['neighbors'] = [];
  const fdb: RouteTable['fdb'] = [];
  for (const f of [4, 6] as Family[]) {
    const holders = dp.nodes.filter((b) => b.fam[f].block).sort((x, y) => compareDestinations(x.fam[f].block!, y.fam[f].block!) || x.index - y.index);
    for (const b of holders) {
      const r = peerRoute(dp.cluster, a, b, f);
      if (!r) continue;
      peers.push(r);
      const vx = peerVxlanEntries(dp.cluster, a, b, f);
      if (vx) {
        neighbors.push(vx.neighbor);
        fdb.push(vx.fdb);
      }
    }
  }
  const ranked = [...localRoutes(dp.cluster, a, extra).map((r) => ({ r, rank: 0 })), ...peers.map((r) => ({ r, rank: 1 }))];
  ranked.sort((x, y) => compareRoutes(x.r, y.r) || x.rank - y.rank);
  const seen = new Set<string>();
  const routes = ranked.map((x) => x.r).filter((r) => {
    const k = `${r.dst.family} ${r.dst.toString()}`;
    return seen.has(k) ? false : (seen.add(k), true);
  });
  return { routes, neighbors, fdb };
}

test('property: node tables and their JSON bytes equal the table by definition, every mode, with extra routes and colliding blocks', () => {
  fc.assert(
    fc.property(randomClusterArb, ({ def, extra }) => {
      const dp = buildDatapath(buildTopology(def), { extraRoutes: { nodes: extra } });
      // Twice over: the second pass is served from the per-class entries and JSON the first made.
      for (let pass = 0; pass < 2; pass++) {
        for (const n of dp.nodes) {
          if (dp.node(n.name) !== n) continue; // a repeated name: the first node of it answers
          const want = referenceNodeTable(dp, n, extra[n.name] ?? []);
          const got = dp.nodeRoutes(n.name)!;
          assert.equal(formatRoutesText(got), formatRoutesText(want), `${n.name} routes`);
          assert.equal(formatRoutesJson(got), formatRoutesJson(want), `${n.name} JSON`);
          assert.equal(dp.nodeRoutesJson(n.name)!.toString('utf8'), JSON.stringify(routeTableJson(want)), `${n.name} JSON bytes`);
          assert.equal(dp.nodeRoutesJson(n.name, '\n')!.toString('utf8'), `${JSON.stringify(routeTableJson(want))}\n`, `${n.name} JSON bytes and a suffix`);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('property: with a JSON budget of one byte (every other class dropped and rendered again), node tables in JSON stay the same', () => {
  fc.assert(
    fc.property(randomClusterArb, ({ def, extra }) => {
      const topo = buildTopology(def);
      const roomy = buildDatapath(topo, { extraRoutes: { nodes: extra } });
      const tight = buildDatapath(topo, { extraRoutes: { nodes: extra }, jsonArenaBudget: 1 });
      for (let pass = 0; pass < 2; pass++) {
        for (const n of roomy.nodes) assert.equal(tight.nodeRoutesJson(n.name)!.toString('utf8'), roomy.nodeRoutesJson(n.name)!.toString('utf8'), n.name);
      }
    }),
    { numRuns: 200 },
  );
});
