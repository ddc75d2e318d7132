// `podnet audit CLUSTER NODE`: compares a node's live kernel state with the
// plan (SPEC §12); exit 0 when it matches, 1 on drift. `--local` collects the
// four iproute2 dumps on this machine (a node agent, a DaemonSet).
import { execFile } from 'node:child_process';
import { UsageError } from '../args.js';
import {
  EXIT, InputError, OUTPUT_HELP, OUTPUT_OPTIONS, OUTPUT_USAGE, isMachine, parseDocument, printData, printTable, readInput, usageOf,
  type Command, type Values,
} from '../command.js';
import { cellText, fitLines } from '../format.js';
import { seg } from '../http.js';
import type { AuditEntry, AuditReport } from '../wire.js';

/** Body member → option, and the command that prints it on a node. */
const DUMPS = [
  { member: 'routes', option: 'routes', argv: ['ip', '-j', 'route', 'show'] },
  { member: 'routes6', option: 'routes6', argv: ['ip', '-j', '-6', 'route', 'show'] },
  { member: 'neighbors', option: 'neigh', argv: ['ip', '-j', 'neigh', 'show'] },
  { member: 'fdb', option: 'fdb', argv: ['bridge', '-j', 'fdb', 'show'] },
] as const;

export const audit: Command = {
  words: ['audit'],
  args: ['CLUSTER', 'NODE'],
  optionsUsage: `(--local | --routes F [--routes6 F] [--neigh F] [--fdb F]) ${OUTPUT_USAGE}`,
  summary: "compare a node's live routes, neighbors and FDB with the plan; exit 1 on drift",
  options: {
    local: { type: 'boolean' }, routes: { type: 'string' }, routes6: { type: 'string' }, neigh: { type: 'string' }, fdb: { type: 'string' },
    ...OUTPUT_OPTIONS,
  },
  help: [
    '  --local         collect the dumps on this machine: ip -j route show,',
    '                  ip -j -6 route show, ip -j neigh show, bridge -j fdb show',
    '  --routes F      what `ip -j route show` printed on the node (- is stdin)',
    '  --routes6 F     the JSON of `ip -j -6 route show`',
    '  --neigh F       the JSON of `ip -j neigh show`',
    '  --fdb F         the JSON of `bridge -j fdb show`',
    OUTPUT_HELP,
  ].join('\n'),
  async run(ctx, [cluster, node], v) {
    const body = v.local === true ? await collectLocal(v) : await readDumps(v);
    const { body: report } = await ctx.client.request<AuditReport>('POST', `/v1/clusters/${seg(cluster!)}/nodes/${seg(node!)}/audit`, { body });
    const verdict = report.ok ? EXIT.OK : EXIT.NEGATIVE;
    if (isMachine(ctx)) {
      await printData(ctx, report);
      return verdict;
    }
    const s = ctx.style;
    const n = (x: unknown[] | undefined) => x?.length ?? 0;
    ctx.out(fitLines(`node ${report.node ?? node} of cluster ${cluster}: ${report.ok ? s.green('ok') : s.red('DRIFT')}`, ctx.width) + '\n');
    ctx.out(`  ${n(report.missing)} missing, ${n(report.unexpected)} unexpected, ${n(report.different)} different, ${cellText(report.ignored)} ignored\n`);
    const c = report.checked;
    if (c) ctx.out(`  checked ${cellText(c.routes)} routes, ${cellText(c.neighbors)} neighbors, ${cellText(c.fdb)} fdb entries\n`);
    const rows: [string, string | null, string | null][] = [
      ...(report.missing ?? []).map((e) => ['missing', entryText(e), null] as [string, string, null]),
      ...(report.unexpected ?? []).map((e) => ['unexpected', null, entryText(e)] as [string, null, string]),
      ...(report.different ?? []).map((d) => ['different', entryText(d.expected), entryText(d.actual)] as [string, string, string]),
    ];
    if (rows.length > 0) printTable(ctx, ['drift', 'plan', 'live'], rows);
    return verdict;
  },
};

function entryText(e: AuditEntry | undefined): string {
  if (!e) return '-';
  return typeof e.text === 'string' ? e.text : JSON.stringify(e);
}

/** `--routes F …`: each file as iproute2 printed it (a JSON list). */
async function readDumps(v: Values): Promise<Record<string, unknown>> {
  const given = DUMPS.filter((d) => typeof v[d.option] === 'string');
  if (given.length === 0) throw new UsageError('give --local, or the dumps: --routes F [--routes6 F] [--neigh F] [--fdb F]', usageOf(audit));
  if (given.filter((d) => v[d.option] === '-').length > 1) throw new UsageError('only one dump can be read from stdin', usageOf(audit));
  const body: Record<string, unknown> = {};
  for (const d of given) {
    const file = v[d.option] as string;
    body[d.member] = dumpOf(await parseDocument(await readInput(file), file === '-' ? 'stdin' : file), `--${d.option} ${file}`);
  }
  return body;
}

async function collectLocal(v: Values): Promise<Record<string, unknown>> {
  const files = DUMPS.filter((d) => v[d.option] !== undefined);
  if (files.length > 0) throw new UsageError(`--local collects every dump itself; drop --${files[0]!.option}`, usageOf(audit));
  const body: Record<string, unknown> = {};
  await Promise.all(DUMPS.map(async (d) => {
    const text = await run(d.argv);
    body[d.member] = dumpOf(text.trim() === '' ? [] : await parseDocument(text, d.argv.join(' ')), d.argv.join(' '));
  }));
  return body;
}

function dumpOf(doc: unknown, where: string): unknown[] {
  if (!Array.isArray(doc)) throw new InputError(`${where}: expected the JSON list iproute2 prints with -j, got ${doc === null ? 'null' : typeof doc}`);
  return doc;
}

function run(argv: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { timeout: 30_000, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const e = err as NodeJS.ErrnoException;
      const why = e.code === 'ENOENT' ? `${argv[0]} is not installed (iproute2)` : (stderr.trim().split('\n')[0] || e.message);
      reject(new InputError(`cannot run \`${argv.join(' ')}\`: ${why}`));
    });
  });
}
