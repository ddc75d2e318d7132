// `podnet apply -f FILE [--dry-run]`: PUT the definition to its name.
import { UsageError, type OptionSpecs } from '../args.js';
import { EXIT, InputError, OUTPUT_HELP, OUTPUT_OPTIONS, OUTPUT_USAGE, isMachine, parseDocument, printData, printTable, readInput, usageOf, type Command, type Ctx, type Values } from '../command.js';
import { cellText, list, percent } from '../format.js';
import { seg } from '../http.js';
import { printImpact, printUpdates, summaryLine } from '../diff-text.js';
import type { ApplyAnswer, CapacityView, Change, ChangeCounts } from '../wire.js';

/** `-f FILE` (`--filename`, kubectl's long form, too): the definition apply and diff read. */
export const FILE_OPTIONS = { file: { type: 'string', short: 'f' }, filename: { type: 'string' } } as const satisfies OptionSpecs;
export const FILE_HELP = '  -f, --file FILE the cluster definition, YAML or JSON; - reads it from stdin';

export function fileOf(v: Values, cmd: Command): string {
  const file = (v.file ?? v.filename) as string | undefined;
  if (file === undefined) throw new UsageError('missing -f FILE (the cluster definition; - for stdin)', usageOf(cmd));
  return file;
}

export const apply: Command = {
  words: ['apply'],
  args: [],
  optionsUsage: `-f FILE [--dry-run] ${OUTPUT_USAGE}`,
  summary: 'create a cluster, or converge it to the definition in FILE (YAML or JSON; - reads stdin)',
  options: { ...FILE_OPTIONS, 'dry-run': { type: 'boolean' }, ...OUTPUT_OPTIONS },
  help: [
    FILE_HELP,
    '  --dry-run       show the plan (what would be created, removed, allocated);',
    '                  store nothing',
    OUTPUT_HELP,
  ].join('\n'),
  async run(ctx, _args, v) {
    const def = await readDefinition(ctx, fileOf(v, apply));
    const dryRun = v['dry-run'] === true;
    // -o wide lists every change, so it asks for the full view; else a large cluster's answer is its summary.
    const view = ctx.output === 'wide' ? 'full' : undefined;
    const res = await ctx.client.request<ApplyAnswer>('PUT', `/v1/clusters/${seg(def.name)}`, { body: def, query: { dryRun: dryRun || undefined, view } });
    if (isMachine(ctx)) {
      await printData(ctx, res.body);
      return EXIT.OK;
    }
    printApplied(ctx, def.name, res.status, res.body, dryRun, 'created');
    return EXIT.OK;
  },
};

/** The definition in `file`, with the name to PUT it to. */
export async function readDefinition(ctx: Ctx, file: string): Promise<Record<string, unknown> & { name: string }> {
  const where = file === '-' ? 'stdin' : file;
  const def = definitionOf(await parseDocument(await readInput(file), where), where);
  if (typeof def.name !== 'string' || def.name === '') {
    // No name to PUT to: let the server validate the definition (nothing is stored).
    await ctx.client.request('POST', '/v1/clusters', { body: def, query: { dryRun: true } });
    throw new InputError(`${where}: the definition has no "name"`);
  }
  return def as Record<string, unknown> & { name: string };
}

/** Rows of the change table by default: a 150,000-pod apply is summed up, not listed. */
const MAX_CHANGE_ROWS = 50;

/** What an apply or an import did (or would do): a verb, the change table, counts, MTU and capacity. */
export function printApplied(ctx: Ctx, name: string, status: number, body: ApplyAnswer, dryRun: boolean, createdVerb: string): void {
  const changes = body.changes ?? [];
  const created = changes.some((c) => c.kind === 'cluster' && c.action === 'create');
  let verb: string;
  if (dryRun) verb = changes.length === 0 ? 'unchanged (dry run)' : created ? `would be ${createdVerb} (dry run, nothing stored)` : 'would change (dry run, nothing stored)';
  else verb = status === 201 ? createdVerb : changes.length === 0 ? 'unchanged' : 'configured';
  ctx.out(`cluster ${name} ${verb}\n`);
  // A dry run reads as `podnet diff`: its summary line first, its impact after the changes.
  if (dryRun && body.impact) ctx.out(`${summaryLine(changes, body.impact)}\n`);
  if (changes.length > 0) {
    const shown = ctx.output === 'wide' ? changes : changes.slice(0, MAX_CHANGE_ROWS);
    const counts = countsByAction(body.changeCounts, changes);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    printTable(ctx, ['action', 'kind', 'name', 'podCidrs/ips'], shown.map((c) => [c.action, c.kind, c.name, list(c.podCidrs ?? c.ips)]));
    if (shown.length < total) ctx.out(`... and ${total - shown.length} more (-o wide lists them all)\n`);
    printUpdates(ctx, changes);
    ctx.out(`${[...counts].map(([a, n]) => `${n} ${dryRun ? `to ${a}` : `${a}d`}`).join(', ')}\n`);
  }
  if (dryRun && body.impact) {
    ctx.out('\n');
    printImpact(ctx, body.impact);
    return;
  }
  const cl = body.cluster ?? body.plan;
  if (cl?.capacity) ctx.out(`pod MTU ${cellText(cl.podMtu)}; ${capacityText(cl.capacity)}\n`);
}

/** Changes per action, in the order actions first appear: from the server's whole counts when it sent them (the summary view lists only the first changes). */
function countsByAction(whole: ChangeCounts | undefined, changes: readonly Change[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of changes) counts.set(c.action, 0);
  if (whole) {
    for (const [action, kinds] of Object.entries(whole)) {
      const n = kinds.cluster + kinds.node + kinds.pod;
      if (n > 0) counts.set(action, n);
    }
  } else {
    for (const c of changes) counts.set(c.action, counts.get(c.action)! + 1);
  }
  return counts;
}

export function capacityText(c: Pick<CapacityView, 'used' | 'maxNodes' | 'free' | 'utilization'>): string {
  return `${cellText(c.used)} of ${cellText(c.maxNodes)} node blocks used (${cellText(c.free)} free, ${percent(c.utilization)})`;
}

/** One document, a mapping. */
function definitionOf(doc: unknown, where: string): Record<string, unknown> & { name?: unknown } {
  if (doc === null || doc === undefined) throw new InputError(`${where} is empty: expected a cluster definition`);
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError(`${where}: expected a cluster definition (a mapping with name, podCidrs, nodes, ...), got ${Array.isArray(doc) ? 'a list' : `a ${typeof doc}`}`);
  }
  return doc as Record<string, unknown>;
}
