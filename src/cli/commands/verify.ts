// `podnet verify CLUSTER [--junit FILE]`: the checks; exit 1 if one fails.
// The JUnit report is written whatever happens, so a CI step that collects
// it always finds one: a refused request or an unreachable server is one
// errored testcase.
import { EXIT, OUTPUT_HELP, OUTPUT_OPTIONS, OUTPUT_USAGE, isMachine, printData, printTable, type Command } from '../command.js';
import { fitLines } from '../format.js';
import { ApiError, seg, ServerError } from '../http.js';
import { writeJunitReport } from '../junit-report.js';
import type { JUnitCase } from '../junit.js';
import type { VerifyCheck, VerifyReport } from '../wire.js';

type Check = VerifyCheck;

export const verify: Command = {
  words: ['verify'],
  args: ['CLUSTER'],
  optionsUsage: `[--junit FILE] ${OUTPUT_USAGE}`,
  summary: 'verify a whole cluster (overlaps, pod IPs, reachability, MTU, capacity); exit 1 if a check fails',
  options: { junit: { type: 'string' }, ...OUTPUT_OPTIONS },
  help: [
    OUTPUT_HELP,
    '  --junit FILE    also write a JUnit XML report (a testcase per check) for CI;',
    '                  written even when the cluster is missing or the server is',
    '                  unreachable (then one errored testcase)',
  ].join('\n'),
  async run(ctx, [cluster], v) {
    const junit = typeof v.junit === 'string' ? v.junit : null;
    const started = new Date();
    let report: VerifyReport;
    try {
      report = (await ctx.client.get<VerifyReport>(`/v1/clusters/${seg(cluster!)}/verify`)).body;
    } catch (err) {
      if (junit !== null && (err instanceof ApiError || err instanceof ServerError)) {
        await writeJunitReport(ctx, 'verify', junit, cluster!, started, [erroredCase(cluster!, err, started)]);
      }
      throw err;
    }
    const checks: Check[] = report.checks;
    const ok = report.ok === true;
    if (junit !== null) await writeJunitReport(ctx, 'verify', junit, cluster!, started, checks.map((c) => checkCase(cluster!, c)));
    if (isMachine(ctx)) {
      await printData(ctx, report);
      return ok ? EXIT.OK : EXIT.NEGATIVE;
    }
    const s = ctx.style;
    printTable(ctx, ['check', 'result', 'detail'], checks.map((c) => [c.name, c.ok ? s.green('ok') : s.red('FAIL'), c.detail]));
    for (const c of checks.filter((x) => !x.ok)) {
      const lines = failureLines(c);
      if (lines.length === 0) continue;
      ctx.out(`\n${c.name}:\n${fitLines(lines.map((l) => `  ${l}`).join('\n'), ctx.width)}\n`);
    }
    const failed = checks.filter((c) => !c.ok).length;
    ctx.out(`\nverify ${cluster}: ${ok ? s.green('ok') : s.red('FAILED')} (${ok ? `${checks.length} checks passed` : `${failed} of ${checks.length} checks failed`})\n`);
    return ok ? EXIT.OK : EXIT.NEGATIVE;
  },
};

function checkCase(cluster: string, c: Check): JUnitCase {
  return {
    name: c.name,
    classname: `podnet.verify.${cluster}`,
    time: typeof c.durationMs === 'number' ? c.durationMs / 1000 : 0,
    systemOut: c.detail,
    failure: c.ok ? undefined : { type: c.name, message: failureMessage(c), body: failureLines(c).join('\n') },
  };
}

function erroredCase(cluster: string, err: ApiError | ServerError, started: Date): JUnitCase {
  const code = err instanceof ApiError ? err.code : (err.code ?? 'SERVER_UNREACHABLE');
  return {
    name: 'verify',
    classname: `podnet.verify.${cluster}`,
    time: (Date.now() - started.getTime()) / 1000,
    error: { type: code, message: err.message, body: err.message },
  };
}

function failureLines(c: Check): string[] {
  const lines = (c.failures ?? []).map((f) => f.message ?? JSON.stringify(f));
  const total = c.failureCount ?? lines.length;
  if (total > lines.length) lines.push(`... and ${total - lines.length} more`);
  return lines;
}

function failureMessage(c: Check): string {
  const shown = (c.failures ?? []).map((f) => f.message ?? '').filter((m) => m !== '');
  const head = c.detail ?? `${c.name} failed`;
  if (shown.length === 0) return head;
  const total = c.failureCount ?? shown.length;
  return `${head}: ${shown.join('; ')}${total > shown.length ? `; ... and ${total - shown.length} more` : ''}`;
}
