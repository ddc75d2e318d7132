// The pods of a definition: names, their node, and pinned IPs that fit the
// node's pinned block and are pinned once.
import { StringKeyIndex } from '../../net/hash-index.js';
import type { Addr, Family, Prefix } from '../../net/ip.js';
import { podIpProblem } from '../../net/podip.js';
import type { PodDefinition } from './types.js';
import { ItemPath, at, famName, fields, isAbsent, readAddr, readName, readObject, readOptionalList, readPerFamilyList, type Base, type Located } from './json.js';
import type { NodeEntry, NodeRules } from './nodes.js';
import type { Problems } from './problems.js';

const POD_FIELDS = fields(['name', 'namespace', 'node', 'ips'], ['ref', 'vethName']);

const POD_IP_CONFLICT = 'POD_IP_CONFLICT';

const NO_IPS: readonly Located<Addr>[] = Object.freeze([]);

/** Names already known to be valid: a definition's nodes, and the namespaces seen so far (pods repeat them). */
interface KnownNames { nodes: Map<string, NodeEntry>; namespaces: Set<string> }

export function readPod(p: Problems, v: unknown, base: Base, known?: KnownNames): { def: PodDefinition; ok: boolean; ips: readonly Located<Addr>[] } | null {
  const o = readObject(p, v, base, POD_FIELDS);
  if (!o) return null;
  const name = readName(p, o.name, base, 'name', 'subdomain');
  const ns = o.namespace;
  const namespace = isAbsent(ns) ? 'default' : typeof ns === 'string' && known?.namespaces.has(ns) ? ns : readName(p, ns, base, 'namespace', 'label');
  if (namespace !== undefined) known?.namespaces.add(namespace);
  const node = typeof o.node === 'string' && known?.nodes.has(o.node) ? o.node : readName(p, o.node, base, 'node', 'subdomain');
  const ips = isAbsent(o.ips) ? NO_IPS : readPerFamilyList(p, o.ips, at(base, 'ips'), 0, 'IP', readAddr);
  const ok = name !== undefined && namespace !== undefined && node !== undefined;
  return { def: { namespace: namespace ?? '', name: name ?? '', node: node ?? '', ips: ips.length ? ips.map((x) => x.value) : [] }, ok, ips };
}

export function readPods(p: Problems, v: unknown, nodes: { byName: Map<string, NodeEntry> }, rules: NodeRules): PodDefinition[] {
  const out: PodDefinition[] = [];
  const list = readOptionalList(p, v, 'pods');
  // Duplicates by name, the namespace checked on a match: no "ns/name"
  // string built and hashed per pod (150,000 of them). `firstAt[k]`: where
  // out[k] is in the list, or -1 when it is not a valid reference.
  const firstAt: number[] = [];
  const valid = new StringKeyIndex((k) => out[k]!.name, list.length);
  const pinned: Record<Family, Map<bigint, { index: number; ref: string }>> = { 4: new Map(), 6: new Map() };
  const known: KnownNames = { nodes: nodes.byName, namespaces: new Set() };
  list.forEach((x, index) => {
    const base = new ItemPath('pods', index);
    const r = readPod(p, x, base, known);
    if (!r) return;
    const { def } = r;
    let unique = false;
    if (r.ok) {
      const first = valid.find(def.name, (k) => out[k]!.namespace === def.namespace);
      if (first >= 0) p.add(at(base, 'name'), `duplicate pod "${podRef(def)}" (first at pods[${firstAt[first]}])`);
      else unique = true;
    }
    const ref = r.ips.length > 0 ? podRef(def) : '';
    const node = def.node ? nodes.byName.get(def.node) : undefined;
    if (def.node && !node) p.add(at(base, 'node'), `unknown node "${def.node}"`);
    for (const { value: ip, path } of r.ips) {
      const f = ip.family;
      const range = rules.podCidr[f];
      if (!range) {
        p.add(path, `${ip.toString()} is ${famName(f)} but the cluster has no ${famName(f)} pod CIDR`);
        continue;
      }
      const block = node?.def.podCidrs.find((b) => b.family === f);
      const why = block ? pinnedPodIpProblem(ip, block) : range.contains(ip) ? null : `${ip.toString()} is not inside the ${famName(f)} pod CIDR ${range.toString()}`;
      if (why) p.add(path, why, POD_IP_CONFLICT);
      const owner = pinned[f].get(ip.value);
      if (owner) p.add(path, `${ip.toString()} is already pinned by pod "${owner.ref}" (pods[${owner.index}])`, POD_IP_CONFLICT);
      else pinned[f].set(ip.value, { index, ref });
    }
    out.push(def);
    firstAt.push(unique ? index : -1);
    if (unique) valid.add(out.length - 1);
  });
  return out;
}

/** Why `ip` cannot be a pod IP in the node's pinned block `block` (SPEC §2, podIpProblem), or null. */
function pinnedPodIpProblem(ip: Addr, block: Prefix): string | null {
  const why = podIpProblem(ip, block);
  if (!why) return null;
  return `${ip.toString()} ${why.reason === 'OUTSIDE_BLOCK' ? `is not inside the node's pinned block ${block.toString()}` : why.message}`;
}

/** A pod's reference, `namespace/name`. */
export function podRef(p: { namespace: string; name: string }): string {
  return `${p.namespace}/${p.name}`;
}
