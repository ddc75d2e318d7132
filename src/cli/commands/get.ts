// `podnet get clusters|cluster|nodes|pods`: reads, as tables, JSON or YAML.
import type { OptionSpecs } from '../args.js';
import {
  EXIT, LIMIT_HELP, LIMIT_OPTIONS, OUTPUT_HELP, OUTPUT_OPTIONS, OUTPUT_USAGE, isMachine, limitOf, printData, printList, printTable,
  usageOf, type Command, type Values,
} from '../command.js';
import { cellText, keyValues, list, type Cell } from '../format.js';
import { seg } from '../http.js';
import type { ClusterSummary, ClusterView, NodeView, PodView } from '../wire.js';
import { capacityText } from './apply.js';

const LIST_HELP = `${OUTPUT_HELP}\n${LIMIT_HELP}`;
const LIST_USAGE = `[--limit N] ${OUTPUT_USAGE}`;

/** What a list command shows: where the list is, what an empty one says, its columns and rows. */
interface ListSpec<T> {
  words: string[];
  args: string[];
  summary: string;
  /** Options of its own, before the output and limit ones, with their usage and help lines. */
  own?: { options: OptionSpecs; usage: string; help: string[] };
  path(args: string[]): string;
  filter?(v: Values): Record<string, string | undefined>;
  empty(args: string[], v: Values): string;
  header(wide: boolean): string[];
  row(item: T, wide: boolean): Cell[];
}

function listCommand<T>(spec: ListSpec<T>): Command {
  const cmd: Command = {
    words: spec.words,
    args: spec.args,
    optionsUsage: spec.own ? `${spec.own.usage} ${LIST_USAGE}` : LIST_USAGE,
    summary: spec.summary,
    options: { ...spec.own?.options, ...OUTPUT_OPTIONS, ...LIMIT_OPTIONS },
    help: [...(spec.own?.help ?? []), LIST_HELP].join('\n'),
    async run(ctx, args, v) {
      const answer = await ctx.client.list<T>(spec.path(args), spec.filter?.(v) ?? {}, limitOf(v, usageOf(cmd)));
      const wide = ctx.output === 'wide';
      await printList(ctx, answer, spec.empty(args, v), (items) =>
        printTable(ctx, spec.header(wide), items.map((item) => spec.row(item, wide))));
      return EXIT.OK;
    },
  };
  return cmd;
}

export const getClusters = listCommand<ClusterSummary>({
  words: ['get', 'clusters'],
  args: [],
  summary: 'list the clusters',
  path: () => '/v1/clusters',
  empty: () => 'no clusters',
  header: (wide) => ['name', 'mode', 'pod cidrs', 'nodes', 'pods', 'version', 'updated', ...(wide ? ['created'] : [])],
  row: (c, wide) => [c.name, c.mode, list(c.podCidrs), c.nodes, c.pods, c.version, c.updatedAt, ...(wide ? [c.createdAt] : [])],
});

export const getCluster: Command = {
  words: ['get', 'cluster'],
  args: ['NAME'],
  optionsUsage: OUTPUT_USAGE,
  summary: 'one cluster: settings, capacity, nodes and pod count',
  options: { ...OUTPUT_OPTIONS },
  help: OUTPUT_HELP,
  async run(ctx, [name]) {
    const { body: c } = await ctx.client.get<ClusterView>(`/v1/clusters/${seg(name!)}`);
    if (isMachine(ctx)) {
      await printData(ctx, c);
      return EXIT.OK;
    }
    const net = c.network;
    const mask = c.nodeMaskSize;
    const v6 = c.podCidrs.some((p) => p.includes(':'));
    const pairs: [string, string | number | null][] = [
      ['Name', c.name],
      ['Pod CIDRs', list(c.podCidrs)],
      ['Node mask', v6 ? `/${mask.ipv4} (IPv4), /${mask.ipv6} (IPv6)` : `/${mask.ipv4}`],
      ['Service CIDR', c.serviceCidr],
      ['Mode', net.mode],
      ['MTU', `${cellText(net.mtu)} underlay, ${cellText(c.podMtu)} pods`],
      ['Bridge', net.bridge],
    ];
    if (net.mode === 'vxlan' || net.mode === 'cross-subnet') {
      pairs.push(['VXLAN', `${cellText(net.vxlan.device)} vni ${cellText(net.vxlan.vni)} port ${cellText(net.vxlan.port)}`]);
    }
    pairs.push(
      ['Subnets', c.subnets.map((s) => `${s.name} ${s.cidr}${s.gateway ? ` gw ${s.gateway}` : ''}`).join(', ')],
      ['Reserved', list(c.reserved)],
      ['Capacity', capacityText(c.capacity)],
      ['Nodes', c.nodes.length],
      ['Pods', c.pods.length],
      ['Version', c.version ?? null],
      ['Updated', c.updatedAt ?? null],
    );
    ctx.out(keyValues(pairs, ctx.width));
    if (c.nodes.length > 0) {
      const podsPer = new Map<string, number>();
      for (const p of c.pods) podsPer.set(p.node, (podsPer.get(p.node) ?? 0) + 1);
      ctx.out('\n');
      printTable(ctx, ['node', 'address', 'subnet', 'pod cidrs', 'pods'],
        c.nodes.map((n) => [n.name, list(n.addresses), n.subnet, list(n.podCidrs), podsPer.get(n.name) ?? 0]));
    }
    return EXIT.OK;
  },
};

export const getNodes = listCommand<NodeView>({
  words: ['get', 'nodes'],
  args: ['CLUSTER'],
  summary: "a cluster's nodes and their pod CIDRs",
  path: ([cluster]) => `/v1/clusters/${seg(cluster!)}/nodes`,
  empty: ([cluster]) => `no nodes in cluster ${cluster}`,
  header: (wide) => ['name', 'addresses', 'subnet', 'pod cidrs', ...(wide ? ['interface', 'gateways', 'vtep mac'] : [])],
  row: (n, wide) => [n.name, list(n.addresses), n.subnet, list(n.podCidrs), ...(wide ? [n.interface, list(n.gateways), n.vtepMac] : [])],
});

const podFilter = (v: Values) => ({ namespace: v.namespace as string | undefined, node: v.node as string | undefined });

export const getPods = listCommand<PodView>({
  words: ['get', 'pods'],
  args: ['CLUSTER'],
  summary: "a cluster's pods and their IPs",
  own: {
    options: { namespace: { type: 'string', short: 'n' }, node: { type: 'string' } },
    usage: '[--namespace NS] [--node NODE]',
    help: ['  -n, --namespace NS  only the pods of namespace NS', '  --node NODE     only the pods on NODE'],
  },
  path: ([cluster]) => `/v1/clusters/${seg(cluster!)}/pods`,
  filter: podFilter,
  empty: ([cluster], v) => {
    const f = podFilter(v);
    return `no pods in cluster ${cluster}${f.namespace ? ` namespace ${f.namespace}` : ''}${f.node ? ` on node ${f.node}` : ''}`;
  },
  header: () => ['pod', 'node', 'ips', 'veth'],
  row: (p) => [p.ref, p.node, list(p.ips), p.vethName],
});
