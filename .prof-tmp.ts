import { parseClusterDefinition } from './src/service/definition.js';
const subnets = Array.from({ length: 20 }, (_, s) => ({ name: `rack${s}`, cidr: `172.16.${s}.0/24`, gateway: `172.16.${s}.1` }));
const nodes = Array.from({ length: 5000 }, (_, i) => ({ name: `node-${i}`, address: `172.16.${Math.floor(i / 250)}.${(i % 250) + 2}` }));
const pods = Array.from({ length: 150_000 }, (_, i) => ({ name: `pod-${i}`, namespace: `ns-${i % 50}`, node: `node-${i % 5000}` }));
const body = JSON.parse(JSON.stringify({ name: 'k8s-5k', podCidrs: ['10.0.0.0/11'], network: { mode: 'cross-subnet' }, subnets, nodes, pods }));
for (let k = 0; k < 5; k++) { const t = performance.now(); parseClusterDefinition(body); console.log((performance.now() - t).toFixed(0), 'ms'); }
