import { parseClusterDefinition } from './src/service/definition.js';
const subnets = Array.from({ length: 20 }, (_, s) => ({ name: `rack${s}`, cidr: `172.16.${s}.0/24`, gateway: `172.16.${s}.1` }));
const nodes = Array.from({ length: 5000 }, (_, i) => ({ name: `node-${i}`, address: `172.16.${Math.floor(i / 250)}.${(i % 250) + 2}` }));
const pods = Array.from({ length: 150_000 }, (_, i) => ({ name: `pod-${i}`, namespace: `ns-${i % 50}`, node: `node-${i % 5000}` }));
const full = JSON.parse(JSON.stringify({ name: 'k8s-5k', podCidrs: ['10.0.0.0/11'], network: { mode: 'cross-subnet' }, subnets, nodes, pods }));
const noPods = { ...full, pods: [] };
const cpu = (f: () => void) => { const c0 = process.cpuUsage(); f(); const c = process.cpuUsage(c0); return ((c.user + c.system) / 1000).toFixed(0); };
for (let k = 0; k < 4; k++) {
  const a = cpu(() => parseClusterDefinition(noPods));
  const b = cpu(() => parseClusterDefinition(full));
  const fl = cpu(() => { const m = new Map(); for (const p of full.pods) m.set(`${p.namespace}/${p.name}`, p); const o = []; for (const p of full.pods) o.push({ namespace: p.namespace, name: p.name, node: p.node, ips: [] }); });
  console.log('nodes only', a, 'full', b, 'floor (ref map + output objects)', fl);
}
