import { parseClusterDefinition } from './src/service/definition.js';
const subnets = Array.from({ length: 20 }, (_, s) => ({ name: `rack${s}`, cidr: `172.16.${s}.0/24`, gateway: `172.16.${s}.1` }));
const nodes = Array.from({ length: 5000 }, (_, i) => ({ name: `node-${i}`, address: `172.16.${Math.floor(i / 250)}.${(i % 250) + 2}` }));
const pods = Array.from({ length: 150_000 }, (_, i) => ({ name: `pod-${i}`, namespace: `ns-${i % 50}`, node: `node-${i % 5000}` }));
const body = JSON.parse(JSON.stringify({ name: 'k8s-5k', podCidrs: ['10.0.0.0/11'], network: { mode: 'cross-subnet' }, subnets, nodes, pods }));
for (let k = 0; k < 5; k++) { const t = performance.now(); parseClusterDefinition(body); console.log((performance.now() - t).toFixed(0), 'ms'); }
for (let k = 0; k < 3; k++) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  parseClusterDefinition(body);
  const c = process.cpuUsage(c0); console.log('parse cpu', ((c.user + c.system) / 1000).toFixed(0), 'wall', (performance.now() - t0).toFixed(0));
  const c1 = process.cpuUsage(); const m = new Map(); for (const p of body.pods) m.set(`${p.namespace}/${p.name}`, p); const cc = process.cpuUsage(c1);
  console.log('floor (one Map of refs) cpu', ((cc.user + cc.system) / 1000).toFixed(0));
}
