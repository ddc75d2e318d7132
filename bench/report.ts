// Renders bench results (bench/results/*.json, written by bench/run.ts) as
// the Markdown tables of BENCHMARKS.md: `tsx bench/report.ts [FILE.json …]`
// (default: every full run in bench/results, i.e. not -quick/-profile/-partial/-flags).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtRatio, fmtValue, type RunResult } from './results.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function markdown(r: RunResult): string {
  const w = r.workload;
  const m = r.machine;
  const lines = [
    `### ${w.name}: ${w.nodes.toLocaleString('en')} nodes, ${w.pods.toLocaleString('en')} pods, ${w.subnets} subnets, pod CIDR ${w.podCidr}${w.targets ? ` (${w.targets} targets)` : ''}`,
    '',
    `${m.date.slice(0, 16).replace('T', ' ')} UTC · ${m.cpus} × ${m.cpuModel} · node ${m.node} · ${m.database.replace(/ in \/tmp\/\S+/, '')} · ` +
      `load average ${m.loadavgStart.toFixed(1)} → ${m.loadavgEnd.toFixed(1)} · run took ${r.durationS.toFixed(0)} s` +
      (m.revision ? ` · HEAD ${m.revision.slice(0, 10)}` : ''),
    '',
    '| what | value | floor | ratio | target | result |',
    '|---|---|---|---|---|---|',
    ...r.metrics.map((x) =>
      `| ${cell(x.what)} | ${fmtValue(x.value, x.unit)} | ${fmtValue(x.floor, x.unit)} | ${fmtRatio(x)} | ${cell(x.target ?? '—')} | ${x.verdict === 'PASS' || x.verdict === 'FAIL' ? `**${x.verdict}**` : x.verdict}${x.note ? ` — ${cell(x.note)}` : ''} |`),
  ];
  if (r.errors.length) lines.push('', ...r.errors.map((e) => `- error: ${e}`));
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let files = process.argv.slice(2);
  if (files.length === 0) {
    files = fs.readdirSync(dir)
      .filter((f) => /^\d{4}-\d\d-\d\d-\d+(-url)?\.json$/.test(f))
      .map((f) => path.join(dir, f));
  }
  const results = files.map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as RunResult).sort((a, b) => a.workload.nodes - b.workload.nodes);
  console.log(results.map(markdown).join('\n\n'));
}
