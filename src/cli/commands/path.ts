// `podnet path CLUSTER FROM TO [--svg FILE]`: the hop table; exit 1 unless DELIVERED.
import { writeFile } from 'node:fs/promises';
import { EXIT, InputError, OUTPUT_HELP, OUTPUT_OPTIONS, OUTPUT_USAGE, isMachine, printData, printTable, type Command } from '../command.js';
import { cellText, fitLines } from '../format.js';
import { seg } from '../http.js';
import type { Endpoint, OuterHeader, Path } from '../wire.js';

export const path: Command = {
  words: ['path'],
  args: ['CLUSTER', 'FROM', 'TO'],
  optionsUsage: `[--svg FILE] ${OUTPUT_USAGE}`,
  summary: 'the hop-by-hop path of a packet; exit 1 unless DELIVERED (FROM/TO: NS/NAME or NAME of a pod, node:NAME, or an IP)',
  options: { svg: { type: 'string' }, ...OUTPUT_OPTIONS },
  help: ['  --svg FILE      also write the path picture (SVG) to FILE', OUTPUT_HELP].join('\n'),
  async run(ctx, [cluster, from, to], v) {
    const where = `/v1/clusters/${seg(cluster!)}/path`;
    const { body: p } = await ctx.client.get<Path>(where, { query: { from, to } });
    if (typeof v.svg === 'string') {
      const { body: svg } = await ctx.client.get<string>(where, { query: { from, to, format: 'svg' }, accept: 'image/svg+xml' });
      try {
        await writeFile(v.svg, typeof svg === 'string' ? svg : '');
      } catch (err) {
        throw new InputError(`cannot write the path picture ${v.svg}: ${(err as Error).message}`);
      }
    }
    const delivered = p.disposition === 'DELIVERED';
    if (isMachine(ctx)) {
      await printData(ctx, p);
      return delivered ? EXIT.OK : EXIT.NEGATIVE;
    }
    const s = ctx.style;
    const disp = delivered ? s.green(p.disposition) : s.red(p.disposition);
    ctx.out(fitLines(`${endpointText(p.from, from!)} -> ${endpointText(p.to, to!)}: ${disp}`, ctx.width) + '\n');
    ctx.out(`  mtu ${cellText(p.mtu)}  natFree ${cellText(p.natFree)}  encapsulation ${p.encapsulation ?? 'none'}  sameNode ${cellText(p.sameNode)}\n`);
    const hops = p.hops;
    const withOuter = hops.some((h) => h.outer);
    const header = ['#', 'node', 'netns', 'dev', 'kind', 'action', ...(withOuter ? ['outer'] : []), 'route'];
    printTable(ctx, header, hops.map((h) => [
      h.index, h.node ?? (h.kind === 'router' ? '(router)' : null), h.netns, h.dev, h.kind, h.action,
      ...(withOuter ? [h.outer ? outerText(h.outer) : null] : []), h.route,
    ]));
    return delivered ? EXIT.OK : EXIT.NEGATIVE;
  },
};

function endpointText(e: Endpoint | undefined, given: string): string {
  if (!e) return given;
  switch (e.kind) {
    case 'pod': return `pod ${e.ref} (${e.ip})`;
    case 'node': return `node ${e.name} (${e.ip})`;
    case 'router': return `router ${e.subnet} (${e.ip})`;
    default: return e.ip ?? given;
  }
}

function outerText(o: OuterHeader): string {
  return `${o.src}->${o.dst} ${o.protocol}${o.port !== undefined ? `/${o.port}` : ''}${o.vni !== undefined ? ` vni ${o.vni}` : ''}`;
}
