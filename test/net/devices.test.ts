import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DEFAULT_NETWORK, MODES, type Mode } from '../../src/net/model.js';
import {
  ipipDevice, modeOverhead, nodeVtepMac, parseMac, podDeviceMtu, podMtu, podMtus, tunnelMtu, vethName, vtepMac, vxlanDevice,
} from '../../src/net/devices.js';
import { NetError } from '../../src/net/ip.js';

test('vethName is veth + 8 hex of sha256(namespace/name), stable and within IFNAMSIZ', () => {
  const want = 'veth' + createHash('sha256').update('shop/web').digest('hex').slice(0, 8);
  assert.equal(vethName('shop', 'web'), want);
  assert.equal(vethName('shop', 'web'), vethName('shop', 'web'));
  assert.match(vethName('default', 'db'), /^veth[0-9a-f]{8}$/);
  assert.notEqual(vethName('shop', 'web'), vethName('shop', 'web2'));
  assert.ok(vethName('x', 'y').length <= 15);
});

test('vtepMac is deterministic, locally administered and unicast', () => {
  for (const name of ['node-a', 'node-b', 'n1', 'worker-0001.example.com']) {
    const mac = vtepMac(name);
    assert.match(mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    const first = parseInt(mac.slice(0, 2), 16);
    assert.equal(first & 0x02, 0x02, `${mac} is locally administered`);
    assert.equal(first & 0x01, 0, `${mac} is unicast`);
    assert.equal(vtepMac(name), mac);
  }
  assert.notEqual(vtepMac('node-a'), vtepMac('node-b'));
  // The first six bytes of sha256(name), the first with 0x02 set and 0x01 cleared: stable across releases,
  // so that a cluster planned before keeps its MACs.
  assert.equal(vtepMac('node-1'), '36:97:1b:e6:e9:bb');
  assert.equal(vtepMac('worker-a'), '6a:65:e2:37:ae:44');
  assert.equal(vtepMac('ünïcode'), 'ba:be:89:67:e4:de');
});

test('parseMac: unicast MACs in canonical form; everything else refused, quoting the input', () => {
  const ok: [string, string][] = [
    ['5e:1a:2b:3c:4d:01', '5e:1a:2b:3c:4d:01'],
    ['5E:1A:2B:3C:4D:01', '5e:1a:2b:3c:4d:01'],
    ['5e-1a-2b-3c-4d-01', '5e:1a:2b:3c:4d:01'],
    ['00:16:3e:00:00:01', '00:16:3e:00:00:01'], // globally administered is fine: real NICs' MACs
  ];
  for (const [input, want] of ok) assert.equal(parseMac(input), want, input);
  const bad: [string, string][] = [
    ['', 'MAC_SYNTAX'], ['5e:1a:2b:3c:4d', 'MAC_SYNTAX'], ['5e:1a:2b:3c:4d:01:02', 'MAC_SYNTAX'], ['5e:1a-2b:3c:4d:01', 'MAC_SYNTAX'],
    ['5e1a.2b3c.4d01', 'MAC_SYNTAX'], ['5e:1a:2b:3c:4d:0g', 'MAC_SYNTAX'], [' 5e:1a:2b:3c:4d:01', 'MAC_SYNTAX'], ['5:1a:2b:3c:4d:01', 'MAC_SYNTAX'],
    ['01:00:5e:00:00:01', 'MAC_MULTICAST'], ['33:33:00:00:00:01', 'MAC_MULTICAST'], ['ff:ff:ff:ff:ff:ff', 'MAC_MULTICAST'],
    ['00:00:00:00:00:00', 'MAC_ZERO'],
  ];
  for (const [input, code] of bad) {
    assert.throws(() => parseMac(input), (e: unknown) => e instanceof NetError && e.code === code && e.message.startsWith(`ParseMAC(${JSON.stringify(input)})`), input);
  }
});

test('nodeVtepMac: the pinned MAC, else the derived one', () => {
  assert.equal(nodeVtepMac({ name: 'node-a' }), vtepMac('node-a'));
  assert.equal(nodeVtepMac({ name: 'node-a', vtepMac: '5e:1a:2b:3c:4d:01' }), '5e:1a:2b:3c:4d:01');
});

test('pod MTU is the underlay MTU minus the mode overhead in the family that carries the tunnel (SPEC §1)', () => {
  const want: Record<Mode, { 4: number; 6: number }> = {
    'host-gw': { 4: 1500, 6: 1500 }, bgp: { 4: 1500, 6: 1500 },
    vxlan: { 4: 1450, 6: 1430 }, 'cross-subnet': { 4: 1450, 6: 1430 }, ipip: { 4: 1480, 6: 1460 },
  };
  for (const mode of MODES) {
    for (const f of [4, 6] as const) {
      assert.equal(podMtu({ ...DEFAULT_NETWORK, mode }, f), want[mode][f], `${mode} IPv${f}`);
      assert.equal(podMtu({ ...DEFAULT_NETWORK, mode }, f) + modeOverhead(mode, f), 1500);
    }
    assert.deepEqual(podMtus({ ...DEFAULT_NETWORK, mode }, [4, 6]), { ipv4: want[mode][4], ipv6: want[mode][6] });
    assert.equal(podDeviceMtu({ ...DEFAULT_NETWORK, mode }, [6, 4]), want[mode][4], 'the devices carry the larger of the two');
  }
  assert.equal(podMtu({ ...DEFAULT_NETWORK, mode: 'vxlan', mtu: 9000 }, 4), 8950);
  assert.equal(tunnelMtu(DEFAULT_NETWORK, 'vxlan', 4), 1450);
  assert.equal(tunnelMtu(DEFAULT_NETWORK, 'vxlan', 6), 1430);
  assert.equal(tunnelMtu(DEFAULT_NETWORK, 'ipip', 4), 1480);
  assert.equal(tunnelMtu(DEFAULT_NETWORK, 'ipip', 6), 1460);
});

test('tunnel devices per family', () => {
  assert.equal(vxlanDevice(DEFAULT_NETWORK, 4), 'flannel.1');
  assert.equal(vxlanDevice(DEFAULT_NETWORK, 6), 'flannel-v6.1');
  assert.equal(vxlanDevice({ ...DEFAULT_NETWORK, vxlan: { device: 'vx0', vni: 7, port: 4789 } }, 4), 'vx0');
  assert.equal(ipipDevice(4), 'tunl0');
  assert.equal(ipipDevice(6), 'ip6tnl0');
});
