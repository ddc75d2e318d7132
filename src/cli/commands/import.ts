// `podnet import NAME --nodes F --pods F`: adopts a live Kubernetes cluster
// (SPEC §11) from `kubectl get nodes -o json` and `kubectl get pods -A -o json`.
import { UsageError } from '../args.js';
import {
  EXIT, OUTPUT_HELP, OUTPUT_OPTIONS, OUTPUT_USAGE, isMachine, parseDocument, printData, printTable, readInput, usageOf, type Command,
} from '../command.js';
import { seg } from '../http.js';
import type { ApplyAnswer } from '../wire.js';
import { printApplied } from './apply.js';

/** Skipped pods listed by default (hostNetwork pods are many). */
const MAX_SKIPPED_ROWS = 20;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const pick = (o: unknown, keys: readonly string[]): Obj | undefined =>
  isObj(o) ? Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]])) : undefined;

function flannelAnnotations(meta: unknown): Obj | undefined {
  const ann = isObj(meta) && isObj(meta.annotations) ? meta.annotations : {};
  const keys = Object.keys(ann).filter((k) => k.startsWith('flannel.alpha.coreos.com/'));
  return keys.length > 0 ? pick(ann, keys) : undefined;
}

/**
 * Only what the import reads of each Node and Pod (SPEC §11): kubectl's JSON
 * is mostly managed fields, conditions, images and container specs, ~5 KB a
 * pod, so a 150,000-pod cluster's List would be far above the server's body
 * limit. Anything that is not a List is sent as it is, for the server to refuse.
 */
export function slimList(list: unknown, kind: 'Node' | 'Pod'): unknown {
  if (!isObj(list) || !Array.isArray(list.items)) return list;
  const items = list.items.map((it: unknown) => {
    if (!isObj(it)) return it;
    const meta = pick(it.metadata, ['name', 'namespace']) ?? {};
    const ann = flannelAnnotations(it.metadata);
    const spec = pick(it.spec, kind === 'Node' ? ['podCIDR', 'podCIDRs'] : ['nodeName', 'hostNetwork']);
    const status = pick(it.status, kind === 'Node' ? ['addresses'] : ['phase', 'podIP', 'podIPs']);
    return { kind, metadata: { ...meta, ...(ann ? { annotations: ann } : {}) }, ...(spec ? { spec } : {}), ...(status ? { status } : {}) };
  });
  return { apiVersion: list.apiVersion, kind: list.kind, items };
}

export const importCluster: Command = {
  words: ['import'],
  args: ['NAME'],
  optionsUsage: `--nodes FILE --pods FILE [--pod-cidr CIDR]... [--dry-run] ${OUTPUT_USAGE}`,
  summary: 'adopt a live Kubernetes cluster from kubectl\'s JSON (nodes and pods); every allocation is pinned',
  options: {
    nodes: { type: 'string' }, pods: { type: 'string' }, 'pod-cidr': { type: 'string', multiple: true }, 'dry-run': { type: 'boolean' },
    ...OUTPUT_OPTIONS,
  },
  help: [
    '  --nodes FILE    the output of `kubectl get nodes -o json` (- reads stdin)',
    '  --pods FILE     the output of `kubectl get pods -A -o json`',
    '  --pod-cidr CIDR the cluster CIDR (kube-controller-manager --cluster-cidr),',
    '                  once per family; without it the server answers 422 naming',
    '                  the smallest prefix that holds every node block',
    '  --dry-run       show the plan; store nothing',
    OUTPUT_HELP,
  ].join('\n'),
  async run(ctx, [name], v) {
    const usage = usageOf(importCluster);
    const files = { nodes: v.nodes as string | undefined, pods: v.pods as string | undefined };
    if (files.nodes === undefined) throw new UsageError('missing --nodes FILE (kubectl get nodes -o json)', usage);
    if (files.pods === undefined) throw new UsageError('missing --pods FILE (kubectl get pods -A -o json)', usage);
    if (files.nodes === '-' && files.pods === '-') throw new UsageError('--nodes and --pods cannot both read stdin', usage);
    const [nodes, pods] = await Promise.all([files.nodes, files.pods].map(async (f) => parseDocument(await readInput(f!), f === '-' ? 'stdin' : f!)));
    const podCidrs = v['pod-cidr'] as string[] | undefined;
    const dryRun = v['dry-run'] === true;
    const res = await ctx.client.request<ApplyAnswer>('POST', `/v1/clusters/${seg(name!)}/import`, {
      body: { ...(podCidrs ? { podCidrs } : {}), nodes: slimList(nodes, 'Node'), pods: slimList(pods, 'Pod') },
      query: { dryRun: dryRun || undefined },
    });
    if (isMachine(ctx)) {
      await printData(ctx, res.body);
      return EXIT.OK;
    }
    printApplied(ctx, name!, res.status, res.body, dryRun, 'imported');
    const skipped = res.body.skipped ?? [];
    if (skipped.length > 0) {
      const shown = ctx.output === 'wide' ? skipped : skipped.slice(0, MAX_SKIPPED_ROWS);
      ctx.out(`\n${skipped.length} pod${skipped.length === 1 ? '' : 's'} skipped:\n`);
      printTable(ctx, ['pod', 'reason'], shown.map((s) => [s.ref, s.reason]));
      if (shown.length < skipped.length) ctx.out(`... and ${skipped.length - shown.length} more (-o wide lists them all)\n`);
    }
    return EXIT.OK;
  },
};
