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
import { parseEndpoint } from '../../src/net/trace.js';
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
