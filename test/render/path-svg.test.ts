import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { buildDatapath, type Datapath } from '../../src/net/datapath.js';
import type { Mode } from '../../src/net/model.js';
import { tracePath, type Path } from '../../src/net/trace.js';
import { deviceMtus, pathScene, type PathScene } from '../../src/render/path-scene.js';
import { renderPathSvg } from '../../src/render/path-svg.js';
import { textWidth } from '../../src/render/svg.js';
import { buildTopology, randomClusterArb, staticRoute, threeNodes } from '../net/fixtures.js';
import { Addr, Prefix } from '../../src/net/ip.js';

/** Parses strictly: any XML error (not only a fatal one) fails the test; warnings (U+FFFD seen) do not. */
function parse(svg: string): Element {
  const onError = (level: string, msg: string) => {
    if (level !== 'warning') assert.fail(`SVG is not well-formed XML (${level}): ${msg}`);
  };
  const doc = new DOMParser({ onError }).parseFromString(svg, 'image/svg+xml');
  return doc.documentElement!;
}

function all(root: Element, name: string, cls?: string): Element[] {
  const out: Element[] = [];
  const list = root.getElementsByTagName(name);
  for (let i = 0; i < list.length; i++) {
    const e = list.item(i)!;
    if (cls === undefined || (e.getAttribute('class') ?? '').split(' ').includes(cls)) out.push(e);
  }
  return out;
}

const dpOf = (mode: Mode, flat = false, stack: 'ipv4' | 'ipv6' | 'dual' = 'ipv4') => buildDatapath(buildTopology(threeNodes(mode, stack, flat)));
const picture = (dp: Datapath, p: Path) => renderPathSvg(p, pathScene(dp, p));

/** What SPEC §10 makes machine-readable, checked against the JSON path. */
function assertMatchesPath(svg: string, p: Path): Element {
  const root = parse(svg);
  assert.equal(root.tagName, 'svg');
  assert.equal(root.getAttribute('xmlns'), 'http://www.w3.org/2000/svg');
  assert.equal(root.getAttribute('data-disposition'), p.disposition);
  const title = all(root, 'title')[0];
  assert.ok(title && title.parentNode === root && (title.textContent ?? '').includes(p.disposition), 'the root has a <title>');
  const hops = all(root, 'g', 'hop');
  assert.deepEqual(
    hops.map((g) => [g.getAttribute('data-index'), g.getAttribute('data-kind'), g.getAttribute('data-node'), g.getAttribute('data-dev')]),
    p.hops.map((h) => [String(h.index), h.kind, h.node, h.dev]),
    'one g.hop per hop, in hop order, with its kind, node and device',
  );
  const boxes = all(root, 'g', 'netns').map((g) => `${g.getAttribute('data-netns')}@${g.getAttribute('data-node') ?? ''}`);
  const want = [...new Set(p.hops.map((h) => `${h.netns ?? 'router'}@${h.node ?? ''}`))];
  assert.deepEqual([...boxes].sort(), [...want].sort(), 'one g.netns per namespace the path crosses');
  p.hops.forEach((h, i) => {
    if (h.route === undefined) return;
    const texts = all(hops[i]!, 'text', 'route').map((t) => t.textContent ?? '');
    assert.ok(texts.some((t) => t.includes(h.route!)), `hop ${i} writes its matched route ${h.route}`);
  });
  // The header's and the legend's lines fit the picture (a one-hop picture's were cut at its 560 px).
  const width = Number(root.getAttribute('width'));
  for (const g of [...all(root, 'g', 'header'), ...all(root, 'g', 'legend')]) {
    for (const t of all(g, 'text')) {
      const end = Number(t.getAttribute('x')) + textWidth(t.textContent ?? '', Number(t.getAttribute('font-size')));
      assert.ok(end <= width + 1, `"${t.textContent}" ends at ${end.toFixed(0)} in a picture ${width} wide`);
    }
  }
  assert.equal(all(root, 'script').length, 0);
  assert.equal(all(root, 'foreignObject').length, 0);
  assert.doesNotMatch(svg, /href|@import|@font-face|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'nothing external');
  return root;
}

test('the five-hop same-node path: two pod boxes, one host box, the bridge between the veths', () => {
  const dp = dpOf('host-gw');
  const p = tracePath(dp, 'x', 'y');
  assert.equal(p.hops.length, 5);
  const root = assertMatchesPath(picture(dp, p), p);
  assert.deepEqual(all(root, 'g', 'netns').map((g) => g.getAttribute('data-netns')), ['pod:default/x', 'host', 'pod:default/y']);
  assert.equal(all(root, 'g', 'veth').length, 2, 'both veth pairs are drawn');
  assert.equal(all(root, 'g', 'wire').length, 0, 'no wire on a same-node path');
  const idle = all(root, 'g', 'device').map((g) => g.getAttribute('data-dev'));
  assert.deepEqual(idle, ['eth0'], "the node's NIC is drawn, not on the path");
});

test('host-gw across one subnet: the wire between the NICs, a routing table per host with its lookup', () => {
  const dp = dpOf('host-gw');
  const p = tracePath(dp, 'x', 'z');
  const svg = picture(dp, p);
  const root = assertMatchesPath(svg, p);
  const wires = all(root, 'g', 'wire');
  assert.equal(wires.length, 1);
  assert.match(wires[0]!.textContent ?? '', /rack1 192\.168\.0\.0\/24/);
  assert.equal(all(root, 'g', 'route-table').length, 2);
  assert.match(svg, /path MTU 1500/);
  assert.match(svg, /192\.168\.0\.11/, 'the NIC shows its address');
  assert.equal(all(root, 'g', 'tunnel').length, 0);
});

test('vxlan: ten hops, the tunnel drawn around the encapsulated hops with its outer header, the tunnel MTU', () => {
  const dp = dpOf('vxlan', true);
  const p = tracePath(dp, 'x', 'z');
  assert.equal(p.hops.length, 10);
  const svg = picture(dp, p);
  const root = assertMatchesPath(svg, p);
  const tunnel = all(root, 'g', 'tunnel');
  assert.equal(tunnel.length, 1);
  const outer = p.hops.filter((h) => h.outer).map((h) => h.index);
  assert.deepEqual([tunnel[0]!.getAttribute('data-from'), tunnel[0]!.getAttribute('data-to')], [String(outer[0]), String(outer.at(-1))]);
  const card = all(root, 'g', 'packet').map((g) => g.textContent ?? '').join(' ');
  assert.match(card, /outer 192\.168\.0\.11 → 192\.168\.0\.12 · VXLAN vni 1 · UDP 8472/);
  assert.match(card, /inner 10\.1\.1\.2 → 10\.1\.2\.2/);
  assert.match(svg, /path MTU 1450/);
  assert.match(svg, /VXLAN device · mtu 1450/);
});

test('through the router: a router box between the hosts, its matched route, and the disposition where the packet ends', () => {
  for (const mode of ['bgp', 'vxlan', 'ipip', 'cross-subnet'] as const) {
    const dp = dpOf(mode);
    const p = tracePath(dp, 'x', 'w');
    assert.equal(p.disposition, 'DELIVERED', mode);
    const root = assertMatchesPath(picture(dp, p), p);
    const router = all(root, 'g', 'netns').filter((g) => g.getAttribute('data-netns') === 'router');
    assert.equal(router.length, 1, mode);
    assert.equal(router[0]!.getAttribute('data-node'), null, 'the router is on no node');
    assert.equal(all(root, 'g', 'wire').length, 2, `${mode}: node → router → node`);
  }
  const dp = dpOf('host-gw');
  const p = tracePath(dp, 'x', 'w');
  assert.equal(p.disposition, 'NO_ROUTE');
  const svg = picture(dp, p);
  const root = assertMatchesPath(svg, p);
  const end = all(root, 'g', 'disposition')[0]!;
  assert.equal(end.getAttribute('data-disposition'), 'NO_ROUTE');
  assert.equal(end.getAttribute('data-index'), String(p.hops.length - 1));
  assert.match(svg, /Dropped at the router: no route to 10\.1\.3\.2/);
});

test('a wire\'s packet card shows the packet as its far end receives it: past the router, one TTL less', () => {
  const dp = dpOf('cross-subnet');
  const p = tracePath(dp, 'node:a', 'node:c');
  assert.deepEqual(p.hops.map((h) => [h.kind, h.packet.ttl]), [['physical', 64], ['router', 64], ['physical', 63]]);
  const cards = all(parse(picture(dp, p)), 'g', 'packet').map((g) => all(g, 'text').map((t) => t.textContent).join(' '));
  assert.equal(cards.length, 2);
  assert.match(cards[0]!, /ttl 64$/);
  assert.match(cards[1]!, /ttl 63$/);
});

test('every disposition and endpoint kind renders: node, router and external endpoints, blackholes, loops, IPv6', () => {
  const dp = dpOf('bgp');
  for (const [from, to] of [['node:a', 'w'], ['x', '8.8.8.8'], ['192.168.0.1', 'x'], ['x', '192.168.0.1'], ['x', '10.1.1.99'], ['x', 'x']]) {
    const p = tracePath(dp, from!, to!);
    assertMatchesPath(picture(dp, p), p);
  }
  const topo = buildTopology(threeNodes('host-gw'));
  const dst = Prefix.parse('10.9.0.0/16');
  const loop = buildDatapath(topo, { extraRoutes: { nodes: { a: [staticRoute(dst, Addr.parse('192.168.0.12'), 'eth0')], b: [staticRoute(dst, Addr.parse('192.168.0.11'), 'eth0')] } } });
  const l = tracePath(loop, 'x', '10.9.0.1');
  assert.equal(l.disposition, 'LOOP');
  assertMatchesPath(picture(loop, l), l);
  const hole = buildDatapath(topo, { extraRoutes: { nodes: { a: [staticRoute(dst, null, null, 'blackhole')] } } });
  const h = tracePath(hole, 'x', '10.9.0.1');
  assert.equal(h.disposition, 'NULL_ROUTED');
  assertMatchesPath(picture(hole, h), h);
  const v6 = dpOf('vxlan', false, 'ipv6');
  const p6 = tracePath(v6, 'x', 'w');
  const svg6 = picture(v6, p6);
  assertMatchesPath(svg6, p6);
  assert.match(svg6, /IPv6/);
});

test('a loop\'s badges sit after the device name and clear the tag; "+N" counts the hidden ones', () => {
  const topo = buildTopology(threeNodes('host-gw'));
  const dst = Prefix.parse('10.9.0.0/16');
  const loop = buildDatapath(topo, { extraRoutes: { nodes: { a: [staticRoute(dst, Addr.parse('192.168.0.12'), 'eth0')], b: [staticRoute(dst, Addr.parse('192.168.0.11'), 'eth0')] } } });
  const p = tracePath(loop, 'x', '10.9.0.1');
  assert.equal(p.disposition, 'LOOP');
  const root = parse(picture(loop, p));
  const hops = all(root, 'g', 'hop');
  // Per device: its box (drawn at its first visit), its shown badges, its "+N".
  const devices = new Map<string, { box: Element; shown: number[]; hidden: number; more: number }>();
  for (const g of hops) {
    const key = `${g.getAttribute('data-node')}/${g.getAttribute('data-netns')}/${g.getAttribute('data-dev')}`;
    const rect = all(g, 'rect')[0];
    if (!devices.has(key)) devices.set(key, { box: rect!, shown: [], hidden: 0, more: 0 });
    const d = devices.get(key)!;
    const badge = all(g, 'g', 'badge')[0]!;
    if (badge.getAttribute('visibility') === 'hidden') d.hidden++;
    else d.shown.push(Number(all(badge, 'circle')[0]!.getAttribute('cx')));
    const more = all(g, 'g', 'badge-more')[0];
    if (more) d.more += Number(more.getAttribute('data-hidden-visits'));
  }
  const tag = all(root, 'g', 'disposition')[0]!;
  const tagLeft = Number(all(tag, 'rect')[0]!.getAttribute('x'));
  const last = hops.at(-1)!;
  const lastKey = `${last.getAttribute('data-node')}/${last.getAttribute('data-netns')}/${last.getAttribute('data-dev')}`;
  let looped = 0;
  for (const [key, d] of devices) {
    const x = Number(d.box.getAttribute('x'));
    const nameRight = x + 10 + textWidth(key.split('/').at(-1)!, 12, true);
    assert.equal(d.more, d.hidden, `${key}: "+N" counts every hidden badge`);
    for (const cx of d.shown.slice(1)) {
      assert.ok(cx - 9 >= nameRight, `${key}: a badge at ${cx} covers the name (ends ${nameRight})`);
      assert.ok(cx + 9 <= x + 184 + 4, `${key}: a badge at ${cx} leaves the device`);
      if (key === lastKey) assert.ok(cx + 9 <= tagLeft, `${key}: a badge at ${cx} runs under the tag at ${tagLeft}`);
    }
    if (d.hidden > 0) looped++;
  }
  assert.ok(looped >= 2, 'both nodes\' NICs are visited more often than their badges fit');
});

test('hostile names are escaped: markup, quotes and characters XML cannot carry never break the picture', () => {
  const evil = `<script>alert("x")</script>&'\u0001\uFFFE`;
  const path: Path = {
    from: { kind: 'pod', ref: `ns/${evil}`, node: evil, ip: '10.1.1.2' },
    to: { kind: 'external', ip: '8.8.8.8' },
    disposition: 'NO_ROUTE', sameNode: false, encapsulation: null, natFree: true, mtu: 1500,
    hops: [
      { index: 0, node: evil, netns: `pod:ns/${evil}`, dev: 'eth0', kind: 'pod-eth', action: 'send', route: `default via 10.1.1.1 dev ${evil}`, packet: { src: '10.1.1.2', dst: '8.8.8.8', ttl: 64 } },
      { index: 1, node: evil, netns: 'host', dev: evil, kind: 'veth', action: 'forward', packet: { src: '10.1.1.2', dst: '8.8.8.8', ttl: 64 } },
      { index: 2, node: evil, netns: 'host', dev: evil, kind: 'bridge', action: 'drop', packet: { src: '10.1.1.2', dst: '8.8.8.8', ttl: 64 } },
    ],
  };
  const scene: PathScene = {
    cluster: evil, mode: 'host-gw', family: 4, bridge: evil, mtu: deviceMtus(1500, 1500, 1450, 1480),
    nodes: [{ name: evil, address: '192.168.0.11', iface: evil, subnet: evil, block: '10.1.1.0/24', gateway: '10.1.1.1' }],
    pods: [{ ref: `ns/${evil}`, node: evil, ip: '10.1.1.2' }], subnets: [{ name: evil, cidr: '192.168.0.0/24', gateway: '192.168.0.1' }], routerSubnets: 1,
  };
  const svg = renderPathSvg(path, scene);
  const root = parse(svg);
  assert.equal(all(root, 'script').length, 0);
  assert.doesNotMatch(svg, /<script/);
  assert.ok(!svg.includes('\u0001') && !svg.includes('\uFFFE'), 'characters XML cannot carry are replaced');
  const clean = evil.replace('\u0001', '\uFFFD').replace('\uFFFE', '\uFFFD');
  const hops = all(root, 'g', 'hop');
  assert.equal(hops[0]!.getAttribute('data-node'), clean, 'attributes round-trip through the parser');
  assert.equal(hops[1]!.getAttribute('data-dev'), clean);
  assert.ok(all(hops[0]!, 'text', 'route').some((t) => t.textContent === `#0  default via 10.1.1.1 dev ${clean}`));
});

test('property: on random clusters, every path between any two endpoints renders well-formed and matches its hops', () => {
  fc.assert(
    fc.property(randomClusterArb, fc.nat(), fc.nat(), ({ def, extra }, i, j) => {
      const dp = buildDatapath(buildTopology(def), { extraRoutes: { nodes: extra } });
      const ends = [...dp.pods.map((p) => p.ref), ...dp.nodes.map((n) => `node:${n.name}`), '8.8.8.8', '10.1.200.1'];
      const from = ends[i % ends.length]!;
      const to = ends[j % ends.length]!;
      let p: Path;
      try {
        p = tracePath(dp, from, to);
      } catch {
        return; // no address of the family: nothing to draw
      }
      assertMatchesPath(picture(dp, p), p);
    }),
    { numRuns: 200 },
  );
});
