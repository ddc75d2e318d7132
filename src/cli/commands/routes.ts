// `podnet routes CLUSTER NODE|NS/POD`: a route table as the server renders it.
import { UsageError } from '../args.js';
import { EXIT, OUTPUT_OPTIONS, isMachine, printData, usageOf, type Command } from '../command.js';
import { seg } from '../http.js';
import { ROUTE_FORMATS } from '../../net/routes.js';


/** The server's formats, the CLI's default (text) first. */
const CLI_FORMATS = ['text', ...ROUTE_FORMATS.filter((f) => f !== 'text')];

export const routes: Command = {
  words: ['routes'],
  args: ['CLUSTER', 'NODE'],
  optionsUsage: '[--format text|json|script|fdb-script] [-o json|yaml]',
  summary: "a node's route table as the server generates it (NODE may be a pod, NS/NAME)",
  options: { format: { type: 'string', choices: CLI_FORMATS }, ...OUTPUT_OPTIONS },
  help: [
    '  --format text   `ip route show` lines (the default; -o wide shows the same)',
    '  --format json   {routes, neighbors, fdb} (the same as -o json or --json)',
    '  --format script an `ip -batch` file: route replace / neigh replace lines',
    '  --format fdb-script',
    '                  a `bridge -batch` file of the VXLAN FDB entries',
    '  -o yaml         {routes, neighbors, fdb} as YAML',
  ].join('\n'),
  async run(ctx, [cluster, target], v) {
    const given = v.format as string | undefined;
    if (isMachine(ctx) && given !== undefined && given !== 'json') {
      throw new UsageError(`-o ${ctx.output} conflicts with --format ${given}`, usageOf(routes));
    }
    const format = isMachine(ctx) ? 'json' : (given ?? 'text');
    const slash = target!.indexOf('/');
    const path = slash >= 0
      ? `/v1/clusters/${seg(cluster!)}/pods/${seg(target!.slice(0, slash))}/${seg(target!.slice(slash + 1))}/routes`
      : `/v1/clusters/${seg(cluster!)}/nodes/${seg(target!)}/routes`;
    const { body } = await ctx.client.get<unknown>(path, { query: { format }, ...(format === 'json' ? {} : { accept: 'text/plain' as const }) });
    if (format === 'json') {
      await printData(ctx, body);
      return EXIT.OK;
    }
    const text = typeof body === 'string' ? body : body === null ? '' : JSON.stringify(body);
    ctx.out(text === '' || text.endsWith('\n') ? text : `${text}\n`);
    return EXIT.OK;
  },
};
