// The audit's comparison rules (SPEC §12) on fixtures: a node's plan turned
// into the JSON iproute2 prints for it, plus the noise a real node carries.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type LiveFdbJson, type LiveNeighborJson, type LiveRouteJson, type NodeDumps, auditNode } from '../../src/net/audit.js';
import { buildDatapath } from '../../src/net/datapath.js';
import { NetError } from '../../src/net/ip.js';
import { type Route, routeJson } from '../../src/net/routes.js';
import { buildTopology, threeNodes } from './fixtures.js';

const dp = buildDatapath(buildTopology(threeNodes('vxlan', 'dual')));

/** A planned route as `ip -j route show` prints it once the podnet script installed it. */
function ipJson(r: Route): LiveRouteJson {
  const j = routeJson(r);
  const out: LiveRouteJson = { dst: j.dst };
  if (j.via) out.gateway = j.via;
  if (j.dev) out.dev = j.dev;
  if (j.proto && j.proto !== 'boot') out.protocol = j.proto;
  if (j.scope && r.dst.family === 4) out.scope = j.scope;
  if (j.src) out.prefsrc = j.src;
  if (r.dst.family === 6) out.metric = r.proto === 'kernel' ? 256 : 1024;
  out.flags = r.onlink ? ['onlink'] : [];
  return out;
}

/** Node a's kernel after podnet's scripts, with the noise of a real node. */
function cleanDumps(): Required<NodeDumps> {
  const t = dp.nodeRoutes('a')!;
  return {
    routes: [
      ...t.routes.filter((r) => r.dst.family === 4).map(ipJson),
      { dst: '172.17.0.0/16', dev: 'docker0', protocol: 'kernel', scope: 'link', prefsrc: '172.17.0.1', flags: ['linkdown'] },
    ],
    routes6: [
      ...t.routes.filter((r) => r.dst.family === 6).map(ipJson),
      { dst: 'fe80::/64', dev: 'eth0', protocol: 'kernel', metric: 256, flags: [] },
      { dst: 'fe80::/64', dev: 'cni0', protocol: 'kernel', metric: 256, flags: [] },
      { type: 'multicast', dst: 'ff00::/8', dev: 'eth0', protocol: 'kernel', metric: 256, flags: [] },
    ],
    neighbors: [
      ...t.neighbors.map((n): LiveNeighborJson => ({ dst: n.dst.toString(), dev: n.dev, lladdr: n.lladdr, state: ['PERMANENT'] })),
      { dst: '192.168.0.1', dev: 'eth0', lladdr: '52:54:00:12:34:56', state: ['REACHABLE'] },
      { dst: '10.1.1.2', dev: 'cni0', lladdr: '0a:58:0a:01:01:02', state: ['STALE'] },
      { dst: 'fe80::1', dev: 'eth0', lladdr: '52:54:00:12:34:56', state: ['PERMANENT'] },
    ],
    fdb: [
      ...t.fdb.map((f): LiveFdbJson => ({ mac: f.mac, ifname: f.dev, dst: f.dst.toString(), flags: ['self'], state: 'permanent' })),
      { mac: '33:33:00:00:00:01', ifname: 'eth0', flags: ['self'], state: 'permanent' },
      { mac: '01:00:5e:00:00:01', ifname: 'cni0', flags: ['self'], state: 'permanent' },
      { mac: '0a:58:0a:01:01:02', ifname: 'veth1234abcd', master: 'cni0', flags: [], state: '' },
      { mac: '02:11:22:33:44:55', ifname: 'flannel.1', flags: ['self'], state: 'permanent' },
    ],
  };
}

const texts = (xs: { text: string }[]): string[] => xs.map((x) => x.text);

describe('auditNode', () => {
  it('the plan as the kernel holds it, with a real node\'s noise: ok, nothing missing, unexpected or different; the noise only counted in ignored', () => {
    const r = auditNode(dp, 'a', cleanDumps())!;
    const t = dp.nodeRoutes('a')!;
    assert.deepEqual({ ...r, ignored: 0 }, {
      ok: true, node: 'a', checked: { routes: t.routes.length, neighbors: t.neighbors.length, fdb: t.fdb.length },
      missing: [], unexpected: [], different: [], ignored: 0,
    });
    // docker0, two link-local and one multicast route; two dynamic and one link-local neighbor; four fdb entries without dst.
    assert.equal(r.ignored, 1 + 3 + 3 + 4);
  });

  it('a deleted route is missing, a stray one inside the pod CIDRs unexpected, a changed next hop different — exactly those', () => {
    const d = cleanDumps();
    const gone = d.routes.findIndex((x) => x.dst === '10.1.2.0/24');
    d.routes.splice(gone, 1);
    d.routes.push({ dst: '10.1.200.0/24', gateway: '192.168.0.99', dev: 'eth0', flags: [] });
    d.routes.push({ dst: '203.0.113.0/24', gateway: '192.168.0.99', dev: 'eth0', flags: [] }); // outside the pod CIDRs, not on our devices: ignored
    const hop = d.routes6.find((x) => x.dst === 'fd00:10:1:3::/64')!;
    hop.gateway = 'fd00:10:1:9::';
    const r = auditNode(dp, 'a', d)!;
    assert.equal(r.ok, false);
    assert.deepEqual(texts(r.missing), ['10.1.2.0/24 via 10.1.2.0 dev flannel.1 onlink']);
    assert.deepEqual(r.missing.map((x) => x.kind), ['route']);
    assert.deepEqual(texts(r.unexpected), ['10.1.200.0/24 via 192.168.0.99 dev eth0']);
    assert.deepEqual(r.different.map((x) => [x.expected.text, x.actual.text]), [
      ['fd00:10:1:3::/64 via fd00:10:1:3:: dev flannel-v6.1 metric 1024 onlink pref medium', 'fd00:10:1:3::/64 via fd00:10:1:9:: dev flannel-v6.1 metric 1024 onlink pref medium'],
    ]);
  });

  it('proto and metric alone (a DHCP default route) are not a difference, only counted in ignored', () => {
    const d = cleanDumps();
    const def = d.routes.find((x) => x.dst === 'default')!;
    Object.assign(def, { protocol: 'dhcp', prefsrc: '192.168.0.11', metric: 100 });
    const r = auditNode(dp, 'a', d)!;
    assert.equal(r.ok, true);
    assert.equal(r.ignored, 11 + 1);
  });

  it('a route on the bridge or a tunnel device the plan lacks is unexpected, whatever its destination', () => {
    const d = cleanDumps();
    d.routes.push({ dst: '198.51.100.0/24', dev: 'flannel.1', flags: [] }, { dst: '198.51.100.0/25', dev: 'cni0', flags: [] });
    assert.deepEqual(texts(auditNode(dp, 'a', d)!.unexpected), ['198.51.100.0/24 dev flannel.1', '198.51.100.0/25 dev cni0']);
  });

  it('neighbors and fdb: another lladdr or VTEP is different, a permanent stray on a tunnel device unexpected, a missing one missing', () => {
    const d = cleanDumps();
    d.neighbors[0]!.lladdr = '02:00:00:00:00:01';
    d.fdb[1]!.dst = '192.168.0.99';
    d.fdb.push({ mac: '00:00:00:00:00:00', ifname: 'flannel.1', dst: '192.168.0.77', flags: ['self'], state: 'permanent' });
    d.neighbors.push({ dst: '10.1.9.0', dev: 'flannel.1', lladdr: '02:00:00:00:00:09', state: ['PERMANENT'] });
    const lost = d.fdb.splice(0, 1)[0]!;
    const r = auditNode(dp, 'a', d)!;
    assert.deepEqual(r.different.map((x) => x.expected.kind), ['neighbor', 'fdb']);
    assert.match(r.different[0]!.actual.text, /lladdr 02:00:00:00:00:01 PERMANENT$/);
    assert.deepEqual(texts(r.unexpected), ['10.1.9.0 dev flannel.1 lladdr 02:00:00:00:00:09 PERMANENT', '00:00:00:00:00:00 dev flannel.1 dst 192.168.0.77 self permanent']);
    assert.deepEqual(texts(r.missing), [`${lost.mac} dev flannel.1 dst ${lost.dst} self permanent`]);
  });

  it('a kind whose dump is absent is not compared; an unknown node is null; an address that does not parse is INVALID_DUMP naming its path', () => {
    const r = auditNode(dp, 'a', { routes: cleanDumps().routes })!;
    assert.deepEqual(r.checked, { routes: dp.nodeRoutes('a')!.routes.filter((x) => x.dst.family === 4).length, neighbors: 0, fdb: 0 });
    assert.equal(r.ok, true);
    assert.equal(auditNode(dp, 'nope', {}), null);
    assert.throws(() => auditNode(dp, 'a', { routes: [{ dst: '10.1.2.0/24', gateway: 'not-an-ip' }] }), (e: unknown) => e instanceof NetError && e.code === 'INVALID_DUMP' && e.input === 'routes[0].gateway');
    assert.throws(() => auditNode(dp, 'a', { routes6: [{ dst: '10.1.2.0/24' }] }), /routes6\[0\]\.dst: 10\.1\.2\.0\/24 is not an IPv6 destination/);
  });
});
