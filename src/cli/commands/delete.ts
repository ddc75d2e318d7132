// `podnet delete cluster|node|pod`: removes one object (a cluster with
// everything in it; a node with its pods). Its blocks and IPs are free again.
import { UsageError } from '../args.js';
import { EXIT, usageOf, type Command, type Ctx } from '../command.js';
import { seg } from '../http.js';

async function remove(ctx: Ctx, path: string, what: string): Promise<number> {
  await ctx.client.request('DELETE', path);
  ctx.out(`${what} deleted\n`);
  return EXIT.OK;
}

export const deleteCluster: Command = {
  words: ['delete', 'cluster'],
  args: ['NAME'],
  summary: 'delete a cluster and everything in it',
  options: {},
  run: (ctx, [name]) => remove(ctx, `/v1/clusters/${seg(name!)}`, `cluster ${name}`),
};

export const deleteNode: Command = {
  words: ['delete', 'node'],
  args: ['CLUSTER', 'NODE'],
  summary: 'remove a node and its pods; its pod CIDRs are free again',
  options: {},
  run: (ctx, [cluster, node]) => remove(ctx, `/v1/clusters/${seg(cluster!)}/nodes/${seg(node!)}`, `node ${node} of cluster ${cluster}`),
};

export const deletePod: Command = {
  words: ['delete', 'pod'],
  args: ['CLUSTER', 'NS/POD'],
  summary: 'remove a pod (NS/POD, or POD in namespace default); its IPs are free again',
  options: {},
  run(ctx, [cluster, ref]) {
    const slash = ref!.indexOf('/');
    const [ns, pod] = slash >= 0 ? [ref!.slice(0, slash), ref!.slice(slash + 1)] : ['default', ref!];
    if (ns === '' || pod === '' || pod.includes('/')) throw new UsageError(`NS/POD: expected namespace/name, got ${JSON.stringify(ref)}`, usageOf(deletePod));
    return remove(ctx, `/v1/clusters/${seg(cluster!)}/pods/${seg(ns)}/${seg(pod)}`, `pod ${ns}/${pod} of cluster ${cluster}`);
  },
};
