// Whole-cluster verification (SPEC §4 `verify`): overlaps, pod IPs, node-pair
// reachability (reachability.ts), MTU and capacity, each as a check with
// capped failure lists (report.ts).
import type { Family, Prefix } from './ip.js';
import { BlockAllocator, toCount } from './allocator.js';
import type { Datapath, Owner } from './datapath.js';
import { modeOverhead, podMtu, podMtus } from './devices.js';
import { overlappingPairs } from './overlap.js';
import { excludedRanges } from './model.js';
import { podIpProblem } from './podip.js';
import { reachability } from './reachability.js';
import { Failures, type VerifyCheck, type VerifyReport, clusterFamilies, v } from './report.js';

export type { CheckName, VerifyCheck, VerifyFailure, VerifyReport } from './report.js';
import { FAMILIES, type NodeFacts, text } from './routes.js';

/**
 * Runs every check. With a `clock` (milliseconds, e.g. performance.now) each
 * check also says how long it took (`durationMs`, for CI test reports); the
 * core reads no clock of its own.
 */
export function verify(dp: Datapath, clock?: () => number): VerifyReport {
  const checks = [noOverlap, podIps, reachability, mtu, capacity].map((run): VerifyCheck => {
    if (!clock) return run(dp);
    const start = clock();
    const check = run(dp);
    return { ...check, durationMs: Math.round((clock() - start) * 1000) / 1000 };
  });
  return { ok: checks.every((c) => c.ok), checks };
}

function describeOwner(o: Owner): string {
  switch (o.kind) {
    case 'pod': return `pod ${o.pod.ref}`;
    case 'node': return `node ${o.node.name}`;
    case 'gateway': return `the bridge of node ${o.node.name}`;
    case 'router': return `the gateway of subnet ${o.subnet.name}`;
  }
}

interface Labelled {
  value: Prefix;
  label: string;
  isBlock: boolean;
}

/**
 * Node blocks are pairwise disjoint, of the node mask size, inside the pod
 * range, and clear of reserved ranges, the service CIDR and the subnets.
 * Every offending block is reported at least once (overlappingPairs).
 */
function noOverlap(dp: Datapath): VerifyCheck {
  const out = new Failures();
  const topo = dp.topology;
  for (const f of clusterFamilies(dp)) {
    const range = topo.podCidrs.find((p) => p.family === f) ?? null;
    const mask = f === 4 ? topo.nodeMaskSize.ipv4 : topo.nodeMaskSize.ipv6;
    const iv: Labelled[] = [];
    for (const n of dp.nodes) {
      const b = n.fam[f].block;
      if (!b) {
        if (range) out.add({ message: `node ${n.name} has no ${v(f)} pod block`, node: n.name, family: f });
        continue;
      }
      const label = `node ${n.name} block ${text(b)}`;
      if (!range || !range.containsPrefix(b)) {
        out.add({ message: `${label} is outside the pod range ${range ? text(range) : `(no ${v(f)} pod range)`}`, node: n.name, block: text(b) });
      }
      if (b.bits !== mask) out.add({ message: `${label} is a /${b.bits}, the node mask size is /${mask}`, node: n.name, block: text(b) });
      iv.push({ value: b, label, isBlock: true });
    }
    for (const r of topo.reserved) if (r.family === f) iv.push({ value: r, label: `reserved range ${text(r)}`, isBlock: false });
    const svc = topo.serviceCidr;
    if (svc && svc.family === f) iv.push({ value: svc, label: `service CIDR ${text(svc)}`, isBlock: false });
    for (const s of dp.subnets) if (s.cidr.family === f) iv.push({ value: s.cidr, label: `subnet ${s.name} ${text(s.cidr)}`, isBlock: false });
    for (const [other, cur] of overlappingPairs(iv)) {
      if (cur.isBlock || other.isBlock) out.add({ message: `${cur.label} overlaps ${other.label}`, a: cur.label, b: other.label });
    }
    if (range) {
      if (svc && range.overlaps(svc)) out.add({ message: `pod range ${text(range)} overlaps service CIDR ${text(svc)}` });
      for (const s of dp.subnets) {
        if (range.overlaps(s.cidr)) out.add({ message: `pod range ${text(range)} overlaps subnet ${s.name} ${text(s.cidr)}` });
      }
    }
  }
  for (const c of dp.conflicts) {
    if (c.owners.some((o) => o.kind === 'pod')) continue; // pod-ips reports those
    out.add({ message: `${text(c.ip)} is claimed by ${c.owners.map(describeOwner).join(' and ')}`, ip: text(c.ip) });
  }
  return out.check('no-overlap', 'node blocks are disjoint, inside the pod range and clear of reserved, service and subnet ranges');
}

/** Every pod IP lies in its node's block of its family, is not the network, gateway or IPv4 broadcast address, and is unique. */
function podIps(dp: Datapath): VerifyCheck {
  const out = new Failures();
  for (const p of dp.orphanPods) {
    out.add({ message: `pod ${p.namespace}/${p.name} is on unknown node ${p.node}`, pod: `${p.namespace}/${p.name}` });
  }
  for (let i = 0; i < dp.podCount; i++) {
    const p = dp.podAt(i);
    const seen = new Set<Family>();
    for (const ip of p.spec.ips) {
      const f = ip.family;
      const what = () => `pod ${p.ref} IP ${text(ip)}`;
      if (seen.has(f)) out.add({ message: `pod ${p.ref} has more than one ${v(f)} address`, pod: p.ref });
      seen.add(f);
      const b = p.node.fam[f].block;
      if (!b) {
        out.add({ message: `${what()}: node ${p.node.name} has no ${v(f)} block`, pod: p.ref, ip: text(ip) });
        continue;
      }
      const why = podIpProblem(ip, b);
      if (why) out.add({ message: `${what()} ${why.message}`, pod: p.ref, ip: text(ip) });
    }
    for (const f of FAMILIES) {
      if (p.node.fam[f].block && !seen.has(f)) out.add({ message: `pod ${p.ref} has no ${v(f)} address though node ${p.node.name} has a ${v(f)} block`, pod: p.ref });
    }
  }
  for (const c of dp.conflicts) {
    if (!c.owners.some((o) => o.kind === 'pod')) continue;
    out.add({ message: `${text(c.ip)} is claimed by ${c.owners.map(describeOwner).join(' and ')}`, ip: text(c.ip) });
  }
  return out.check('pod-ips', `${dp.podCount} pods: every IP inside its node's block, usable and unique`);
}

const MIN_MTU: Record<Family, number> = { 4: 68, 6: 1280 };

/**
 * Per family: the pod MTU + the mode's overhead in that family fits the
 * underlay MTU, and the pod MTU is one the family can use. The figures are
 * the primary family's, plus `podMtus` in a dual-stack cluster.
 */
function mtu(dp: Datapath): VerifyCheck {
  const out = new Failures();
  const net = dp.topology.network;
  const fams = clusterFamilies(dp);
  const primary = dp.topology.podCidrs[0]?.family ?? fams[0] ?? 4;
  for (const f of fams) {
    const overhead = modeOverhead(net.mode, f);
    const pod = podMtu(net, f);
    const what = fams.length > 1 ? `${v(f)} pod MTU` : 'pod MTU';
    if (pod + overhead > net.mtu) out.add({ message: `${what} ${pod} + ${overhead} bytes of ${net.mode} overhead exceeds the underlay MTU ${net.mtu}` });
    if (pod < MIN_MTU[f]) out.add({ message: `${what} ${pod} is below the ${v(f)} minimum of ${MIN_MTU[f]}` });
  }
  const overhead = modeOverhead(net.mode, primary);
  const pod = podMtu(net, primary);
  const figures: Record<string, unknown> = { mode: net.mode, underlayMtu: net.mtu, overhead, podMtu: pod };
  if (fams.length > 1) figures.podMtus = podMtus(net, fams);
  const each = fams.length > 1 ? fams.map((f) => `${v(f)} ${podMtu(net, f)} + ${modeOverhead(net.mode, f)}`).join(', ') : `pod MTU ${pod} + ${overhead}`;
  return out.check('mtu', `${each} (${net.mode}) ≤ underlay MTU ${net.mtu}, the same on every node`, figures);
}

/** Utilisation figures per family (node blocks, pod IPs). Warn-only: exhaustion is reported in `detail`, never fails. */
function capacity(dp: Datapath): VerifyCheck {
  const topo = dp.topology;
  const families: Record<string, unknown>[] = [];
  const warnings: string[] = [];
  for (const range of topo.podCidrs) {
    const f = range.family;
    const mask = f === 4 ? topo.nodeMaskSize.ipv4 : topo.nodeMaskSize.ipv6;
    const all = mask >= range.bits ? 1n << BigInt(mask - range.bits) : 0n;
    // The allocator's own count, so verify and the cluster view agree on what reserved and service ranges take.
    const excluded = all === 0n ? 0n : BigInt(new BlockAllocator(range, mask, excludedRanges(topo)).capacity().excluded);
    const total = all - excluded;
    const used = dp.nodes.filter((n) => n.fam[f].block && range.containsPrefix(n.fam[f].block!)).length;
    let podTotal = 0n;
    let podUsed = 0;
    let fullest: { node: string; used: number; capacity: number | string; utilization: number } | null = null;
    const perNode = new Map<NodeFacts, number>();
    for (let i = 0; i < dp.podCount; i++) {
      if (!dp.podHasIp(i, f)) continue;
      const node = dp.podNode(i);
      perNode.set(node, (perNode.get(node) ?? 0) + 1);
    }
    for (const n of dp.nodes) {
      const b = n.fam[f].block;
      if (!b) continue;
      const cap = b.size - (f === 4 ? 3n : 2n);
      const u = perNode.get(n) ?? 0;
      podTotal += cap > 0n ? cap : 0n;
      podUsed += u;
      const util = cap > 0n ? u / Number(cap) : 1;
      if (!fullest || util > fullest.utilization) fullest = { node: n.name, used: u, capacity: toCount(cap), utilization: util };
    }
    const nodeBlocks = { total: toCount(total), used, free: toCount(total - BigInt(used) > 0n ? total - BigInt(used) : 0n), excluded: toCount(excluded), utilization: total === 0n ? 1 : used / Number(total) };
    const podIps = { total: toCount(podTotal), used: podUsed, utilization: podTotal === 0n ? 0 : podUsed / Number(podTotal), fullestNode: fullest };
    families.push({ family: f, podCidr: text(range), nodeMaskSize: mask, nodeBlocks, podIps });
    if (BigInt(used) >= total) warnings.push(`${v(f)} node blocks exhausted (${used} of ${total})`);
    if (fullest && fullest.utilization >= 1) warnings.push(`${v(f)} pod IPs of node ${fullest.node} exhausted`);
  }
  const summary = families
    .map((x) => {
      const nb = x.nodeBlocks as { used: number; total: number | string; utilization: number };
      return `IPv${String(x.family)}: ${nb.used} of ${nb.total} node blocks used (${(nb.utilization * 100).toFixed(1)}%)`;
    })
    .join('; ');
  return { name: 'capacity', ok: true, detail: warnings.length ? `${summary}; warning: ${warnings.join('; ')}` : summary, figures: { families } };
}

