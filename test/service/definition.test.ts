import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { vtepMac } from '../../src/net/devices.js';
import { AppError } from '../../src/service/errors.js';
import {
  clusterSettingsEqual, parseClusterDefinition, parseNodeInput, parsePodInput, podRef, type ClusterDefinition,
} from '../../src/service/definition.js';

const texts = (xs: { toString(): string }[]): string[] => xs.map((x) => x.toString());
const clone = <T>(x: T): T => structuredClone(x);

/** Asserts that `fn` throws an AppError with `code`, and returns it. */
function rejects(fn: () => unknown, code = 'VALIDATION_FAILED'): AppError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AppError, `expected AppError, got ${String(e)}`);
    assert.equal(e.code, code, `${e.code}: ${e.message} ${JSON.stringify(e.errors)}`);
    return e;
  }
  assert.fail(`expected AppError ${code}, nothing was thrown`);
}

/** The definition of SPEC §3. */
const SPEC_EXAMPLE = {
  name: 'demo',
  podCidrs: ['10.1.0.0/16'],
  nodeMaskSize: { ipv4: 24, ipv6: 64 },
  serviceCidr: '10.96.0.0/12',
  network: { mode: 'host-gw', mtu: 1500, bridge: 'cni0' },
  subnets: [{ name: 'rack1', cidr: '192.168.0.0/24', gateway: '192.168.0.1' }],
  reserved: ['10.1.255.0/24'],
  nodes: [
    { name: 'node-a', address: '192.168.0.11' },
    { name: 'node-b', address: '192.168.0.12', podCidrs: ['10.1.7.0/24'] },
    { name: 'node-c', addresses: ['192.168.0.13', 'fd00:ff::13'] },
  ],
  pods: [
    { name: 'web', namespace: 'shop', node: 'node-a' },
    { name: 'db', node: 'node-b', ips: ['10.1.7.50'] },
  ],
};

describe('parseClusterDefinition: valid definitions', () => {
  it('parses the SPEC §3 example, filling defaults and computing subnets', () => {
    const d = parseClusterDefinition(SPEC_EXAMPLE);
    assert.equal(d.name, 'demo');
    assert.deepEqual(texts(d.podCidrs), ['10.1.0.0/16']);
    assert.deepEqual(d.nodeMaskSize, { ipv4: 24, ipv6: 64 });
    assert.equal(d.serviceCidr?.toString(), '10.96.0.0/12');
    assert.deepEqual(d.network, { mode: 'host-gw', mtu: 1500, bridge: 'cni0', vxlan: { device: 'flannel.1', vni: 1, port: 8472 } });
    assert.deepEqual(d.subnets.map((s) => [s.name, s.cidr.toString(), s.gateway?.toString()]), [['rack1', '192.168.0.0/24', '192.168.0.1']]);
    assert.deepEqual(texts(d.reserved), ['10.1.255.0/24']);
    assert.deepEqual(
      d.nodes.map((n) => ({ name: n.name, addresses: texts(n.addresses), interface: n.interface, podCidrs: texts(n.podCidrs), subnet: n.subnet })),
      [
        { name: 'node-a', addresses: ['192.168.0.11'], interface: 'eth0', podCidrs: [], subnet: 'rack1' },
        { name: 'node-b', addresses: ['192.168.0.12'], interface: 'eth0', podCidrs: ['10.1.7.0/24'], subnet: 'rack1' },
        { name: 'node-c', addresses: ['192.168.0.13', 'fd00:ff::13'], interface: 'eth0', podCidrs: [], subnet: 'rack1' },
      ],
    );
    assert.deepEqual(
      d.pods.map((p) => ({ ref: podRef(p), node: p.node, ips: texts(p.ips) })),
      [{ ref: 'shop/web', node: 'node-a', ips: [] }, { ref: 'default/db', node: 'node-b', ips: ['10.1.7.50'] }],
    );
  });

  it('fills every default for a minimal definition, without subnets (subnet null)', () => {
    const d = parseClusterDefinition({ name: 'min', podCidrs: ['10.0.0.0/16'], nodes: [{ name: 'n1', address: '192.168.1.5' }] });
    assert.equal(d.serviceCidr, null);
    assert.deepEqual(d.subnets, []);
    assert.deepEqual(d.reserved, []);
    assert.deepEqual(d.pods, []);
    assert.equal(d.network.mode, 'host-gw');
    assert.equal(d.nodes[0]?.subnet, null);
  });

  it('treats null optional members as absent (GraphQL sends them)', () => {
    const d = parseClusterDefinition({ name: 'n', podCidrs: ['10.0.0.0/16'], serviceCidr: null, network: null, subnets: null, reserved: null, nodes: [{ name: 'a', address: '192.168.0.2', addresses: null, interface: null, podCidrs: null }], pods: null });
    assert.equal(d.nodes[0]?.interface, 'eth0');
  });

  it('parses a dual-stack definition with IPv6 subnets, masks and pinned blocks', () => {
    const d = parseClusterDefinition({
      name: 'dual',
      podCidrs: ['10.1.0.0/16', 'fd00:10:1::/48'],
      nodeMaskSize: { ipv4: 25, ipv6: 80 },
      network: { mode: 'VXLAN', mtu: 9000 },
      subnets: [
        { name: 'v4', cidr: '192.168.0.0/24', gateway: '192.168.0.1' },
        { name: 'v6', cidr: 'fd00:ff::/64', gateway: 'fd00:ff::1' },
      ],
      nodes: [
        { name: 'a', addresses: ['fd00:ff::11', '192.168.0.11'], podCidrs: ['fd00:10:1::/80', '10.1.0.128/25'] },
        { name: 'b', addresses: ['192.168.0.12', 'fd00:ff::12'] },
      ],
      pods: [{ name: 'p', node: 'a', ips: ['10.1.0.130', 'fd00:10:1::5'] }],
    });
    assert.equal(d.network.mode, 'vxlan');
    assert.deepEqual(d.nodes.map((n) => n.subnet), ['v4', 'v4'], 'a dual-stack node is in its IPv4 address\'s subnet');
    assert.deepEqual(texts(d.nodes[0]?.addresses ?? []), ['fd00:ff::11', '192.168.0.11'], 'the given order is kept');
  });

  it('parses an IPv6-only definition; the node takes its IPv6 subnet', () => {
    const d = parseClusterDefinition({
      name: 'v6only',
      podCidrs: ['fd00:10::/56'],
      network: { mode: 'cross_subnet' },
      subnets: [{ name: 'r1', cidr: '2001:db8:1::/64', gateway: '2001:db8:1::1' }, { name: 'r2', cidr: '2001:db8:2::/64' }],
      nodes: [{ name: 'a', address: '2001:db8:1::a' }, { name: 'b', address: '2001:db8:2::b' }],
      pods: [{ name: 'p', node: 'b' }],
    });
    assert.equal(d.network.mode, 'cross-subnet');
    assert.deepEqual(d.nodes.map((n) => n.subnet), ['r1', 'r2']);
    assert.equal(d.nodeMaskSize.ipv6, 64);
  });

  it('pins a vtepMac in its canonical lower-case form; pinning the derived MAC is no pin', () => {
    const d = parseClusterDefinition(specWith((x) => {
      x.nodes[0].vtepMac = '5E-1A-2B-3C-4D-01';
      x.nodes[1].vtepMac = vtepMac('node-b');
      x.nodes[2].vtepMac = null;
    }));
    assert.deepEqual(d.nodes.map((n) => n.vtepMac), ['5e:1a:2b:3c:4d:01', undefined, undefined]);
    assert.ok(!('vtepMac' in d.nodes[1]!), 'the derived MAC is not stored as a pin');
  });

  it('pins the IPv6 VXLAN device\'s own MAC as vtepMac6; the one vtepMac gives it anyway is no pin', () => {
    const d = parseClusterDefinition(specWith((x) => {
      x.nodes[0].vtepMac6 = 'AE:3F:91:20:6B:01';
      x.nodes[1].vtepMac = '5e:1a:2b:3c:4d:02';
      x.nodes[1].vtepMac6 = '5e:1a:2b:3c:4d:02';
      x.nodes[2].vtepMac6 = vtepMac('node-c');
    }));
    assert.deepEqual(d.nodes.map((n) => [n.vtepMac, n.vtepMac6]), [[undefined, 'ae:3f:91:20:6b:01'], ['5e:1a:2b:3c:4d:02', undefined], [undefined, undefined]]);
    const clash = rejects(() => parseClusterDefinition(specWith((x) => {
      x.nodes[0].vtepMac6 = 'ae:3f:91:20:6b:01';
      x.nodes[2].vtepMac = '5e:1a:2b:3c:4d:03';
      x.nodes[2].vtepMac6 = 'ae:3f:91:20:6b:01';
    })));
    assert.deepEqual(clash.errors, [{
      path: 'nodes[2].vtepMac6', message: 'ae:3f:91:20:6b:01 is already the IPv6 VTEP MAC of node "node-a" (nodes[0], pinned): VTEP MACs must be unique in a cluster',
    }]);
  });

  it('accepts GraphQL enum spellings of every mode', () => {
    for (const [given, want] of [['HOST_GW', 'host-gw'], ['IPIP', 'ipip'], ['BGP', 'bgp'], ['Cross-Subnet', 'cross-subnet']] as const) {
      assert.equal(parseClusterDefinition({ name: 'm', podCidrs: ['10.0.0.0/16'], network: { mode: given } }).network.mode, want);
    }
  });
});

interface BadCase {
  desc: string;
  input: unknown;
  paths: string[]; // each must be listed
  fragment: string; // in the message at paths[0]
  code?: string; // default VALIDATION_FAILED (422)
}

/** SPEC §3's example, changed by `change`. */
function specWith(change: (d: Record<string, any>) => void): unknown { // eslint-disable-line @typescript-eslint/no-explicit-any
  const d = clone(SPEC_EXAMPLE) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  change(d);
  return d;
}

const minimal = (extra: Record<string, unknown>): unknown => ({ name: 'demo', podCidrs: ['10.1.0.0/16'], ...extra });

const badCases: BadCase[] = [
  { desc: 'pod CIDR with host bits set', input: minimal({ podCidrs: ['10.1.0.1/16'] }), paths: ['podCidrs[0]'], fragment: '10.1.0.1/16 has host bits set; did you mean 10.1.0.0/16?' },
  { desc: 'prefix length /33', input: minimal({ podCidrs: ['10.1.0.0/33'] }), paths: ['podCidrs[0]'], fragment: 'prefix length out of range' },
  { desc: 'octet above 255', input: minimal({ podCidrs: ['300.1.1.0/24'] }), paths: ['podCidrs[0]'], fragment: 'IPv4 field has value >255' },
  { desc: 'an address where a prefix belongs', input: minimal({ podCidrs: ['10.1.0.0'] }), paths: ['podCidrs[0]'], fragment: 'did you mean 10.1.0.0/32?' },
  { desc: 'two IPv4 pod CIDRs', input: minimal({ podCidrs: ['10.1.0.0/16', '10.2.0.0/16'] }), paths: ['podCidrs[1]'], fragment: 'at most one per family' },
  { desc: 'no pod CIDR at all', input: minimal({ podCidrs: [] }), paths: ['podCidrs'], fragment: 'one or two' },
  { desc: 'podCidrs missing', input: { name: 'demo' }, paths: ['podCidrs'], fragment: 'required' },
  { desc: 'node mask shorter than the cluster prefix', input: minimal({ nodeMaskSize: { ipv4: 12 } }), paths: ['nodeMaskSize.ipv4'], fragment: 'larger than the IPv4 pod CIDR 10.1.0.0/16' },
  { desc: 'node mask /31 leaves no pod address', input: minimal({ nodeMaskSize: { ipv4: 31 } }), paths: ['nodeMaskSize.ipv4'], fragment: 'leaves no room for pods' },
  { desc: 'default /64 mask does not fit an IPv6 /72 pod CIDR', input: minimal({ podCidrs: ['fd00::/72'] }), paths: ['nodeMaskSize.ipv6'], fragment: 'the default /64 is larger' },
  { desc: 'IPv6 pod CIDR too small for any node block', input: minimal({ podCidrs: ['fd00::/127'] }), paths: ['podCidrs[0]'], fragment: 'too small for node blocks' },
  { desc: 'service CIDR overlapping the pod CIDR', input: minimal({ serviceCidr: '10.1.128.0/20' }), paths: ['serviceCidr'], fragment: '10.1.128.0/20 overlaps the pod CIDR 10.1.0.0/16' },
  { desc: 'subnet overlapping the pod CIDR', input: specWith((d) => { d.subnets[0].cidr = '10.0.0.0/8'; d.subnets[0].gateway = '10.0.0.1'; }), paths: ['subnets[0].cidr'], fragment: '10.0.0.0/8 overlaps the pod CIDR 10.1.0.0/16' },
  { desc: 'subnets overlapping each other', input: specWith((d) => { d.subnets.push({ name: 'rack2', cidr: '192.168.0.0/23' }); }), paths: ['subnets[1].cidr'], fragment: 'overlaps subnets[0] (192.168.0.0/24)' },
  { desc: 'duplicate subnet names', input: specWith((d) => { d.subnets.push({ name: 'rack1', cidr: '192.168.9.0/24' }); }), paths: ['subnets[1].name'], fragment: 'duplicate subnet name "rack1" (first at subnets[0])' },
  { desc: 'gateway outside its subnet', input: specWith((d) => { d.subnets[0].gateway = '192.168.5.1'; }), paths: ['subnets[0].gateway'], fragment: 'not inside the subnet 192.168.0.0/24' },
  { desc: 'gateway is the broadcast address', input: specWith((d) => { d.subnets[0].gateway = '192.168.0.255'; }), paths: ['subnets[0].gateway'], fragment: 'broadcast address' },
  { desc: 'node address inside the pod CIDR', input: minimal({ nodes: [{ name: 'a', address: '10.1.3.4' }] }), paths: ['nodes[0].address'], fragment: '10.1.3.4 is inside the pod CIDR 10.1.0.0/16' },
  { desc: 'node outside every subnet', input: specWith((d) => { d.nodes[0].address = '172.16.0.1'; }), paths: ['nodes[0].address'], fragment: 'is in no IPv4 subnet' },
  { desc: 'node address is the subnet gateway', input: specWith((d) => { d.nodes[0].address = '192.168.0.1'; }), paths: ['nodes[0].address'], fragment: 'is the gateway of subnet "rack1"' },
  { desc: 'node address is the subnet network address', input: specWith((d) => { d.nodes[0].address = '192.168.0.0'; }), paths: ['nodes[0].address'], fragment: 'network address' },
  { desc: 'IPv6-only node where only IPv4 subnets exist', input: specWith((d) => { d.nodes[0].address = 'fd00:ff::9'; }), paths: ['nodes[0].address'], fragment: 'is in no subnet' },
  { desc: 'duplicate node names', input: specWith((d) => { d.nodes[2].name = 'node-a'; }), paths: ['nodes[2].name'], fragment: 'duplicate node name "node-a" (first at nodes[0])' },
  { desc: 'duplicate node addresses', input: specWith((d) => { d.nodes[2].addresses[0] = '192.168.0.11'; }), paths: ['nodes[2].addresses[0]'], fragment: 'already the address of node "node-a" (nodes[0])' },
  { desc: 'address and addresses both given', input: specWith((d) => { d.nodes[0].addresses = ['192.168.0.20']; }), paths: ['nodes[0].addresses'], fragment: 'either address or addresses' },
  { desc: 'two IPv4 addresses on one node', input: specWith((d) => { d.nodes[2].addresses = ['192.168.0.13', '192.168.0.14']; }), paths: ['nodes[2].addresses[1]'], fragment: 'at most one per family' },
  { desc: 'node without an address', input: specWith((d) => { delete d.nodes[0].address; }), paths: ['nodes[0].address'], fragment: 'required' },
  { desc: 'node address given as a prefix', input: specWith((d) => { d.nodes[0].address = '192.168.0.11/24'; }), paths: ['nodes[0].address'], fragment: 'is a prefix' },
  { desc: 'loopback node address', input: minimal({ nodes: [{ name: 'a', address: '127.0.0.1' }] }), paths: ['nodes[0].address'], fragment: 'loopback' },
  { desc: 'pinned block of the wrong size', input: specWith((d) => { d.nodes[1].podCidrs = ['10.1.7.0/25']; d.pods = []; }), paths: ['nodes[1].podCidrs[0]'], fragment: '10.1.7.0/25 is not a /24 block', code: 'POD_CIDR_CONFLICT' },
  { desc: 'pinned block outside the pod CIDR', input: specWith((d) => { d.nodes[1].podCidrs = ['10.2.7.0/24']; d.pods = []; }), paths: ['nodes[1].podCidrs[0]'], fragment: "not inside the cluster's IPv4 pod CIDR 10.1.0.0/16", code: 'POD_CIDR_CONFLICT' },
  { desc: 'pinned block overlapping another pin', input: specWith((d) => { d.nodes[2].podCidrs = ['10.1.7.0/24']; }), paths: ['nodes[2].podCidrs[0]'], fragment: 'pinned by node "node-b" (nodes[1])', code: 'POD_CIDR_CONFLICT' },
  { desc: 'pinned block on a reserved range', input: specWith((d) => { d.reserved = ['10.1.7.128/25']; }), paths: ['nodes[1].podCidrs[0]'], fragment: 'overlaps the reserved range 10.1.7.128/25', code: 'POD_CIDR_CONFLICT' },
  { desc: 'pinned IPv6 block without an IPv6 pod CIDR', input: specWith((d) => { d.nodes[0].podCidrs = ['fd00:1::/64']; }), paths: ['nodes[0].podCidrs[0]'], fragment: 'no IPv6 pod CIDR' },
  { desc: 'pod on an unknown node', input: specWith((d) => { d.pods[0].node = 'node-x'; }), paths: ['pods[0].node'], fragment: 'unknown node "node-x"' },
  { desc: 'duplicate pod', input: specWith((d) => { d.pods.push({ name: 'web', namespace: 'shop', node: 'node-b' }); }), paths: ['pods[2].name'], fragment: 'duplicate pod "shop/web" (first at pods[0])' },
  { desc: 'pod IP outside its node\'s pinned block', input: specWith((d) => { d.pods[1].ips = ['10.1.8.5']; }), paths: ['pods[1].ips[0]'], fragment: "not inside the node's pinned block 10.1.7.0/24", code: 'POD_IP_CONFLICT' },
  { desc: 'pod IP is the block gateway', input: specWith((d) => { d.pods[1].ips = ['10.1.7.1']; }), paths: ['pods[1].ips[0]'], fragment: 'is the gateway', code: 'POD_IP_CONFLICT' },
  { desc: 'two pods pinning one IP', input: specWith((d) => { d.pods.push({ name: 'db2', node: 'node-b', ips: ['10.1.7.50'] }); }), paths: ['pods[2].ips[0]'], fragment: 'already pinned by pod "default/db" (pods[1])', code: 'POD_IP_CONFLICT' },
  { desc: 'pod IP of a family without pod CIDR', input: specWith((d) => { d.pods[0].ips = ['fd00::5']; }), paths: ['pods[0].ips[0]'], fragment: 'no IPv6 pod CIDR' },
  { desc: 'uppercase cluster name', input: minimal({ name: 'Demo' }), paths: ['name'], fragment: 'not a valid DNS-1123 label' },
  { desc: 'cluster name of 64 characters', input: minimal({ name: 'a'.repeat(64) }), paths: ['name'], fragment: 'at most 63 characters' },
  { desc: 'underscore in a node name', input: specWith((d) => { d.nodes[0].name = 'node_a'; d.pods = []; }), paths: ['nodes[0].name'], fragment: 'not a valid DNS-1123 subdomain' },
  { desc: 'pod name of 254 characters', input: specWith((d) => { d.pods[0].name = 'p'.repeat(254); }), paths: ['pods[0].name'], fragment: 'at most 253 characters' },
  { desc: 'dot in a namespace', input: specWith((d) => { d.pods[0].namespace = 'shop.eu'; }), paths: ['pods[0].namespace'], fragment: 'DNS-1123 label' },
  { desc: 'unknown top-level field (typo)', input: minimal({ podCidr: ['10.1.0.0/16'] }), paths: ['podCidr'], fragment: 'unknown field; did you mean "podCidrs"?' },
  { desc: 'unknown nested field', input: minimal({ network: { mdoe: 'vxlan' } }), paths: ['network.mdoe'], fragment: 'unknown field' },
  { desc: 'read-only field in a node', input: specWith((d) => { d.nodes[0].gateways = ['10.1.0.1']; }), paths: ['nodes[0].gateways'], fragment: 'computed by podnet' },
  { desc: 'vtepMac that is not a MAC', input: specWith((d) => { d.nodes[0].vtepMac = '02:00:00:00:01'; }), paths: ['nodes[0].vtepMac'], fragment: 'ParseMAC("02:00:00:00:01"): expected six hex octets' },
  { desc: 'multicast vtepMac', input: specWith((d) => { d.nodes[0].vtepMac = '01:00:5e:00:00:fb'; }), paths: ['nodes[0].vtepMac'], fragment: 'a multicast address; a VTEP needs a unicast MAC' },
  { desc: 'broadcast vtepMac', input: specWith((d) => { d.nodes[0].vtepMac = 'ff:ff:ff:ff:ff:ff'; }), paths: ['nodes[0].vtepMac'], fragment: 'multicast' },
  { desc: 'all-zero vtepMac', input: specWith((d) => { d.nodes[0].vtepMac = '00:00:00:00:00:00'; }), paths: ['nodes[0].vtepMac'], fragment: 'all-zero' },
  { desc: 'vtepMac that is not a string', input: specWith((d) => { d.nodes[0].vtepMac = 42; }), paths: ['nodes[0].vtepMac'], fragment: 'expected a string' },
  {
    desc: 'two nodes pinning one vtepMac (in another spelling)',
    input: specWith((d) => { d.nodes[0].vtepMac = '5e:1a:2b:3c:4d:01'; d.nodes[2].vtepMac = '5E-1A-2B-3C-4D-01'; }),
    paths: ['nodes[2].vtepMac'], fragment: '5e:1a:2b:3c:4d:01 is already the VTEP MAC of node "node-a" (nodes[0], pinned): VTEP MACs must be unique',
  },
  {
    desc: 'a vtepMac pinned to the MAC another node derives from its name',
    input: specWith((d) => { d.nodes[2].vtepMac = vtepMac('node-b'); }),
    paths: ['nodes[2].vtepMac'], fragment: `${vtepMac('node-b')} is already the VTEP MAC of node "node-b" (nodes[1], derived from its name)`,
  },
  { desc: 'name of the wrong type', input: minimal({ name: 42 }), paths: ['name'], fragment: 'expected a string, got a number' },
  { desc: 'nodes not a list', input: minimal({ nodes: { a: 1 } }), paths: ['nodes'], fragment: 'expected a list, got an object' },
  { desc: 'a node that is not an object', input: minimal({ nodes: ['node-a'] }), paths: ['nodes[0]'], fragment: 'expected an object, got a string' },
  { desc: 'mtu as a string', input: minimal({ network: { mtu: '1500' } }), paths: ['network.mtu'], fragment: 'expected an integer' },
  { desc: 'unknown mode', input: minimal({ network: { mode: 'flat' } }), paths: ['network.mode'], fragment: '"flat" is not a networking mode' },
  { desc: 'mtu below 576', input: minimal({ network: { mtu: 500 } }), paths: ['network.mtu'], fragment: 'between 576 and 9216' },
  { desc: 'mtu too small for IPv6 with VXLAN overhead', input: minimal({ podCidrs: ['10.1.0.0/16', 'fd00::/48'], network: { mode: 'vxlan', mtu: 1300 } }), paths: ['network.mtu'], fragment: 'IPv6 needs 1280, so use at least 1350' },
  { desc: 'VNI out of range', input: minimal({ network: { vxlan: { vni: 16777216 } } }), paths: ['network.vxlan.vni'], fragment: 'between 1 and 16777215' },
  { desc: 'VXLAN port 0', input: minimal({ network: { vxlan: { port: 0 } } }), paths: ['network.vxlan.port'], fragment: 'between 1 and 65535' },
  { desc: 'bridge name too long', input: minimal({ network: { bridge: 'a-very-long-bridge' } }), paths: ['network.bridge'], fragment: 'at most 15 characters' },
  { desc: 'node interface with a colon', input: specWith((d) => { d.nodes[0].interface = 'eth0:1'; }), paths: ['nodes[0].interface'], fragment: 'not a valid Linux interface name' },
  { desc: 'node interface named like the bridge', input: specWith((d) => { d.nodes[0].interface = 'cni0'; }), paths: ['nodes[0].interface'], fragment: 'already the bridge device' },
  { desc: 'reserved range of a family without pod CIDR', input: minimal({ reserved: ['fd00::/64'] }), paths: ['reserved[0]'], fragment: 'fd00::/64 is IPv6 but the cluster has no IPv6 pod CIDR' },
  { desc: 'body that is not an object', input: [SPEC_EXAMPLE], paths: [''], fragment: 'expected an object, got a list' },
];

describe('parseClusterDefinition: bad input', () => {
  it('has a corpus of at least 35 cases', () => assert.ok(badCases.length >= 35, String(badCases.length)));

  for (const c of badCases) {
    it(`rejects ${c.desc}`, () => {
      const code = c.code ?? 'VALIDATION_FAILED';
      const err = rejects(() => parseClusterDefinition(c.input), code);
      assert.equal(err.status, code === 'VALIDATION_FAILED' ? 422 : 409);
      const errors = err.errors ?? [];
      for (const path of c.paths) assert.ok(errors.some((e) => e.path === path), `no problem at ${path}: ${JSON.stringify(errors)}`);
      const first = errors.find((e) => e.path === c.paths[0]);
      assert.ok(first?.message.includes(c.fragment), `message at ${c.paths[0]} is ${JSON.stringify(first?.message)}, wanted ${JSON.stringify(c.fragment)}`);
    });
  }

  it('collects every independent problem, not just the first', () => {
    const err = rejects(() => parseClusterDefinition(specWith((d) => {
      d.name = 'Bad_Name';
      d.network.mtu = 100;
      d.pods[0].node = 'nowhere';
    })));
    assert.deepEqual(err.errors?.map((e) => e.path), ['name', 'network.mtu', 'pods[0].node']);
    assert.match(err.message, /^name: "Bad_Name" is not a valid DNS-1123 label.*\(and 2 more; see errors\)$/);
  });

  it('answers 422 when pin conflicts come with other problems', () => {
    const err = rejects(() => parseClusterDefinition(specWith((d) => {
      d.nodes[1].podCidrs = ['10.1.7.0/25'];
      d.name = 'UPPER';
    })));
    assert.equal(err.status, 422);
    assert.deepEqual(err.errors?.map((e) => e.path).sort(), ['name', 'nodes[1].podCidrs[0]']);
  });

  it('lists at most 100 problems and stops at the 101st: the answer is known', () => {
    const nodes = Array.from({ length: 150 }, (_, i) => ({ name: `BAD${i}`, address: `192.168.0.${i + 2}` }));
    const err = rejects(() => parseClusterDefinition(minimal({ nodes })));
    assert.equal(err.errors?.length, 100);
    assert.deepEqual(err.extra, { errorCount: 101, errorsTruncated: true });
    assert.match(err.message, /^nodes\[0\]\.name: .*\(and more: validation stopped after 101 problems; see errors\)$/);
  });

  it('counts every problem when there are at most 100', () => {
    const nodes = Array.from({ length: 30 }, (_, i) => ({ name: `BAD${i}`, address: `192.168.0.${i + 2}` }));
    const err = rejects(() => parseClusterDefinition(minimal({ nodes })));
    assert.equal(err.errors?.length, 30);
    assert.deepEqual(err.extra, { errorCount: 30 });
    assert.match(err.message, /\(and 29 more; see errors\)$/);
  });

  it('never throws anything but AppError, whatever the JSON', () => {
    const junk: unknown[] = [null, undefined, 1, 'x', true, [], {}, { name: null, podCidrs: null }, { name: 'a', podCidrs: [1, null, {}] },
      minimal({ nodes: [null, 1, [], { name: 1, address: 2, addresses: 3, podCidrs: 'x', interface: 5 }] }),
      minimal({ pods: [null, { name: [], namespace: {}, node: 1, ips: [1] }] }), minimal({ subnets: [null, { name: 1, cidr: 2, gateway: 3 }] }),
      minimal({ network: { vxlan: [], mode: 1, mtu: 1.5, bridge: null } }), minimal({ nodeMaskSize: [] }), minimal({ reserved: 'x' })];
    for (const j of junk) rejects(() => parseClusterDefinition(j));
  });
});

describe('parseNodeInput', () => {
  const settings = parseClusterDefinition(SPEC_EXAMPLE);

  it('parses a node by the cluster rules, computing its subnet', () => {
    const n = parseNodeInput({ name: 'node-d', address: '192.168.0.14', interface: 'ens3', podCidrs: ['10.1.9.0/24'] }, settings);
    assert.deepEqual({ ...n, addresses: texts(n.addresses), podCidrs: texts(n.podCidrs) }, { name: 'node-d', addresses: ['192.168.0.14'], interface: 'ens3', podCidrs: ['10.1.9.0/24'], subnet: 'rack1' });
  });

  it('reports paths relative to the node', () => {
    const err = rejects(() => parseNodeInput({ name: 'Node', address: '172.16.0.1', extra: 1 }, settings));
    assert.deepEqual(err.errors?.map((e) => e.path), ['extra', 'name', 'address']);
  });

  it('answers 409 POD_CIDR_CONFLICT for a pin on a reserved range', () => {
    const err = rejects(() => parseNodeInput({ name: 'n', address: '192.168.0.20', podCidrs: ['10.1.255.0/24'] }, settings), 'POD_CIDR_CONFLICT');
    assert.equal(err.status, 409);
    assert.equal(err.errors?.[0]?.path, 'podCidrs[0]');
  });
});

describe('parsePodInput', () => {
  it('defaults the namespace', () => {
    assert.deepEqual(parsePodInput({ name: 'web', node: 'node-a' }), { namespace: 'default', name: 'web', node: 'node-a', ips: [] });
  });

  it('rejects bad names, a missing node and two IPs of a family', () => {
    const err = rejects(() => parsePodInput({ name: 'Web', ips: ['10.1.0.5', '10.1.0.6'] }));
    assert.deepEqual(err.errors?.map((e) => e.path), ['name', 'node', 'ips[1]']);
  });
});

describe('clusterSettingsEqual', () => {
  const a = parseClusterDefinition(SPEC_EXAMPLE);

  it('is true for the same settings, whatever the order of subnets and reserved ranges', () => {
    const b = parseClusterDefinition(specWith((d) => {
      d.subnets = [{ name: 'rack2', cidr: '192.168.1.0/24' }, ...d.subnets];
      d.reserved = ['10.1.254.0/24', '10.1.255.0/24'];
    }));
    const c = parseClusterDefinition(specWith((d) => {
      d.subnets = [...d.subnets, { name: 'rack2', cidr: '192.168.1.0/24' }];
      d.reserved = ['10.1.255.0/24', '10.1.254.0/24'];
      d.nodes = [];
      d.pods = [];
    }));
    assert.ok(clusterSettingsEqual(a, parseClusterDefinition(SPEC_EXAMPLE)));
    assert.ok(clusterSettingsEqual(b, c));
  });

  const changes: [string, (d: Record<string, any>) => void][] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
    ['mtu', (d) => { d.network.mtu = 1450; }],
    ['mode', (d) => { d.network.mode = 'vxlan'; }],
    ['vni', (d) => { d.network.vxlan = { vni: 2 }; }],
    ['service CIDR', (d) => { delete d.serviceCidr; }],
    ['gateway', (d) => { d.subnets[0].gateway = '192.168.0.254'; }],
    ['reserved', (d) => { d.reserved = []; }],
    // node-c's IPv6 address goes too: with IPv6 pods and only IPv4 subnets it would be a 422 (SPEC §1).
    ['pod CIDR order', (d) => { d.podCidrs = ['fd00::/48', '10.1.0.0/16']; d.nodes[2].addresses = ['192.168.0.13']; }],
    ['IPv6 mask', (d) => { d.nodeMaskSize = { ipv4: 24, ipv6: 56 }; }],
  ];
  for (const [what, change] of changes) {
    it(`is false when the ${what} changes`, () => assert.equal(clusterSettingsEqual(a, parseClusterDefinition(specWith(change))), false));
  }
});

describe('scale (SPEC §9 k8s-5k)', () => {
  it('parses 5,000 nodes in 20 subnets and 150,000 pods', (t) => {
    const subnets = Array.from({ length: 20 }, (_, s) => ({ name: `rack${s}`, cidr: `172.16.${s}.0/24`, gateway: `172.16.${s}.1` }));
    const nodes = Array.from({ length: 5000 }, (_, i) => ({ name: `node-${i}`, address: `172.16.${Math.floor(i / 250)}.${(i % 250) + 2}` }));
    const pods = Array.from({ length: 150_000 }, (_, i) => ({ name: `pod-${i}`, namespace: `ns-${i % 50}`, node: `node-${i % 5000}` }));
    const text = JSON.stringify({ name: 'k8s-5k', podCidrs: ['10.0.0.0/11'], network: { mode: 'cross-subnet' }, subnets, nodes, pods });
    const floorStart = performance.now();
    const body = JSON.parse(text) as unknown; // the floor: what the REST layer spends on the body anyway
    const floor = performance.now() - floorStart;
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const d: ClusterDefinition = parseClusterDefinition(body);
    const ms = performance.now() - start;
    const cpu = process.cpuUsage(cpu0);
    t.diagnostic(`parseClusterDefinition(5,000 nodes, 150,000 pods): ${ms.toFixed(0)} ms wall, ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms CPU; JSON.parse of the body: ${floor.toFixed(0)} ms`);
    assert.equal(d.nodes.length, 5000);
    assert.equal(d.pods.length, 150_000);
    assert.equal(d.nodes[4999]?.subnet, 'rack19');
  });
});
