// Path endpoints (SPEC §4): `ns/name` or `name` (a pod), `node:NAME` (the
// node's host namespace), or an IP literal (whatever owns it: a pod, a node,
// a subnet gateway, or an address outside the cluster).
import { Addr, type Family, NetError, Prefix } from './ip.js';
import { quoted } from './clip.js';
import type { Datapath } from './datapath.js';
import { isDnsLabel, isDnsSubdomain } from './names.js';
import type { NodeFacts, PodFacts, SubnetFacts } from './routes.js';

/** A parsed endpoint before a family is chosen. `literal` is set when given as an IP. */
export type Target =
  | { kind: 'pod'; pod: PodFacts; literal: Addr | null }
  | { kind: 'node'; node: NodeFacts; literal: Addr | null }
  | { kind: 'router'; subnet: SubnetFacts; literal: Addr }
  | { kind: 'external'; literal: Addr };

export const endpointError = (code: string, input: string, why: string): NetError =>
  new NetError(code, input, `endpoint ${quoted(input)}: ${why}`);

const SPECIAL: [Prefix, string][] = ([
  ['127.0.0.0/8', 'a loopback address: the sender\'s own lo delivers it, it never leaves its namespace'],
  ['::1/128', 'the loopback address: the sender\'s own lo delivers it, it never leaves its namespace'],
  ['0.0.0.0/32', 'the unspecified address: no packet is sent to it (Linux connects it to the sender\'s own lo)'],
  ['::/128', 'the unspecified address: no packet is sent to it (Linux connects it to the sender\'s own lo)'],
  ['255.255.255.255/32', 'the limited broadcast address: it stays on the sender\'s link, no route or router forwards it'],
  ['224.0.0.0/4', 'a multicast address: podnet traces unicast paths only'],
  ['ff00::/8', 'a multicast address: podnet traces unicast paths only'],
] as const).map(([p, why]) => [Prefix.parse(p), why]);

/** Why a packet to or from `ip` has no path to trace (loopback, unspecified, limited broadcast, multicast), or null. */
function specialAddress(ip: Addr): string | null {
  for (const [p, why] of SPECIAL) if (p.contains(ip)) return why;
  return null;
}

/**
 * Parses `ns/name` or `name` (a pod), `node:NAME`, or an IP literal. Throws
 * NetError 'INVALID_ENDPOINT' for text that is none of these, and
 * 'ENDPOINT_NOT_FOUND' for a well-formed name that names nothing (or, for a
 * bare pod name, several pods).
 */
export function parseEndpoint(dp: Datapath, s: string): Target {
  if (s.startsWith('node:')) {
    const name = s.slice(5);
    if (!isDnsSubdomain(name)) throw endpointError('INVALID_ENDPOINT', s, 'not a valid node name');
    const node = dp.node(name);
    if (!node) throw endpointError('ENDPOINT_NOT_FOUND', s, `no node named ${JSON.stringify(name)}`);
    return { kind: 'node', node, literal: null };
  }
  const ip = Addr.tryParse(s);
  if (ip) {
    const special = specialAddress(ip);
    if (special && !dp.owner(ip)) throw endpointError('INVALID_ENDPOINT', s, special);
    return targetOfIp(dp, ip);
  }
  // A pod is looked up first and the text checked only when none is found:
  // every stored pod's namespace and name are DNS names (the definition
  // reader sees to it), so a text that names one is well formed, and the
  // checks decide only which error a miss gets.
  const slash = s.indexOf('/');
  if (slash >= 0) {
    const pod = dp.pod(s);
    if (pod) return { kind: 'pod', pod, literal: null };
    if (!isDnsLabel(s.slice(0, slash)) || !isDnsSubdomain(s.slice(slash + 1))) {
      throw endpointError('INVALID_ENDPOINT', s, 'want ns/name, name, node:NAME or an IP address');
    }
    throw endpointError('ENDPOINT_NOT_FOUND', s, `no pod ${s}`);
  }
  const pod = dp.pod(s);
  if (pod) return { kind: 'pod', pod, literal: null };
  if (!isDnsSubdomain(s)) throw endpointError('INVALID_ENDPOINT', s, 'want ns/name, name, node:NAME or an IP address');
  const refs = dp.podRefsNamed(s);
  if (refs.length > 1) throw endpointError('ENDPOINT_NOT_FOUND', s, `several pods have this name (${refs.slice(0, 5).join(', ')}); use ns/name`);
  const hint = dp.node(s) ? `; for the node, use node:${s}` : '';
  throw endpointError('ENDPOINT_NOT_FOUND', s, `no pod named ${JSON.stringify(s)}${hint}`);
}

export function targetOfIp(dp: Datapath, ip: Addr): Target {
  const o = dp.owner(ip);
  if (!o) {
    // A block's broadcast or anycast address: its node's host receives it.
    const host = dp.blockHost(ip);
    return host ? { kind: 'node', node: host, literal: ip } : { kind: 'external', literal: ip };
  }
  switch (o.kind) {
    case 'pod': return { kind: 'pod', pod: o.pod, literal: ip };
    case 'node':
    case 'gateway': return { kind: 'node', node: o.node, literal: ip };
    case 'router': return { kind: 'router', subnet: o.subnet, literal: ip };
  }
}

/** The target's address in `family`: the literal, a pod's IP, a node's underlay address (else its bridge gateway). */
export function addressOf(t: Target, family: Family): Addr | null {
  if (t.literal) return t.literal.family === family ? t.literal : null;
  if (t.kind === 'pod') return t.pod.ip(family);
  if (t.kind === 'node') return t.node.fam[family].addr ?? t.node.fam[family].gateway;
  return null;
}

