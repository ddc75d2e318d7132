// A dry run as `terraform plan` shows one (SPEC §13): a summary line, the
// changes with each updated field's before → after, then what the change
// does to the network — node pairs broken and fixed, route differences per
// node, MTU and capacity. Shared by `podnet diff` and `podnet apply --dry-run`.
import type { Ctx } from './command.js';
import { fitLines, percent, cellText } from './format.js';
import type { ApplyAnswer, CapacityView, Change, ClusterImpact } from './wire.js';

/** Lines of each list in the default output; -o wide shows all the server sent. */
const SHOWN = { changes: 50, pairs: 20, routeNodes: 10, routeEntries: 10 };

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '(none)';
  if (Array.isArray(v)) return v.length === 0 ? '[]' : v.map(valueText).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** `address 172.16.1.12 → 172.16.2.12, subnet rack1 → rack2`, or null when the change carries no fields. */
export function fieldsText(c: Change): string | null {
  const keys = Object.keys({ ...c.before, ...c.after });
  if (keys.length === 0) return null;
  return keys.map((k) => `${k} ${valueText(c.before?.[k])} → ${valueText(c.after?.[k])}`).join(', ');
}

/** `node w3: address 172.16.1.12 → 172.16.2.12` for an update, `node w5 (10.40.4.0/24)` otherwise. */
export function changeText(c: Change): string {
  const fields = c.action === 'update' ? fieldsText(c) : null;
  if (fields) return `${c.kind} ${c.name}: ${fields}`;
  const alloc = c.podCidrs ?? c.ips;
  return `${c.kind} ${c.name}${alloc && alloc.length > 0 ? ` (${alloc.join(', ')})` : ''}`;
}

const SIGN: Record<Change['action'], string> = { create: '+', update: '~', delete: '-' };

/** `3 to update, 2 routes changed on 40 nodes, 12 node pairs broken` (and how many are fixed, when any). */
export function summaryLine(changes: readonly Change[], impact: ClusterImpact | null | undefined): string {
  const counts = new Map<string, number>();
  for (const c of changes) counts.set(c.action, (counts.get(c.action) ?? 0) + 1);
  const parts = (['create', 'update', 'delete'] as const).filter((a) => counts.has(a)).map((a) => `${counts.get(a)} to ${a}`);
  if (parts.length === 0) parts.push('no changes');
  if (impact) {
    const r = impact.routes;
    parts.push(`${plural(r.added + r.removed + r.changed, 'route')} changed on ${plural(r.nodesChanged, 'node')}`);
    parts.push(`${plural(impact.reachability.broken, 'node pair')} broken`);
    if (impact.reachability.fixed > 0) parts.push(`${impact.reachability.fixed} fixed`);
  }
  return parts.join(', ');
}

function mtuText(m: ClusterImpact['mtu']): string {
  const fams = [...new Set([...Object.keys(m.before), ...Object.keys(m.after)])] as ('ipv4' | 'ipv6')[];
  return fams.map((f) => {
    const b = m.before[f];
    const a = m.after[f];
    return b === a ? `${f} ${a}` : `${f} ${b ?? '(none)'} → ${a ?? '(none)'}`;
  }).join(', ');
}

const capText = (c: CapacityView | null): string => (c ? `${cellText(c.used)} of ${cellText(c.maxNodes)} node blocks used (${percent(c.utilization)})` : '(none)');

/** The changes, one line each, signed like a plan: + create, ~ update, - delete. */
export function printChanges(ctx: Ctx, changes: readonly Change[]): void {
  if (changes.length === 0) return;
  const shown = ctx.output === 'wide' ? changes : changes.slice(0, SHOWN.changes);
  const lines = shown.map((c) => `  ${SIGN[c.action]} ${changeText(c)}`);
  if (shown.length < changes.length) lines.push(`  ... and ${changes.length - shown.length} more (-o wide lists them all)`);
  ctx.out(`${fitLines(lines.join('\n'), ctx.width)}\n`);
}

/** The updates' field changes alone, one line each (below apply's change table). */
export function printUpdates(ctx: Ctx, changes: readonly Change[]): void {
  const updates = changes.filter((c) => c.action === 'update' && fieldsText(c) !== null);
  const shown = ctx.output === 'wide' ? updates : updates.slice(0, SHOWN.changes);
  if (shown.length === 0) return;
  const lines = shown.map((c) => changeText(c));
  if (shown.length < updates.length) lines.push(`... and ${updates.length - shown.length} more updates`);
  ctx.out(`${fitLines(lines.join('\n'), ctx.width)}\n`);
}

/** Node pairs, routes, MTU and capacity. */
export function printImpact(ctx: Ctx, impact: ClusterImpact): void {
  const s = ctx.style;
  const wide = ctx.output === 'wide';
  const r = impact.reachability;
  const lines: string[] = [];
  lines.push(`node pairs: ${r.reachableBefore} of ${r.pairsBefore} reach each other → ${r.reachableAfter} of ${r.pairsAfter}; ` +
    `${r.broken > 0 ? s.red(`${r.broken} broken`) : '0 broken'}, ${r.fixed} fixed`);
  const pairs = wide ? r.examples : r.examples.slice(0, SHOWN.pairs);
  for (const e of pairs) {
    const mark = e.change === 'broken' ? s.red('✗ broken') : s.green('✓ fixed ');
    lines.push(`  ${mark} ${e.from} → ${e.to} (${e.family}): ${e.before} → ${e.after}${e.reason ? ` (${e.reason})` : ''}`);
  }
  const unlisted = r.broken + r.fixed - pairs.length;
  if (unlisted > 0) lines.push(`  ... and ${unlisted} more`);
  const rt = impact.routes;
  lines.push(`routes: ${rt.added} added, ${rt.removed} removed, ${rt.changed} changed on ${plural(rt.nodesChanged, 'node')}`);
  const nodes = wide ? rt.nodes : rt.nodes.slice(0, SHOWN.routeNodes);
  for (const n of nodes) {
    lines.push(`  ${n.node}: +${n.counts.added} -${n.counts.removed} ~${n.counts.changed}`);
    const entries = [
      ...n.removed.map((x) => `    - ${x}`),
      ...n.added.map((x) => `    + ${x}`),
      ...n.changed.map((x) => `    ~ ${x.before} → ${x.after}`),
    ];
    const kept = wide ? entries : entries.slice(0, SHOWN.routeEntries);
    lines.push(...kept);
    const more = n.counts.added + n.counts.removed + n.counts.changed - kept.length;
    if (more > 0) lines.push(`    ... and ${more} more`);
  }
  if (rt.nodesChanged > nodes.length) lines.push(`  ... and ${rt.nodesChanged - nodes.length} more nodes`);
  lines.push(`pod MTU: ${mtuText(impact.mtu)}`);
  lines.push(`capacity: ${capText(impact.capacity.before)} → ${capText(impact.capacity.after)}`);
  ctx.out(`${fitLines(lines.join('\n'), ctx.width)}\n`);
}

/** The summary line, the changes, and the impact. */
export function printPlan(ctx: Ctx, body: ApplyAnswer): void {
  const changes = body.changes ?? [];
  ctx.out(`${summaryLine(changes, body.impact)}\n`);
  if (changes.length > 0) {
    ctx.out('\n');
    printChanges(ctx, changes);
  }
  if (body.impact) {
    ctx.out('\n');
    printImpact(ctx, body.impact);
  }
}
