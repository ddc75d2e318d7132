const pods = JSON.parse(JSON.stringify(Array.from({ length: 150_000 }, (_, i) => ({ name: `pod-${i}`, namespace: `ns-${i % 50}`, node: `node-${i % 5000}` })))) as Record<string, unknown>[];
const SUB = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const KNOWN = new Set(['name','namespace','node','ips']);
function time(label: string, f: () => void) { const t = performance.now(); f(); console.log(label, (performance.now() - t).toFixed(1)); }
for (let k = 0; k < 2; k++) {
time('keys', () => { let n = 0; for (const o of pods) for (const key of Object.keys(o)) if (!KNOWN.has(key)) n++; });
time('forin', () => { let n = 0; for (const o of pods) for (const key in o) if (!KNOWN.has(key)) n++; });
time('regex', () => { let n = 0; for (const o of pods) { if (SUB.test(o.name as string)) n++; if (SUB.test(o.node as string)) n++; } });
time('paths', () => { const a: string[] = []; pods.forEach((o, i) => { const base = `pods[${i}]`; a.push(base + '.name'); }); });
time('refs', () => { const m = new Map<string, number>(); pods.forEach((o, i) => { const r = `${o.namespace}/${o.name}`; if (!m.has(r)) m.set(r, i); }); });
time('objs', () => { const out: unknown[] = []; pods.forEach((o) => { out.push({ def: { namespace: o.namespace, name: o.name, node: o.node, ips: [] }, ok: true, ips: [] }); }); });
}
