// The generated scripts applied to a real kernel, in a throwaway network
// namespace: they must apply (twice: they are idempotent), and the kernel's
// `ip route show` / `ip -6 route show` must print exactly our text format.
// Skipped where network namespaces cannot be made (not root, no iproute2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDatapath } from '../../src/net/datapath.js';
import type { Mode } from '../../src/net/model.js';
import { formatFdbScript, formatRoutesScript, formatRoutesText } from '../../src/net/routes.js';
import { buildTopology, threeNodes } from './fixtures.js';

const NS = `podnet-test-${process.pid}`;
const run = (...args: string[]): string => execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const inNs = (...args: string[]): string => run('ip', 'netns', 'exec', NS, ...args);

function can(...args: string[]): boolean {
  try {
    run(...args);
    return true;
  } catch {
    return false;
  }
}

const hasNetns = can('ip', 'netns', 'add', NS) && can('ip', 'netns', 'del', NS);
const hasVxlan = hasNetns && (() => {
  run('ip', 'netns', 'add', NS);
  try {
    return can('ip', 'netns', 'exec', NS, 'ip', 'link', 'add', 'vx0', 'type', 'vxlan', 'id', '1', 'dstport', '8472')
      && can('ip', 'netns', 'exec', NS, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
  } finally {
    run('ip', 'netns', 'del', NS);
  }
})();

const NODES = {
  a: { a4: '192.168.0.11/24', a6: 'fd00:ff::11/64', g4: '10.1.1.1/24', g6: 'fd00:10:1:1::1/64' },
  c: { a4: '192.168.1.13/24', a6: 'fd00:ff:0:1::13/64', g4: '10.1.3.1/24', g6: 'fd00:10:1:3::1/64' },
};

for (const mode of ['host-gw', 'vxlan', 'cross-subnet', 'bgp'] as Mode[]) {
  for (const node of ['a', 'c'] as const) {
    test(`kernel: ${mode} dual-stack node ${node}: the script applies twice and ip route prints our text`, { skip: !hasVxlan && 'needs root, iproute2, veth, bridge and vxlan' }, (t) => {
      const dp = buildDatapath(buildTopology(threeNodes(mode, 'dual')));
      const table = dp.nodeRoutes(node)!;
      const dir = mkdtempSync(join(tmpdir(), 'podnet-'));
      run('ip', 'netns', 'add', NS);
      t.after(() => {
        run('ip', 'netns', 'del', NS);
        rmSync(dir, { recursive: true });
      });
      const n = NODES[node];
      inNs('ip', 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p');
      inNs('ip', 'link', 'set', 'eth0p', 'up');
      inNs('ip', 'link', 'set', 'eth0', 'up');
      inNs('ip', 'addr', 'add', n.a4, 'dev', 'eth0');
      inNs('ip', 'addr', 'add', n.a6, 'dev', 'eth0', 'nodad');
      inNs('ip', 'link', 'add', 'cni0', 'type', 'bridge');
      inNs('ip', 'link', 'set', 'cni0', 'up');
      inNs('ip', 'addr', 'add', n.g4, 'dev', 'cni0');
      inNs('ip', 'addr', 'add', n.g6, 'dev', 'cni0', 'nodad');
      if (mode === 'vxlan' || mode === 'cross-subnet') {
        for (const [dev, local] of [['flannel.1', n.a4], ['flannel-v6.1', n.a6]] as const) {
          inNs('ip', 'link', 'add', dev, 'type', 'vxlan', 'id', '1', 'local', local.split('/')[0]!, 'dev', 'eth0', 'dstport', '8472', 'nolearning');
          inNs('ip', 'link', 'set', dev, 'up');
        }
      }
      const ipBatch = join(dir, 'routes.batch');
      const fdbBatch = join(dir, 'fdb.batch');
      writeFileSync(ipBatch, formatRoutesScript(table));
      writeFileSync(fdbBatch, formatFdbScript(table));
      for (let i = 0; i < 2; i++) {
        inNs('ip', '-batch', ipBatch);
        if (table.fdb.length > 0) inNs('bridge', '-batch', fdbBatch);
      }
      const v4 = inNs('ip', 'route', 'show').split('\n').map((l) => l.trimEnd()).filter(Boolean);
      const v6 = inNs('ip', '-6', 'route', 'show').split('\n').map((l) => l.trimEnd()).filter((l) => l && !l.startsWith('fe80::/64'));
      assert.deepEqual([...v4, ...v6], formatRoutesText(table).trimEnd().split('\n'));
      const neigh = inNs('ip', 'neigh', 'show', 'nud', 'permanent');
      for (const e of table.neighbors) assert.match(neigh, new RegExp(`^${e.dst.toString()} dev ${e.dev} lladdr ${e.lladdr} PERMANENT`, 'm'));
      for (const e of table.fdb) {
        assert.match(inNs('bridge', 'fdb', 'show', 'dev', e.dev), new RegExp(`^${e.mac} dst ${e.dst.toString()} self permanent`, 'm'));
      }
    });
  }
}
