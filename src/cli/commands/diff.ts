// `podnet diff -f FILE [--allow-break] [--junit FILE]`: what applying FILE
// would do (SPEC §13), as a plan: the summary line, the changes, the impact.
// Exit 1 when a node pair breaks (unless --allow-break), so a CI step can
// gate a merge on it. The JUnit report has one failing testcase per broken
// pair (one passing testcase when none breaks) and is written whatever
// happens: a refused definition or an unreachable server is one errored
// testcase.
import { EXIT, OUTPUT_HELP, OUTPUT_OPTIONS, OUTPUT_USAGE, isMachine, printData, type Command } from '../command.js';
import { printPlan } from '../diff-text.js';
import { ApiError, seg, ServerError } from '../http.js';
import { writeJunitReport } from '../junit-report.js';
import type { JUnitCase } from '../junit.js';
import type { ApplyAnswer, ClusterImpact } from '../wire.js';
import { FILE_HELP, FILE_OPTIONS, fileOf, readDefinition } from './apply.js';

export const diff: Command = {
  words: ['diff'],
  args: [],
  optionsUsage: `-f FILE [--allow-break] [--junit FILE] ${OUTPUT_USAGE}`,
  summary: 'show what applying FILE would change and do to the network; exit 1 if a node pair breaks',
  options: { ...FILE_OPTIONS, 'allow-break': { type: 'boolean' }, junit: { type: 'string' }, ...OUTPUT_OPTIONS },
  help: [
    FILE_HELP,
    '  --allow-break   exit 0 even when node pairs break',
    '  --junit FILE    also write a JUnit XML report: a failing testcase per broken',
    '                  node pair, one passing testcase when none breaks; written',
    '                  even when the server refuses or cannot be reached',
    OUTPUT_HELP,
  ].join('\n'),
  async run(ctx, _args, v) {
    const file = fileOf(v, diff);
    const junit = typeof v.junit === 'string' ? v.junit : null;
    const started = new Date();
    let name = file;
    let body: ApplyAnswer;
    try {
      const def = await readDefinition(ctx, file);
      name = def.name;
      // A plan lists every change, as terraform plan does: the full view, whatever the cluster's size.
      body = (await ctx.client.request<ApplyAnswer>('PUT', `/v1/clusters/${seg(def.name)}`, { body: def, query: { dryRun: true, view: 'full' } })).body;
    } catch (err) {
      if (junit !== null) await writeJunitReport(ctx, 'diff', junit, name, started, [erroredCase(name, err, started)]);
      throw err;
    }
    const impact = body.impact ?? null;
    const broken = impact?.reachability.broken ?? 0;
    if (junit !== null) await writeJunitReport(ctx, 'diff', junit, name, started, impact ? pairCases(name, impact) : []);
    const code = broken > 0 && v['allow-break'] !== true ? EXIT.NEGATIVE : EXIT.OK;
    if (isMachine(ctx)) {
      await printData(ctx, body);
      return code;
    }
    printPlan(ctx, body);
    if (broken > 0) ctx.err(`podnet diff: ${broken} node pair${broken === 1 ? '' : 's'} would break${v['allow-break'] === true ? ' (allowed by --allow-break)' : ''}\n`);
    return code;
  },
};

const CLASS = (cluster: string) => `podnet.diff.${cluster}`;

function pairCases(cluster: string, impact: ClusterImpact): JUnitCase[] {
  const r = impact.reachability;
  const broken = r.examples.filter((e) => e.change === 'broken');
  const cases: JUnitCase[] = broken.map((e) => {
    const name = `${e.family} ${e.from} -> ${e.to}`;
    const message = `${name}: ${e.before} before, ${e.after} after${e.reason ? ` (${e.reason})` : ''}`;
    return { name, classname: CLASS(cluster), failure: { type: 'BROKEN_PAIR', message, body: message } };
  });
  if (r.broken > broken.length) {
    const message = `${r.broken - broken.length} more node pairs break (the server lists the first ${broken.length})`;
    cases.push({ name: 'more broken node pairs', classname: CLASS(cluster), failure: { type: 'BROKEN_PAIR', message, body: message } });
  }
  if (cases.length === 0) {
    cases.push({ name: 'no node pair breaks', classname: CLASS(cluster), systemOut: `${r.pairsAfter} node pairs judged, ${r.reachableAfter} reach each other; ${r.fixed} fixed` });
  }
  return cases;
}

function erroredCase(cluster: string, err: unknown, started: Date): JUnitCase {
  const code = err instanceof ApiError ? err.code : err instanceof ServerError ? (err.code ?? 'SERVER_UNREACHABLE') : 'INVALID_INPUT';
  const message = err instanceof Error ? err.message : String(err);
  return { name: 'diff', classname: CLASS(cluster), time: (Date.now() - started.getTime()) / 1000, error: { type: code, message, body: message } };
}

