// SPEC §11: turns kubectl's v1 Lists of Nodes and Pods into a cluster
// definition in which every allocation is pinned, so that the ordinary
// declarative apply adopts the live cluster and re-importing changes nothing.
import { clip, QUOTED_MAX } from '../net/clip.js';
import { Addr, Prefix } from '../net/ip.js';
import type { ApplyResult, ClusterService } from './clusters.js';
import { parseClusterDefinition } from './definition.js';
import { AppError, type FieldProblem } from './errors.js';

export interface Skipped { ref: string; reason: string }
export interface Imported {
  definition: Record<string, unknown>; skipped: Skipped[]; nodeRefs: string[]; podRefs: string[];
  /** What the live cluster gets wrong that the apply would only report as a 409 (two pods with one IP) or not per pod. */
  problems: { path: string; message: string }[];
}

type Obj = Record<string, unknown>;
const FLANNEL = 'flannel.alpha.coreos.com/';
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function items(list: unknown, kind: string, path: string): Obj[] {
  const l = obj(list);
  if (list === undefined || list === null) return [];
  // kubectl prints a List; the API server itself answers a NodeList / PodList.
  if ((l.kind !== 'List' && l.kind !== `${kind}List`) || !Array.isArray(l.items)) {
    throw new AppError('VALIDATION_FAILED', `${path} must be a v1 List (kubectl get ${kind.toLowerCase()}s -o json)`, { errors: [{ path, message: 'must be {"apiVersion":"v1","kind":"List","items":[…]}' }] });
  }
  return l.items.map(obj);
}

const family = (s: string): 4 | 6 | null => Addr.tryParse(s)?.family ?? null;

/** One address per family, IPv4 first; Flannel's public-ip annotations win. */
function nodeAddresses(status: Obj, ann: Obj): string[] {
  const byFam = new Map<number, string>();
  for (const a of arr(status.addresses).map(obj)) {
    const ip = str(a.address);
    const f = ip && a.type === 'InternalIP' ? family(ip) : null;
    if (ip && f && !byFam.has(f)) byFam.set(f, ip);
  }
  for (const [key, f] of [['public-ip', 4], ['public-ipv6', 6]] as const) {
    const ip = str(ann[FLANNEL + key]);
    if (ip && family(ip) === f) byFam.set(f, ip);
  }
  return [4, 6].flatMap((f) => (byFam.has(f) ? [byFam.get(f)!] : []));
}

function backendData(ann: Obj, key = 'backend-data'): Obj {
  const raw = str(ann[FLANNEL + key]);
  if (!raw) return {};
  try {
    return obj(JSON.parse(raw));
  } catch {
    return {};
  }
}

/** The smallest prefix of `f` holding every block (the suggestion when podCidrs is missing). */
export function coveringPrefix(blocks: string[], f: 4 | 6): string | null {
  const ps = blocks.map((b) => Prefix.tryParse(b)).filter((p): p is Prefix => p !== null && p.family === f);
  if (ps.length === 0) return null;
  let cover = Prefix.from(ps[0]!.addr, Math.min(...ps.map((p) => p.bits)));
  while (cover.bits > 0 && !ps.every((p) => Prefix.from(p.addr, cover.bits).addr.value === cover.addr.value)) cover = Prefix.from(cover.addr, cover.bits - 1);
  return cover.toString();
}

export interface ImportResult { result: ApplyResult; skipped: Skipped[] }

/**
 * POST …/import (REST) and importCluster (GraphQL): the live cluster's
 * definition applied declaratively; its problems are one 422 by object name.
 */
export async function importCluster(service: ClusterService, name: string, body: unknown, dryRun: boolean, rawBody?: string): Promise<ImportResult> {
  // The definition is a function of the name and the body: the very bytes
  // imported last are the same definition (apply's unchanged fast path), so an
  // unchanged re-import answers before the kubectl lists are read again. The
  // NUL keeps these bytes apart from any PUT body, which cannot hold one.
  const key = rawBody === undefined ? undefined : `\0import\0${rawBody}`;
  const known = key === undefined || dryRun ? undefined : lastSkipped.get(service)?.get(name);
  if (key !== undefined && known !== undefined) {
    const same = await service.unchangedApply(name, key);
    if (same) return { result: same, skipped: known };
  }
  const imp = importDefinition(name, body);
  try {
    if (imp.problems.length > 0) throw livePodError(imp.problems, imp.definition);
    const result = await service.apply(imp.definition, { mode: 'apply', dryRun, name, ...(key === undefined ? {} : { rawBody: key }) });
    if (!dryRun && key !== undefined) {
      const byName = lastSkipped.get(service) ?? new Map<string, Skipped[]>();
      lastSkipped.set(service, byName.set(name, imp.skipped));
    }
    return { result, skipped: imp.skipped };
  } catch (err) {
    throw nameProblems(err, imp);
  }
}

/**
 * The skipped list of each cluster's last stored import, per service: what an
 * unchanged re-import answers. It belongs to the bytes the service applied
 * last; `unchangedApply` only answers for those very bytes.
 */
const lastSkipped = new WeakMap<ClusterService, Map<string, Skipped[]>>();

/** The live cluster's pod problems and whatever else the definition validation finds, as one 422. */
function livePodError(problems: FieldProblem[], definition: unknown): AppError {
  let more: FieldProblem[] = [];
  try {
    parseClusterDefinition(definition);
  } catch (err) {
    if (err instanceof AppError && err.errors) more = err.errors;
  }
  const seen = new Set(more.map((e) => `${e.path}\0${e.message}`));
  const errors = [...more, ...problems.filter((e) => !seen.has(`${e.path}\0${e.message}`))];
  return new AppError('VALIDATION_FAILED', `the live cluster has ${errors.length} problem${errors.length === 1 ? '' : 's'}`, { errors });
}

/** How a problem names a live object: '' (not named at all) for an object without a name, clipped otherwise. */
const refText = (v: unknown): string => (typeof v === 'string' ? clip(v, QUOTED_MAX) : '');

export function importDefinition(name: string, body: unknown): Imported {
  const b = obj(body);
  const nodeItems = items(b.nodes, 'Node', 'nodes');
  const podItems = items(b.pods, 'Pod', 'pods');
  const modes = new Set<string>();
  let vni: number | undefined;
  const blockLen = new Map<number, number>();
  const nodes = nodeItems.map((n) => {
    const meta = obj(n.metadata);
    const ann = obj(meta.annotations);
    const spec = obj(n.spec);
    const mode = str(ann[FLANNEL + 'backend-type']);
    modes.add(mode === 'vxlan' || mode === 'host-gw' ? mode : '');
    const data = backendData(ann);
    if (typeof data.VNI === 'number' && vni === undefined) vni = data.VNI;
    // flannel.1's MAC, and flannel-v6.1's (backend-v6-data): an IPv6-only node has only that one.
    const mac6 = str(backendData(ann, 'backend-v6-data').VtepMAC);
    const vtepMac = str(data.VtepMAC) ?? mac6;
    const vtepMac6 = mac6 !== vtepMac ? mac6 : undefined;
    const podCidrs = arr(spec.podCIDRs).filter((c) => typeof c === 'string') as string[];
    if (podCidrs.length === 0 && str(spec.podCIDR)) podCidrs.push(str(spec.podCIDR)!);
    for (const c of podCidrs) {
      const [addr, len] = c.split('/');
      const f = family(addr ?? '');
      if (f && len !== undefined && !blockLen.has(f)) blockLen.set(f, Number(len));
    }
    return { name: meta.name, addresses: nodeAddresses(obj(n.status), ann), podCidrs, vtepMac, vtepMac6 };
  });
  const skipped: Skipped[] = [];
  const pods: Obj[] = [];
  for (const p of podItems) {
    const meta = obj(p.metadata);
    const spec = obj(p.spec);
    const status = obj(p.status);
    const ref = typeof meta.name === 'string' && meta.name !== '' ? `${str(meta.namespace) ?? 'default'}/${meta.name}` : '';
    const ips = arr(status.podIPs).map((x) => str(obj(x).ip)).filter((x): x is string => x !== undefined);
    if (ips.length === 0 && str(status.podIP)) ips.push(str(status.podIP)!);
    const reason = skipReason(spec, status, ips);
    if (reason) skipped.push({ ref: ref || `${str(meta.namespace) ?? 'default'}/(no name)`, reason });
    else pods.push({ namespace: str(meta.namespace) ?? 'default', name: meta.name, node: spec.nodeName, ips, ref });
  }
  if (b.podCidrs === undefined || b.podCidrs === null) {
    const blocks = nodes.flatMap((n) => n.podCidrs);
    const suggestion = ([4, 6] as const).map((f) => coveringPrefix(blocks, f)).filter((x): x is string => x !== null);
    throw new AppError('VALIDATION_FAILED', `podCidrs (the cluster CIDR) is required${suggestion.length ? `; the smallest prefix holding every node block is ${suggestion.join(', ')}` : ''}`, {
      errors: [{ path: 'podCidrs', message: `is required${suggestion.length ? `: try ${JSON.stringify(suggestion)}` : ''}` }],
      extra: { suggestion },
    });
  }
  const network = { ...obj(b.network) };
  const agreed = modes.size === 1 ? [...modes][0] : '';
  if (network.mode === undefined && agreed) network.mode = agreed;
  if (network.mode === undefined) network.mode = 'host-gw';
  if (vni !== undefined && network.mode === 'vxlan') network.vxlan = { vni, ...obj(network.vxlan) };
  const nodeMaskSize = Object.fromEntries([...blockLen].map(([f, l]) => [f === 4 ? 'ipv4' : 'ipv6', l]));
  const definition: Obj = {
    name, podCidrs: b.podCidrs, network,
    ...(b.nodeMaskSize == null && blockLen.size > 0 ? { nodeMaskSize } : {}),
    ...Object.fromEntries(['subnets', 'serviceCidr', 'reserved', 'nodeMaskSize'].filter((k) => b[k] != null).map((k) => [k, b[k]])),
    nodes: nodes.map((n) => ({
      name: n.name, addresses: n.addresses, ...(n.podCidrs.length ? { podCidrs: n.podCidrs } : {}), ...(n.vtepMac ? { vtepMac: n.vtepMac } : {}),
      ...(n.vtepMac6 ? { vtepMac6: n.vtepMac6 } : {}),
    })),
    pods: pods.map(({ ref: _ref, ...rest }) => rest),
  };
  return { definition, skipped, problems: livePodProblems(nodes, pods), nodeRefs: nodes.map((n) => refText(n.name)), podRefs: pods.map((p) => refText(p.ref)) };
}

/**
 * Why a pod holds no pod-network address of its own, or null. A finished pod
 * (Succeeded, Failed) keeps its last podIP in its status, but the CNI has
 * released it and may have given it to a running pod: importing it would
 * report that running pod's IP as a duplicate.
 */
function skipReason(spec: Obj, status: Obj, ips: string[]): string | null {
  if (spec.hostNetwork === true) return 'hostNetwork pod: uses the node\'s address';
  if (!str(spec.nodeName)) return 'no node assigned';
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return `finished (phase ${status.phase}): its IP is released`;
  if (ips.length === 0) return 'no IP assigned';
  return null;
}

function livePodProblems(nodes: { name: unknown; podCidrs: string[] }[], pods: Obj[]): { path: string; message: string }[] {
  const blocks = new Map(nodes.map((n) => [n.name, n.podCidrs.map((c) => Prefix.tryParse(c)).filter((x): x is Prefix => x !== null)]));
  const owner = new Map<string, string>();
  const problems: { path: string; message: string }[] = [];
  pods.forEach((p, i) => {
    for (const ip of p.ips as string[]) {
      const a = Addr.tryParse(ip);
      if (!a) continue;
      const key = a.toString();
      const first = owner.get(key);
      if (first) problems.push({ path: `pods[${i}].ips`, message: `${key} is also the IP of pod ${first}` });
      else owner.set(key, String(p.ref));
      const nb = blocks.get(p.node);
      const mine = nb?.filter((b) => b.family === a.family) ?? [];
      if (mine.length > 0 && !mine.some((b) => b.contains(a))) {
        problems.push({ path: `pods[${i}].ips`, message: `${key} is outside node ${String(p.node)}'s block ${mine.map((b) => b.toString()).join(', ')}` });
      }
    }
  });
  return problems;
}

/**
 * Names the object behind each `nodes[i]` / `pods[i]` path of a validation
 * problem. A live cluster's pinned conflicts (409 for a PUT) are what SPEC §11
 * calls the cluster's own problems: a 422.
 */
export function nameProblems(err: unknown, imp: Imported): unknown {
  if (!(err instanceof AppError) || !err.errors) return err;
  const errors = err.errors.map((e) => {
    const m = /^(nodes|pods)\[(\d+)\]/.exec(e.path);
    const ref = m ? (m[1] === 'nodes' ? imp.nodeRefs : imp.podRefs)[Number(m[2])] : undefined;
    return ref ? { ...e, message: `${m![1] === 'nodes' ? 'node' : 'pod'} ${ref}: ${e.message}` } : e;
  });
  return new AppError('VALIDATION_FAILED', err.message, { errors, ...(err.extra ? { extra: err.extra } : {}) });
}
