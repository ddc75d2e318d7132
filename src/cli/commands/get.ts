// `podnet get clusters|cluster|nodes|pods`: reads, as tables, JSON or YAML.
import {
  EXIT, LIMIT_HELP, LIMIT_OPTIONS, OUTPUT_HELP, OUTPUT_OPTIONS, OUTPUT_USAGE, isMachine, limitOf, printData, printList, printTable,
  usageOf, type Command,
} from '../command.js';
import { cellText, keyValues, list } from '../format.js';
import { seg } from '../http.js';
import type { ClusterSummary, ClusterView, NodeView, PodView } from '../wire.js';
import { capacityText } from './apply.js';

const LIST_HELP = `${OUTPUT_HELP}\n${LIMIT_HELP}`;
const LIST_USAGE = `[--limit N] ${OUTPUT_USAGE}`;

export const getClusters: Command = {
  words: ['get', 'clusters'],
  args: [],
  optionsUsage: LIST_USAGE,
  summary: 'list the clusters',
  options: { ...OUTPUT_OPTIONS, ...LIMIT_OPTIONS },
  help: LIST_HELP,
  async run(ctx, _args, v) {
    const answer = await ctx.client.list<ClusterSummary>('/v1/clusters', {}, limitOf(v, usageOf(getClusters)));
    const wide = ctx.output === 'wide';
    await printList(ctx, answer, 'no clusters', (items) => printTable(ctx,
      ['name', 'mode', 'pod cidrs', 'nodes', 'pods', 'version', 'updated', ...(wide ? ['created'] : [])],
      items.map((c) => [c.name, c.mode, list(c.podCidrs), c.nodes, c.pods, c.version, c.updatedAt, ...(wide ? [c.createdAt] : [])]),
    ));
    return EXIT.OK;
  },
};

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

export const getNodes: Command = {
  words: ['get', 'nodes'],
  args: ['CLUSTER'],
  optionsUsage: LIST_USAGE,
  summary: "a cluster's nodes and their pod CIDRs",
  options: { ...OUTPUT_OPTIONS, ...LIMIT_OPTIONS },
  help: LIST_HELP,
  async run(ctx, [cluster], v) {
    const answer = await ctx.client.list<NodeView>(`/v1/clusters/${seg(cluster!)}/nodes`, {}, limitOf(v, usageOf(getNodes)));
    const wide = ctx.output === 'wide';
    await printList(ctx, answer, `no nodes in cluster ${cluster}`, (items) => printTable(ctx,
      ['name', 'addresses', 'subnet', 'pod cidrs', ...(wide ? ['interface', 'gateways', 'vtep mac'] : [])],
      items.map((n) => [n.name, list(n.addresses), n.subnet, list(n.podCidrs), ...(wide ? [n.interface, list(n.gateways), n.vtepMac] : [])]),
    ));
    return EXIT.OK;
  },
};

export const getPods: Command = {
  words: ['get', 'pods'],
  args: ['CLUSTER'],
  optionsUsage: `[--namespace NS] [--node NODE] ${LIST_USAGE}`,
  summary: "a cluster's pods and their IPs",
  options: { namespace: { type: 'string', short: 'n' }, node: { type: 'string' }, ...OUTPUT_OPTIONS, ...LIMIT_OPTIONS },
  help: ['  -n, --namespace NS  only the pods of namespace NS', '  --node NODE     only the pods on NODE', LIST_HELP].join('\n'),
  async run(ctx, [cluster], v) {
    const filter = { namespace: v.namespace as string | undefined, node: v.node as string | undefined };
    const answer = await ctx.client.list<PodView>(`/v1/clusters/${seg(cluster!)}/pods`, filter, limitOf(v, usageOf(getPods)));
    const where = `${filter.namespace ? ` namespace ${filter.namespace}` : ''}${filter.node ? ` on node ${filter.node}` : ''}`;
    await printList(ctx, answer, `no pods in cluster ${cluster}${where}`, (items) =>
      printTable(ctx, ['pod', 'node', 'ips', 'veth'], items.map((p) => [p.ref, p.node, list(p.ips), p.vethName])));
    return EXIT.OK;
  },
};
