// Prisma Client's job: every row-at-a-time read and write. One node or one
// pod added or removed under the cluster's lock, the list of clusters, and
// deleting a cluster (its nodes go by ON DELETE CASCADE, their pods by the
// node delete trigger).
import { Addr, Prefix, type Family } from '../net/ip.js';
import type { ClusterSettings, Mode, NodeSpec, PodSpec } from '../net/model.js';
import type { Cluster, Prisma, PrismaClient, ReservedRange, Subnet } from '../generated/prisma/client.js';
import { lockKey } from './bulk.js';
import { addrOrNull, columnOf, familyPair, prefixOrNull, withVtepMac } from './columns.js';
import type { ClusterRecord, ClusterSummaryRecord, ClusterUsageRecord, NewRow, StoredNode } from './records.js';

type Tx = Prisma.TransactionClient;

const recordOf = (c: Cluster): ClusterRecord => ({ id: c.id, name: c.name, version: c.version, createdAt: c.createdAt, updatedAt: c.updatedAt });

function settingsOf(c: Cluster & { subnets: Subnet[]; reserved: ReservedRange[] }): ClusterSettings {
  return {
    name: c.name,
    podCidrs: c.podCidrs.map((p) => Prefix.parse(p)),
    nodeMaskSize: { ipv4: c.nodeMaskV4, ipv6: c.nodeMaskV6 },
    serviceCidr: c.serviceCidr ? Prefix.parse(c.serviceCidr) : null,
    network: { mode: c.mode as Mode, mtu: c.mtu, bridge: c.bridge, vxlan: { device: c.vxlanDevice, vni: c.vxlanVni, port: c.vxlanPort } },
    subnets: c.subnets.map((s) => ({ name: s.name, cidr: Prefix.parse(s.cidr), gateway: s.gateway ? Addr.parse(s.gateway) : null })),
    reserved: c.reserved.map((r) => Prefix.parse(r.cidr)),
  };
}


/** One row-at-a-time change: a Prisma transaction holding the cluster's lock. */
export class RowWrite {
  constructor(private readonly tx: Tx) {}

  async lockAndRead(name: string): Promise<ClusterRecord | null> {
    await this.tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey(name)}, 0))`;
    const c = await this.tx.cluster.findUnique({ where: { name } });
    return c ? recordOf(c) : null;
  }

  async settings(clusterId: number): Promise<ClusterSettings> {
    const c = await this.tx.cluster.findUniqueOrThrow({
      where: { id: clusterId },
      include: { subnets: { orderBy: { ordinal: 'asc' } }, reserved: { orderBy: { ordinal: 'asc' } } },
    });
    return settingsOf(c);
  }

  /** Every node's name and pinned VTEP MAC (null: derived), for checking one more. */
  async vtepMacs(clusterId: number): Promise<{ name: string; vtepMac?: string; vtepMac6?: string }[]> {
    const rows = await this.tx.node.findMany({ where: { clusterId }, select: { name: true, vtepMac: true, vtepMac6: true } });
    return rows.map((r) => withVtepMac({ name: r.name }, r.vtepMac, r.vtepMac6));
  }

  /** Every node block of a cluster (for allocating one more). */
  async blocks(clusterId: number): Promise<Prefix[]> {
    const rows = await this.tx.node.findMany({ where: { clusterId }, select: { podCidrV4: true, podCidrV6: true } });
    return rows.flatMap((r) => familyPair(4, prefixOrNull(r.podCidrV4), prefixOrNull(r.podCidrV6)));
  }

  async node(clusterId: number, name: string, primary: Family): Promise<StoredNode | null> {
    const n = await this.tx.node.findUnique({ where: { clusterId_name: { clusterId, name } } });
    if (!n) return null;
    return withVtepMac({
      id: n.id, ordinal: n.ordinal, name: n.name, interface: n.iface, subnet: n.subnet,
      addresses: familyPair(n.addrFamily === 6 ? 6 : 4, addrOrNull(n.addressV4), addrOrNull(n.addressV6)),
      podCidrs: familyPair(primary, prefixOrNull(n.podCidrV4), prefixOrNull(n.podCidrV6)),
    }, n.vtepMac, n.vtepMac6);
  }

  async nextNodeOrdinal(clusterId: number): Promise<number> {
    const r = await this.tx.node.aggregate({ where: { clusterId }, _max: { ordinal: true } });
    return (r._max.ordinal ?? -1) + 1;
  }

  async insertNode(clusterId: number, n: NewRow<NodeSpec>): Promise<number> {
    const s = n.spec;
    const row = await this.tx.node.create({
      data: {
        clusterId, ordinal: n.ordinal, name: s.name, iface: s.interface, addrFamily: s.addresses[0]!.family,
        addressV4: columnOf(s.addresses, 4), addressV6: columnOf(s.addresses, 6), subnet: s.subnet,
        podCidrV4: columnOf(s.podCidrs, 4), podCidrV6: columnOf(s.podCidrs, 6), vtepMac: s.vtepMac ?? null, vtepMac6: s.vtepMac6 ?? null,
      },
      select: { id: true },
    });
    return row.id;
  }

  /**
   * Deletes the node (its pods go by the node delete trigger); null when
   * there is no such node, else how many pods went with it. One statement:
   * the count reads the statement's snapshot, taken before the trigger runs. (Prisma's `_count` of
   * a relation groups every pod of every node first: ~60 ms of database CPU
   * per delete at 150,000 pods.)
   */
  async deleteNode(clusterId: number, name: string): Promise<{ pods: number } | null> {
    const rows = await this.tx.$queryRaw<{ pods: bigint }[]>`
      WITH gone AS (DELETE FROM node WHERE cluster_id = ${clusterId} AND name = ${name} RETURNING id)
      SELECT (SELECT count(*) FROM pod WHERE pod.cluster_id = ${clusterId} AND pod.node_id = gone.id) AS pods FROM gone`;
    const row = rows[0];
    return row ? { pods: Number(row.pods) } : null;
  }

  async podExists(clusterId: number, namespace: string, name: string): Promise<boolean> {
    return (await this.tx.pod.findUnique({ where: { clusterId_namespace_name: { clusterId, namespace, name } }, select: { id: true } })) !== null;
  }

  /** The IPs of the pods on one node. */
  async podIps(nodeId: number): Promise<Addr[]> {
    const rows = await this.tx.pod.findMany({ where: { nodeId }, select: { ipV4: true, ipV6: true } });
    return rows.flatMap((r) => familyPair(4, addrOrNull(r.ipV4), addrOrNull(r.ipV6)));
  }

  async nextPodOrdinal(clusterId: number): Promise<number> {
    const r = await this.tx.pod.aggregate({ where: { clusterId }, _max: { ordinal: true } });
    return (r._max.ordinal ?? -1) + 1;
  }

  async insertPod(clusterId: number, nodeId: number, p: NewRow<PodSpec>): Promise<number> {
    const row = await this.tx.pod.create({
      data: {
        clusterId, nodeId, ordinal: p.ordinal, namespace: p.spec.namespace, name: p.spec.name,
        ipV4: columnOf(p.spec.ips, 4), ipV6: columnOf(p.spec.ips, 6),
      },
      select: { id: true },
    });
    return row.id;
  }

  async deletePod(clusterId: number, namespace: string, name: string): Promise<boolean> {
    return (await this.tx.pod.deleteMany({ where: { clusterId, namespace, name } })).count > 0;
  }

  async deleteCluster(id: number): Promise<void> {
    await this.tx.cluster.delete({ where: { id } });
  }

  /** Marks a change: the new version is what every instance's snapshot compares against. */
  async bumpVersion(id: number): Promise<ClusterRecord> {
    return recordOf(await this.tx.cluster.update({ where: { id }, data: { version: { increment: 1 }, updatedAt: new Date() } }));
  }
}

/** Every cluster's settings and node-block counts: two aggregate reads, whatever the clusters' sizes. */
export async function clusterUsage(prisma: PrismaClient): Promise<ClusterUsageRecord[]> {
  const [clusters, counts] = await Promise.all([
    prisma.cluster.findMany({ include: { subnets: true, reserved: true }, orderBy: { name: 'asc' } }),
    prisma.node.groupBy({ by: ['clusterId'], _count: { podCidrV4: true, podCidrV6: true } }),
  ]);
  const byCluster = new Map(counts.map((c) => [c.clusterId, c._count]));
  return clusters.map((c) => {
    const n = byCluster.get(c.id);
    return { settings: settingsOf(c), blocks: { ipv4: n?.podCidrV4 ?? 0, ipv6: n?.podCidrV6 ?? 0 } };
  });
}

/** Keyset pagination by name. */
export async function listClusters(prisma: PrismaClient, after: string | null, limit: number): Promise<ClusterSummaryRecord[]> {
  const rows = await prisma.cluster.findMany({
    where: after === null ? {} : { name: { gt: after } },
    orderBy: { name: 'asc' },
    take: limit,
    select: { id: true, name: true, podCidrs: true, mode: true, version: true, createdAt: true, updatedAt: true, _count: { select: { nodes: true } } },
  });
  // A pod reaches its cluster through its node (one composite key), so its count is grouped by cluster_id.
  const pods = await prisma.pod.groupBy({ by: ['clusterId'], where: { clusterId: { in: rows.map((r) => r.id) } }, _count: { _all: true } });
  const podsOf = new Map(pods.map((p) => [p.clusterId, p._count._all]));
  return rows.map(({ _count, id, ...r }) => ({ ...r, nodes: _count.nodes, pods: podsOf.get(id) ?? 0 }));
}
