// The client commands of `podnet` (SPEC §8): every command but `serve` is an
// HTTP client of a running service. Exit codes: 0 success; 1 a negative
// answer (verify failed, path not DELIVERED, a 4xx); 2 a usage error; 3 the
// server is unreachable or answered 5xx.
import { readFile, writeFile } from 'node:fs/promises';
import YAML from 'yaml';
import type { Config } from '../config.js';
import { expectPositionals, parseArgs, UsageError, wantsHelp, type OptionSpecs } from './args.js';
import { cellText, json, keyValues, list, percent, plainStyle, styleFor, table, type Cell, type Style } from './format.js';
import { ApiError, Client, seg, ServerError } from './http.js';
import { junitXml } from './junit.js';

export const EXIT = { OK: 0, NEGATIVE: 1, USAGE: 2, SERVER: 3 } as const;

/** A usage error about a file (unreadable, unparseable): no usage text with it. */
class InputError extends UsageError {}

interface Ctx {
  client: Client;
  config: Config;
  out(s: string): void;
  err(s: string): void;
  style: Style;
  errStyle: Style;
}

type Values = Record<string, string | boolean | undefined>;

interface Command {
  /** The words that select it, e.g. ['get', 'cluster']. */
  words: string[];
  args: string[];
  /** Options shown after the arguments in the usage line. */
  optionsUsage?: string;
  summary: string;
  options: OptionSpecs;
  /** Extra help text (option descriptions). */
  help?: string;
  run(ctx: Ctx, args: string[], values: Values): Promise<number>;
}

const JSON_OPT = { json: { type: 'boolean' } } as const satisfies OptionSpecs;

function usageOf(c: Command): string {
  return ['podnet', ...c.words, ...c.args, ...(c.optionsUsage ? [c.optionsUsage] : [])].join(' ');
}

// ---------------------------------------------------------------- commands

const apply: Command = {
  words: ['apply'],
  args: [],
  optionsUsage: '-f FILE [--dry-run] [--json]',
  summary: 'create a cluster, or converge it to the definition in FILE (YAML or JSON; - reads stdin)',
  options: { file: { type: 'string', short: 'f' }, filename: { type: 'string' }, 'dry-run': { type: 'boolean' }, ...JSON_OPT },
  help: [
    '  -f, --file FILE   the cluster definition, YAML or JSON; - reads it from stdin',
    '  --dry-run         show the plan (what would be created, removed, allocated); store nothing',
    '  --json            print the server\'s answer as JSON ({cluster, changes} or {plan, changes})',
  ].join('\n'),
  async run(ctx, _args, v) {
    const file = (v.file ?? v.filename) as string | undefined;
    if (file === undefined) throw new UsageError('missing -f FILE (the cluster definition; - for stdin)', usageOf(apply));
    const def = parseDefinition(await readInput(file), file === '-' ? 'stdin' : file);
    const dryRun = v['dry-run'] === true;
    let res;
    if (typeof def.name === 'string' && def.name !== '') {
      res = await ctx.client.request<ApplyAnswer>('PUT', `/v1/clusters/${seg(def.name)}`, { body: def, query: { dryRun: dryRun || undefined } });
    } else {
      // No name to PUT to: let the server validate the definition (nothing is stored).
      await ctx.client.request('POST', '/v1/clusters', { body: def, query: { dryRun: true } });
      throw new InputError(`${file === '-' ? 'stdin' : file}: the definition has no "name"`);
    }
    const body = res.body;
    if (v.json) {
      ctx.out(json(body));
      return EXIT.OK;
    }
    const changes = body.changes ?? [];
    const name = def.name;
    const created = changes.some((c) => c.kind === 'cluster' && c.action === 'create');
    let verb: string;
    if (dryRun) verb = changes.length === 0 ? 'unchanged (dry run)' : created ? 'would be created (dry run, nothing stored)' : 'would change (dry run, nothing stored)';
    else verb = res.status === 201 ? 'created' : changes.length === 0 ? 'unchanged' : 'configured';
    ctx.out(`cluster ${name} ${verb}\n`);
    if (changes.length > 0) {
      ctx.out(table(['action', 'kind', 'name', 'podCidrs/ips'], changes.map((c) => [c.action, c.kind, c.name, list(c.podCidrs ?? c.ips)]), ctx.style));
      const counts = new Map<string, number>();
      for (const c of changes) counts.set(c.action, (counts.get(c.action) ?? 0) + 1);
      ctx.out(`${[...counts].map(([a, n]) => `${n} ${dryRun ? `to ${a}` : `${a}d`}`).join(', ')}\n`);
    }
    const cl = body.cluster ?? body.plan;
    if (cl?.capacity) {
      ctx.out(`pod MTU ${cellText(cl.podMtu)}; ${capacityText(cl.capacity)}\n`);
    }
    return EXIT.OK;
  },
};

const getClusters: Command = {
  words: ['get', 'clusters'],
  args: [],
  optionsUsage: '[--json]',
  summary: 'list the clusters',
  options: { ...JSON_OPT },
  async run(ctx, _args, v) {
    const items = await ctx.client.all<ClusterSummary>('/v1/clusters');
    if (v.json) {
      ctx.out(json({ items }));
      return EXIT.OK;
    }
    if (items.length === 0) {
      ctx.err('no clusters\n');
      return EXIT.OK;
    }
    ctx.out(table(
      ['name', 'mode', 'pod cidrs', 'nodes', 'pods', 'version', 'updated'],
      items.map((c) => [c.name, c.mode, list(c.podCidrs), c.nodes, c.pods, c.version, c.updatedAt]),
      ctx.style,
    ));
    return EXIT.OK;
  },
};

const getCluster: Command = {
  words: ['get', 'cluster'],
  args: ['NAME'],
  optionsUsage: '[--json]',
  summary: 'one cluster: settings, capacity, nodes and pod count',
  options: { ...JSON_OPT },
  async run(ctx, [name], v) {
    const { body: c } = await ctx.client.get<ClusterViewLike>(`/v1/clusters/${seg(name!)}`);
    if (v.json) {
      ctx.out(json(c));
      return EXIT.OK;
    }
    const net = c.network ?? {};
    const mask = c.nodeMaskSize ?? {};
    const v6 = (c.podCidrs ?? []).some((p) => p.includes(':'));
    const pairs: [string, Cell][] = [
      ['Name', c.name],
      ['Pod CIDRs', list(c.podCidrs)],
      ['Node mask', v6 ? `/${mask.ipv4} (IPv4), /${mask.ipv6} (IPv6)` : `/${mask.ipv4}`],
      ['Service CIDR', c.serviceCidr],
      ['Mode', net.mode],
      ['MTU', `${cellText(net.mtu)} underlay, ${cellText(c.podMtu)} pods`],
      ['Bridge', net.bridge],
    ];
    if (net.mode === 'vxlan' || net.mode === 'cross-subnet') {
      pairs.push(['VXLAN', `${cellText(net.vxlan?.device)} vni ${cellText(net.vxlan?.vni)} port ${cellText(net.vxlan?.port)}`]);
    }
    pairs.push(
      ['Subnets', (c.subnets ?? []).map((s) => `${s.name} ${s.cidr}${s.gateway ? ` gw ${s.gateway}` : ''}`).join(', ')],
      ['Reserved', list(c.reserved)],
      ['Capacity', c.capacity ? capacityText(c.capacity) : null],
      ['Nodes', (c.nodes ?? []).length],
      ['Pods', (c.pods ?? []).length],
      ['Version', c.version],
      ['Updated', c.updatedAt],
    );
    ctx.out(keyValues(pairs));
    const nodes = c.nodes ?? [];
    if (nodes.length > 0) {
      const podsPer = new Map<string, number>();
      for (const p of c.pods ?? []) podsPer.set(p.node, (podsPer.get(p.node) ?? 0) + 1);
      ctx.out('\n');
      ctx.out(table(
        ['node', 'address', 'subnet', 'pod cidrs', 'pods'],
        nodes.map((n) => [n.name, list(n.addresses ?? n.address), n.subnet, list(n.podCidrs), podsPer.get(n.name) ?? 0]),
        ctx.style,
      ));
    }
    return EXIT.OK;
  },
};

const getNodes: Command = {
  words: ['get', 'nodes'],
  args: ['CLUSTER'],
  optionsUsage: '[--json]',
  summary: "a cluster's nodes and their pod CIDRs",
  options: { ...JSON_OPT },
  async run(ctx, [cluster], v) {
    const items = await ctx.client.all<NodeLike>(`/v1/clusters/${seg(cluster!)}/nodes`);
    if (v.json) {
      ctx.out(json({ items }));
      return EXIT.OK;
    }
    if (items.length === 0) {
      ctx.err(`no nodes in cluster ${cluster}\n`);
      return EXIT.OK;
    }
    ctx.out(table(
      ['name', 'addresses', 'interface', 'subnet', 'pod cidrs', 'gateways', 'vtep mac'],
      items.map((n) => [n.name, list(n.addresses ?? n.address), n.interface, n.subnet, list(n.podCidrs), list(n.gateways), n.vtepMac]),
      ctx.style,
    ));
    return EXIT.OK;
  },
};

const getPods: Command = {
  words: ['get', 'pods'],
  args: ['CLUSTER'],
  optionsUsage: '[--namespace NS] [--node NODE] [--json]',
  summary: "a cluster's pods and their IPs",
  options: { namespace: { type: 'string', short: 'n' }, node: { type: 'string' }, ...JSON_OPT },
  async run(ctx, [cluster], v) {
    const items = await ctx.client.all<PodLike>(`/v1/clusters/${seg(cluster!)}/pods`, {
      namespace: v.namespace as string | undefined, node: v.node as string | undefined,
    });
    if (v.json) {
      ctx.out(json({ items }));
      return EXIT.OK;
    }
    if (items.length === 0) {
      ctx.err(`no pods in cluster ${cluster}${v.namespace ? ` namespace ${v.namespace}` : ''}${v.node ? ` on node ${v.node}` : ''}\n`);
      return EXIT.OK;
    }
    ctx.out(table(['pod', 'node', 'ips', 'veth'], items.map((p) => [p.ref, p.node, list(p.ips), p.vethName]), ctx.style));
    return EXIT.OK;
  },
};

const ROUTE_FORMATS = ['text', 'json', 'script', 'fdb-script'] as const;

const routes: Command = {
  words: ['routes'],
  args: ['CLUSTER', 'NODE'],
  optionsUsage: '[--format text|json|script]',
  summary: "a node's route table as the server generates it (NODE may be a pod, NS/NAME)",
  options: { format: { type: 'string', choices: ROUTE_FORMATS }, ...JSON_OPT },
  help: [
    '  --format text     `ip route show` lines (the default)',
    '  --format json     {routes, neighbors, fdb} (same as --json)',
    '  --format script   an `ip -batch` file: route replace / neigh replace lines',
    '  --format fdb-script  a `bridge -batch` file of the VXLAN FDB entries',
  ].join('\n'),
  async run(ctx, [cluster, target], v) {
    if (v.json && v.format !== undefined && v.format !== 'json') throw new UsageError('--json conflicts with --format ' + String(v.format), usageOf(routes));
    const format = v.json ? 'json' : ((v.format as string | undefined) ?? 'text');
    const slash = target!.indexOf('/');
    const path = slash >= 0
      ? `/v1/clusters/${seg(cluster!)}/pods/${seg(target!.slice(0, slash))}/${seg(target!.slice(slash + 1))}/routes`
      : `/v1/clusters/${seg(cluster!)}/nodes/${seg(target!)}/routes`;
    const { body } = await ctx.client.get<unknown>(path, { query: { format }, text: format !== 'json' });
    if (format === 'json') ctx.out(json(body));
    else {
      const text = typeof body === 'string' ? body : body === null ? '' : JSON.stringify(body);
      ctx.out(text === '' || text.endsWith('\n') ? text : `${text}\n`);
    }
    return EXIT.OK;
  },
};

const path: Command = {
  words: ['path'],
  args: ['CLUSTER', 'FROM', 'TO'],
  optionsUsage: '[--json]',
  summary: 'the hop-by-hop path of a packet; exit 1 unless DELIVERED (FROM/TO: NS/NAME or NAME of a pod, node:NAME, or an IP)',
  options: { ...JSON_OPT },
  async run(ctx, [cluster, from, to], v) {
    const { body: p } = await ctx.client.get<PathLike>(`/v1/clusters/${seg(cluster!)}/path`, { query: { from, to } });
    const delivered = p.disposition === 'DELIVERED';
    if (v.json) {
      ctx.out(json(p));
      return delivered ? EXIT.OK : EXIT.NEGATIVE;
    }
    const s = ctx.style;
    const disp = delivered ? s.green(p.disposition) : s.red(p.disposition);
    ctx.out(
      `${endpointText(p.from, from!)} -> ${endpointText(p.to, to!)}: ${disp}` +
        `  mtu ${cellText(p.mtu)}  natFree ${cellText(p.natFree)}  encapsulation ${p.encapsulation ?? 'none'}` +
        `  sameNode ${cellText(p.sameNode)}\n`,
    );
    const hops = p.hops ?? [];
    const withOuter = hops.some((h) => h.outer);
    const header = ['#', 'node', 'netns', 'dev', 'kind', 'action', ...(withOuter ? ['outer'] : []), 'route'];
    ctx.out(table(header, hops.map((h) => [
      h.index, h.node ?? (h.kind === 'router' ? '(router)' : null), h.netns, h.dev, h.kind, h.action,
      ...(withOuter ? [h.outer ? outerText(h.outer) : null] : []), h.route,
    ]), s));
    return delivered ? EXIT.OK : EXIT.NEGATIVE;
  },
};

const verify: Command = {
  words: ['verify'],
  args: ['CLUSTER'],
  optionsUsage: '[--json] [--junit FILE]',
  summary: 'verify a whole cluster (overlaps, pod IPs, reachability, MTU, capacity); exit 1 if a check fails',
  options: { junit: { type: 'string' }, ...JSON_OPT },
  help: [
    '  --json         print the report as JSON ({ok, checks})',
    '  --junit FILE   also write a JUnit XML report (one testcase per check) for CI test reports',
  ].join('\n'),
  async run(ctx, [cluster], v) {
    const started = Date.now();
    const { body: report } = await ctx.client.get<VerifyLike>(`/v1/clusters/${seg(cluster!)}/verify`);
    const elapsed = (Date.now() - started) / 1000;
    const checks = report.checks ?? [];
    const ok = report.ok === true;
    if (typeof v.junit === 'string') {
      const xml = junitXml({
        name: `podnet verify ${cluster}`,
        timestamp: new Date(started),
        time: elapsed,
        properties: { cluster: cluster!, server: ctx.config.url },
        cases: checks.map((c) => ({
          name: c.name,
          classname: `podnet.verify.${cluster}`,
          time: elapsed / Math.max(1, checks.length),
          systemOut: c.detail,
          failure: c.ok ? undefined : {
            type: c.name,
            message: failureMessage(c),
            body: failureLines(c).join('\n'),
          },
        })),
      });
      try {
        await writeFile(v.junit, xml);
      } catch (err) {
        throw new InputError(`cannot write the JUnit report ${v.junit}: ${(err as Error).message}`);
      }
    }
    if (v.json) {
      ctx.out(json(report));
      return ok ? EXIT.OK : EXIT.NEGATIVE;
    }
    const s = ctx.style;
    ctx.out(table(['check', 'result', 'detail'], checks.map((c) => [c.name, c.ok ? s.green('ok') : s.red('FAIL'), c.detail]), s));
    for (const c of checks.filter((x) => !x.ok)) {
      const lines = failureLines(c);
      if (lines.length === 0) continue;
      ctx.out(`\n${c.name}:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
    }
    const failed = checks.filter((c) => !c.ok).length;
    ctx.out(`\nverify ${cluster}: ${ok ? s.green('ok') : s.red('FAILED')} (${ok ? `${checks.length} checks passed` : `${failed} of ${checks.length} checks failed`})\n`);
    return ok ? EXIT.OK : EXIT.NEGATIVE;
  },
};

const SCOPES = ['read', 'write', 'admin'] as const;

const tokenCreate: Command = {
  words: ['token', 'create'],
  args: ['NAME'],
  optionsUsage: '--scope read|write|admin [--json]',
  summary: 'create an API token; its secret is printed once, on stdout (needs an admin token)',
  options: { scope: { type: 'string', choices: SCOPES }, ...JSON_OPT },
  async run(ctx, [name], v) {
    if (v.scope === undefined) throw new UsageError('missing --scope read|write|admin', usageOf(tokenCreate));
    const { body } = await ctx.client.request<TokenLike & { token: string }>('POST', '/v1/tokens', { body: { name, scope: v.scope } });
    if (v.json) {
      ctx.out(json(body));
      return EXIT.OK;
    }
    ctx.err(`token ${body.name} created with scope ${body.scope}; its secret follows and is not shown again:\n`);
    ctx.out(`${body.token}\n`);
    return EXIT.OK;
  },
};

const tokenList: Command = {
  words: ['token', 'list'],
  args: [],
  optionsUsage: '[--json]',
  summary: 'list API tokens (never their secrets)',
  options: { ...JSON_OPT },
  async run(ctx, _args, v) {
    const { body } = await ctx.client.get<{ items?: TokenLike[] }>('/v1/tokens');
    const items = body?.items ?? [];
    if (v.json) {
      ctx.out(json({ items }));
      return EXIT.OK;
    }
    if (items.length === 0) {
      ctx.err('no tokens\n');
      return EXIT.OK;
    }
    ctx.out(table(['name', 'scope', 'created', 'last used'], items.map((t) => [t.name, t.scope, t.createdAt, t.lastUsed ?? 'never']), ctx.style));
    return EXIT.OK;
  },
};

const tokenRevoke: Command = {
  words: ['token', 'revoke'],
  args: ['NAME'],
  summary: 'revoke an API token',
  options: {},
  async run(ctx, [name]) {
    await ctx.client.request('DELETE', `/v1/tokens/${seg(name!)}`);
    ctx.out(`token ${name} revoked\n`);
    return EXIT.OK;
  },
};

const COMMANDS: Command[] = [apply, getClusters, getCluster, getNodes, getPods, routes, path, verify, tokenCreate, tokenList, tokenRevoke];
const GROUPS: Record<string, Record<string, string>> = {
  get: { clusters: 'clusters', cluster: 'cluster', nodes: 'nodes', node: 'nodes', pods: 'pods', pod: 'pods' },
  token: { create: 'create', list: 'list', ls: 'list', revoke: 'revoke', delete: 'revoke' },
};

// ---------------------------------------------------------------- helpers

interface Change { action: string; kind: string; name: string; podCidrs?: string[]; ips?: string[] }
interface CapacityLike { maxNodes?: number | string; used?: number; free?: number | string; utilization?: number }
interface ApplyAnswer { cluster?: ClusterViewLike; plan?: ClusterViewLike; changes?: Change[] }
interface ClusterSummary { name: string; podCidrs: string[]; mode: string; nodes: number; pods: number; version: number; updatedAt: string }
interface NodeLike {
  name: string; address?: string; addresses?: string[]; interface?: string; subnet?: string | null;
  podCidrs?: string[]; gateways?: string[]; vtepMac?: string;
}
interface PodLike { ref: string; node: string; ips?: string[]; vethName?: string }
interface ClusterViewLike {
  name: string; podCidrs?: string[]; nodeMaskSize?: { ipv4?: number; ipv6?: number }; serviceCidr?: string | null;
  network?: { mode?: string; mtu?: number; bridge?: string; vxlan?: { device?: string; vni?: number; port?: number } };
  subnets?: { name: string; cidr: string; gateway?: string | null }[]; reserved?: string[];
  nodes?: NodeLike[]; pods?: PodLike[]; podMtu?: number; capacity?: CapacityLike; version?: number; updatedAt?: string;
}
interface EndpointLike { kind?: string; ref?: string; name?: string; subnet?: string; node?: string; ip?: string }
interface OuterLike { src: string; dst: string; protocol: string; port?: number; vni?: number }
interface HopLike {
  index: number; node: string | null; netns: string | null; dev: string | null; kind: string; action: string;
  route?: string; outer?: OuterLike;
}
interface PathLike {
  from?: EndpointLike; to?: EndpointLike; disposition: string; sameNode?: boolean; encapsulation?: string | null;
  natFree?: boolean; mtu?: number | null; hops?: HopLike[];
}
interface CheckLike {
  name: string; ok: boolean; detail?: string; failures?: { message?: string }[]; failureCount?: number;
}
interface VerifyLike { ok: boolean; checks?: CheckLike[] }
interface TokenLike { name: string; scope: string; createdAt?: string; lastUsed?: string | null }

function capacityText(c: CapacityLike): string {
  return `${cellText(c.used)} of ${cellText(c.maxNodes)} node blocks used (${cellText(c.free)} free, ${percent(c.utilization)})`;
}

function endpointText(e: EndpointLike | undefined, given: string): string {
  if (!e) return given;
  switch (e.kind) {
    case 'pod': return `pod ${e.ref} (${e.ip})`;
    case 'node': return `node ${e.name} (${e.ip})`;
    case 'router': return `router ${e.subnet} (${e.ip})`;
    default: return e.ip ?? given;
  }
}

function outerText(o: OuterLike): string {
  return `${o.src}->${o.dst} ${o.protocol}${o.port !== undefined ? `/${o.port}` : ''}${o.vni !== undefined ? ` vni ${o.vni}` : ''}`;
}

function failureLines(c: CheckLike): string[] {
  const lines = (c.failures ?? []).map((f) => f.message ?? JSON.stringify(f));
  const total = c.failureCount ?? lines.length;
  if (total > lines.length) lines.push(`... and ${total - lines.length} more`);
  return lines;
}

function failureMessage(c: CheckLike): string {
  const shown = (c.failures ?? []).map((f) => f.message ?? '').filter((m) => m !== '');
  const head = c.detail ?? `${c.name} failed`;
  if (shown.length === 0) return head;
  const total = c.failureCount ?? shown.length;
  return `${head}: ${shown.join('; ')}${total > shown.length ? `; ... and ${total - shown.length} more` : ''}`;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new InputError('-f -: stdin is a terminal; pipe the definition in, or name a file');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function readInput(file: string): Promise<string> {
  if (file === '-') return readStdin();
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'it is a directory' : e.code === 'EACCES' ? 'permission denied' : e.message;
    throw new InputError(`cannot read ${file}: ${why}`);
  }
}

/** YAML or JSON (JSON is YAML); one document, a mapping. */
function parseDefinition(text: string, where: string): Record<string, unknown> & { name?: unknown } {
  let doc: unknown;
  try {
    doc = YAML.parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new InputError(`cannot parse ${where}: ${(err as Error).message.split('\n')[0]!.replace(/:\s*$/, '')}`);
  }
  if (doc === null || doc === undefined) throw new InputError(`${where} is empty: expected a cluster definition`);
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new InputError(`${where}: expected a cluster definition (a mapping with name, podCidrs, nodes, ...), got ${Array.isArray(doc) ? 'a list' : `a ${typeof doc}`}`);
  }
  return doc as Record<string, unknown>;
}

// ---------------------------------------------------------------- help and dispatch

function commandList(extra: readonly (readonly [string, string])[] = []): string {
  const rows = [
    ...COMMANDS.map((c) => [usageOf(c).slice('podnet '.length), c.summary.split(';')[0]!.split(' (')[0]!] as const),
    ...extra,
  ];
  const w = Math.max(...rows.map(([u]) => u.length));
  return rows.map(([u, s]) => `  ${u.padEnd(w)}  ${s}`).join('\n');
}

function shortUsage(): string {
  return `usage: podnet <command> [arguments] [options]\n\n${commandList()}\n\nRun 'podnet help' for details.\n`;
}

function fullHelp(): string {
  return [
    'podnet: network planning for Kubernetes-style pod networks.',
    '',
    'usage: podnet <command> [arguments] [options]',
    '',
    'Commands:',
    commandList([
      ['serve', 'run the service (PORT, HOST, DATABASE_URL, PODNET_AUTH, ...)'],
      ['help [COMMAND]', "this text, or one command's"],
    ]),
    '',
    'Every command but serve talks to a running podnet server:',
    '  PODNET_URL    the server (default http://127.0.0.1:3000)',
    '  PODNET_TOKEN  sent as "Authorization: Bearer <token>"',
    '',
    'Output: aligned tables for people; --json for machines. Errors go to stderr.',
    'Exit codes: 0 success; 1 a negative answer (verify failed, path not DELIVERED,',
    '  request rejected with a 4xx); 2 usage error; 3 server unreachable or 5xx.',
    '',
  ].join('\n');
}

function commandHelp(c: Command): string {
  const opts = c.help ?? (Object.keys(c.options).includes('json') ? '  --json  print the server\'s answer as JSON' : '');
  return `usage: ${usageOf(c)}\n\n${c.summary}\n${opts ? `\nOptions:\n${opts}\n` : ''}`;
}

/** Resolves the command words; returns the command and the rest of argv. */
function resolve(argv: readonly string[]): { cmd: Command; rest: string[] } {
  const [first, second] = argv;
  if (first === undefined) throw new UsageError('missing command');
  const group = GROUPS[first];
  if (group) {
    const kinds = [...new Set(Object.values(group))].join(', ');
    if (second === undefined || second.startsWith('-')) throw new UsageError(`${first}: missing what (${kinds})`, groupUsage(first));
    const sub = group[second];
    if (!sub) throw new UsageError(`${first}: unknown ${first === 'get' ? 'resource' : 'subcommand'} ${JSON.stringify(second)}; expected ${kinds}`, groupUsage(first));
    return { cmd: COMMANDS.find((c) => c.words[0] === first && c.words[1] === sub)!, rest: argv.slice(2) };
  }
  const cmd = COMMANDS.find((c) => c.words.length === 1 && c.words[0] === first);
  if (!cmd) throw new UsageError(`unknown command ${JSON.stringify(first)}`);
  return { cmd, rest: argv.slice(1) };
}

function groupUsage(word: string): string {
  return COMMANDS.filter((c) => c.words[0] === word).map(usageOf).join('\n       ');
}

function printFailure(ctx: Ctx, err: unknown): number {
  const red = ctx.errStyle.red;
  if (err instanceof UsageError) {
    ctx.err(`${red('error:')} ${err.message}\n`);
    if (err instanceof InputError) return EXIT.USAGE;
    ctx.err(err.usage ? `usage: ${err.usage}\nRun 'podnet help' for details.\n` : shortUsage());
    return EXIT.USAGE;
  }
  if (err instanceof ApiError) {
    ctx.err(`${red('error:')} ${err.code}: ${err.detail}\n`);
    for (const f of err.errors) {
      const line = `${f.path ? `${f.path}: ` : ''}${f.message ?? JSON.stringify(f)}`;
      if (err.errors.length > 1 || line !== err.detail) ctx.err(`  ${line}\n`);
    }
    if (err.status === 401) {
      ctx.err(ctx.config.token === null
        ? 'hint: set PODNET_TOKEN to an API token (podnet token create NAME --scope read)\n'
        : 'hint: PODNET_TOKEN is not a valid token for this server\n');
    } else if (err.status === 403) {
      ctx.err('hint: PODNET_TOKEN\'s scope is too small for this request\n');
    }
    return EXIT.NEGATIVE;
  }
  if (err instanceof ServerError) {
    ctx.err(`${red('error:')} ${err.message}\n`);
    return EXIT.SERVER;
  }
  throw err;
}

/** Where a run writes; tests pass their own, the command uses the process's streams. */
export interface ClientIo {
  out(s: string): void;
  err(s: string): void;
  /** Colours for stdout and stderr (none unless a colour terminal). */
  style?: Style;
  errStyle?: Style;
}

function processIo(): ClientIo {
  // `podnet get clusters | head` closes the pipe early: not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  return {
    out: (s) => { process.stdout.write(s); },
    err: (s) => { process.stderr.write(s); },
    style: styleFor(process.stdout),
    errStyle: styleFor(process.stderr),
  };
}

export async function runClient(argv: string[], config: Config, io: ClientIo = processIo()): Promise<number> {
  const ctx: Ctx = {
    client: new Client(config.url, config.token),
    config,
    out: io.out,
    err: io.err,
    style: io.style ?? plainStyle,
    errStyle: io.errStyle ?? plainStyle,
  };
  try {
    const [first] = argv;
    if (first === 'help' || wantsHelp(argv)) {
      const topic = (first === 'help' ? argv.slice(1) : argv).filter((a) => !a.startsWith('-'));
      let cmd: Command | null = null;
      try {
        if (topic.length > 0) cmd = resolve(topic).cmd;
      } catch (err) {
        // `podnet help get` / `podnet get --help`: the group's commands.
        if (topic.length === 1 && GROUPS[topic[0]!]) {
          ctx.out(`usage: ${groupUsage(topic[0]!)}\n`);
          return EXIT.OK;
        }
        // `podnet help nonsense` is a usage error; `podnet nonsense --help` shows everything.
        if (first === 'help') throw err;
      }
      ctx.out(cmd ? commandHelp(cmd) : fullHelp());
      return EXIT.OK;
    }
    if (first === undefined) {
      ctx.err(shortUsage());
      return EXIT.USAGE;
    }
    const { cmd, rest } = resolve(argv);
    const usage = usageOf(cmd);
    const { positionals, values } = parseArgs(rest, cmd.options, usage);
    const args = expectPositionals(positionals, cmd.args, usage);
    return await cmd.run(ctx, args, values);
  } catch (err) {
    return printFailure(ctx, err);
  }
}
