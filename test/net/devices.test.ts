import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { DEFAULT_NETWORK, MODES, type Mode } from '../../src/net/model.js';
import { ipipDevice, modeOverhead, podMtu, tunnelMtu, vethName, vtepMac, vxlanDevice } from '../../src/net/devices.js';

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
});

test('pod MTU is the underlay MTU minus the mode overhead', () => {
  const want: Record<Mode, number> = { 'host-gw': 1500, bgp: 1500, vxlan: 1450, 'cross-subnet': 1450, ipip: 1480 };
  for (const mode of MODES) {
    assert.equal(podMtu({ ...DEFAULT_NETWORK, mode }), want[mode], mode);
    assert.equal(podMtu({ ...DEFAULT_NETWORK, mode }) + modeOverhead(mode), 1500);
  }
  assert.equal(podMtu({ ...DEFAULT_NETWORK, mode: 'vxlan', mtu: 9000 }), 8950);
  assert.equal(tunnelMtu(DEFAULT_NETWORK, 'vxlan'), 1450);
  assert.equal(tunnelMtu(DEFAULT_NETWORK, 'ipip'), 1480);
});

test('tunnel devices per family', () => {
  assert.equal(vxlanDevice(DEFAULT_NETWORK, 4), 'flannel.1');
  assert.equal(vxlanDevice(DEFAULT_NETWORK, 6), 'flannel-v6.1');
  assert.equal(vxlanDevice({ ...DEFAULT_NETWORK, vxlan: { device: 'vx0', vni: 7, port: 4789 } }, 4), 'vx0');
  assert.equal(ipipDevice(4), 'tunl0');
  assert.equal(ipipDevice(6), 'ip6tnl0');
});
