// What the console tests run against: the compiled console, and one small
// cluster per mode (two racks of two nodes, pods on three of them).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

export type Mode = 'host-gw' | 'vxlan' | 'ipip' | 'cross-subnet' | 'bgp';

/** Where the suite leaves its screenshots (ignored by git; docs/ holds the chosen ones). */
export const SCREENSHOTS = path.resolve('tmp', 'screenshots');

/** Compiles the browser modules, as the build does, so the test sees the console of these sources. */
export function buildConsole(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'src/ui/client/tsconfig.json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `the console does not compile:\n${r.stdout}${r.stderr}`);
}

/** demo-MODE; the vxlan one is dual-stack, so its pages show both families. */
export function clusterOf(mode: Mode) {
  const dual = mode === 'vxlan';
  const addr = (v4: string, v6: string) => (dual ? [v4, v6] : [v4]);
  return {
    name: `demo-${mode}`,
    podCidrs: dual ? ['10.1.0.0/16', 'fd00:10:1::/48'] : ['10.1.0.0/16'],
    network: { mode },
    subnets: [
      { name: 'rack1', cidr: '192.168.0.0/24', gateway: '192.168.0.1' },
      { name: 'rack2', cidr: '192.168.1.0/24', gateway: '192.168.1.1' },
      ...(dual ? [{ name: 'rack1-v6', cidr: 'fd00:ff::/64', gateway: 'fd00:ff::1' }, { name: 'rack2-v6', cidr: 'fd00:ff:0:1::/64', gateway: 'fd00:ff:0:1::1' }] : []),
    ],
    nodes: [
      { name: 'node-a', addresses: addr('192.168.0.11', 'fd00:ff::11') },
      { name: 'node-b', addresses: addr('192.168.0.12', 'fd00:ff::12') },
      { name: 'node-c', addresses: addr('192.168.1.13', 'fd00:ff:0:1::13') },
      { name: 'node-d', addresses: addr('192.168.1.14', 'fd00:ff:0:1::14') },
    ],
    pods: [
      { name: 'web', namespace: 'shop', node: 'node-a' },
      { name: 'api', namespace: 'shop', node: 'node-a' },
      { name: 'db', node: 'node-b' },
      { name: 'cache', node: 'node-b' },
      { name: 'far', node: 'node-c' },
      { name: 'batch', node: 'node-c' },
    ],
  };
}
