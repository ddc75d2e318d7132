// `podnet delete cluster|node|pod`: removes one object (a cluster with
// everything in it; a node with its pods). Its blocks and IPs are free again.
import { UsageError } from '../args.js';
import { EXIT, usageOf, type Command } from '../command.js';
import { seg } from '../http.js';

/** A command that DELETEs one object and says so: `target` names its path and how the answer calls it. */
export function removeCommand(spec: Pick<Command, 'words' | 'args' | 'summary'> & {
  target(args: string[], usage: string): { path: string; what: string };
  done?: string;
}): Command {
  const cmd: Command = {
    words: spec.words,
    args: spec.args,
    summary: spec.summary,
    options: {},
    async run(ctx, args) {
      const { path, what } = spec.target(args, usageOf(cmd));
      await ctx.client.request('DELETE', path);
      ctx.out(`${what} ${spec.done ?? 'deleted'}\n`);
      return EXIT.OK;
    },
  };
  return cmd;
}

export const deleteCluster = removeCommand({
  words: ['delete', 'cluster'],
  args: ['NAME'],
  summary: 'delete a cluster and everything in it',
  target: ([name]) => ({ path: `/v1/clusters/${seg(name!)}`, what: `cluster ${name}` }),
});

export const deleteNode = removeCommand({
  words: ['delete', 'node'],
  args: ['CLUSTER', 'NODE'],
  summary: 'remove a node and its pods; its pod CIDRs are free again',
  target: ([cluster, node]) => ({ path: `/v1/clusters/${seg(cluster!)}/nodes/${seg(node!)}`, what: `node ${node} of cluster ${cluster}` }),
});

export const deletePod = removeCommand({
  words: ['delete', 'pod'],
  args: ['CLUSTER', 'NS/POD'],
  summary: 'remove a pod (NS/POD, or POD in namespace default); its IPs are free again',
  target([cluster, ref], usage) {
    const slash = ref!.indexOf('/');
    const [ns, pod] = slash >= 0 ? [ref!.slice(0, slash), ref!.slice(slash + 1)] : ['default', ref!];
    if (ns === '' || pod === '' || pod.includes('/')) throw new UsageError(`NS/POD: expected namespace/name, got ${JSON.stringify(ref)}`, usage);
    return { path: `/v1/clusters/${seg(cluster!)}/pods/${seg(ns)}/${seg(pod)}`, what: `pod ${ns}/${pod} of cluster ${cluster}` };
  },
});
