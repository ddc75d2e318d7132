// The regression list: one case per bug a test (or a user) caught, named
// after the bug, kept forever. Each case states the wrong behaviour it pins
// down, so that when one fails, its name says what came back. Add to the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildDatapath } from '../../src/net/datapath.js';
import { tunnelMtu } from '../../src/net/devices.js';
import { NetError } from '../../src/net/ip.js';
import { DEFAULT_NETWORK } from '../../src/net/model.js';
import { dnsNameProblem } from '../../src/net/names.js';
import { parseEndpoint } from '../../src/net/endpoints.js';
import { formatRoutesText } from '../../src/net/routes.js';
import { tracePath } from '../../src/net/trace.js';
import { buildTopology, threeNodes } from './fixtures.js';

test('IPv6 VXLAN device MTU was underlay − 50: the kernel caps flannel-v6.1 at underlay − 70 (40-byte outer IPv6 header), caught by the kernel-cluster test', () => {
  assert.equal(tunnelMtu(DEFAULT_NETWORK, 'vxlan', 4), 1450);
  assert.equal(tunnelMtu(DEFAULT_NETWORK, 'vxlan', 6), 1430);
});

test('path endpoints accepted node:a..b, a name the definition rejects: one DNS-1123 rule for both (issue 17)', () => {
  const dp = buildDatapath(buildTopology(threeNodes('host-gw')));
  for (const bad of ['node:a..b', 'node:a.-b', 'node:a-.b', 'shop/a..b', 'a..b']) {
    assert.throws(() => parseEndpoint(dp, bad), (e: unknown) => e instanceof NetError && e.code === 'INVALID_ENDPOINT', bad);
  }
  assert.match(dnsNameProblem('subdomain', 'a..b') ?? '', /not a valid DNS-1123 subdomain/);
  assert.equal(dnsNameProblem('subdomain', 'a.b-c.d'), null);
});

test('a pod packet to a block\'s broadcast (10.1.2.255) or Subnet-Router anycast address (fd00:10:1:2::) was NEIGHBOR_UNREACHABLE: the node\'s local table receives it, as the kernel does (issue 11)', () => {
  const dp = buildDatapath(buildTopology(threeNodes('vxlan', 'dual')));
  for (const [to, node] of [['10.1.2.255', 'b'], ['fd00:10:1:2::', 'b'], ['10.1.1.255', 'a'], ['fd00:10:1:1::', 'a'], ['192.168.1.13', 'c'], ['192.168.0.255', 'a']]) {
    const p = tracePath(dp, 'default/x', to!);
    assert.equal(p.disposition, 'DELIVERED', to);
    assert.deepEqual([p.hops.at(-1)!.node, p.hops.at(-1)!.netns], [node, 'host'], to);
  }
  // The IPv4 network address is no local address (the kernel makes no entry for it).
  assert.equal(tracePath(dp, 'default/x', '10.1.2.0').disposition, 'NEIGHBOR_UNREACHABLE');
});

test('the pod MTU was mtu − 50 over an IPv6 underlay too, so a full-size IPv6 datagram with DF was lost in flannel-v6.1: 70 bytes there, and the IPv6 pod routes say mtu 1430 (issue 11)', () => {
  const dual = buildDatapath(buildTopology(threeNodes('vxlan', 'dual')));
  const t = dual.podRoutes('default', 'x')!;
  assert.deepEqual(t.routes.map((r) => `${r.dst.family} ${r.mtu ?? '-'}`), ['4 -', '4 -', '6 1430', '6 1430']);
  assert.equal(tracePath(dual, 'default/x', 'fd00:10:1:3::2').mtu, 1430);
  assert.equal(tracePath(dual, 'default/x', '10.1.3.2').mtu, 1450);
  const v6only = buildDatapath(buildTopology(threeNodes('vxlan', 'ipv6')));
  assert.ok(v6only.podRoutes('default', 'x')!.routes.every((r) => r.mtu === undefined), 'single-stack: the devices carry the one pod MTU');
});

test('host routes printed as 10.1.1.1/32: iproute2 prints a /32 or /128 destination without its length', () => {
  const dp = buildDatapath(buildTopology(threeNodes('host-gw', 'dual')));
  const text = formatRoutesText({ routes: [], neighbors: [], fdb: [], local: [...dp.nodeLocal(dp.node('a')!)] }, 'local');
  assert.ok(text.includes('local 10.1.1.1 dev cni0 '), text);
  assert.ok(text.includes('local fd00:10:1:1::1 dev cni0 '), text);
});
