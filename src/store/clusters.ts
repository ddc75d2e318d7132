// Rows <-> core values for clusters, subnets, reserved ranges, nodes and pods,
// and the set-based writes the planner asks for. Every function takes the
// transaction (or pool) it runs on; callers decide the transaction.
import type { Sql, TransactionSql } from 'postgres';
import { Addr, Prefix, type Family } from '../net/ip.js';
import type { Mode, NodeSpec, PodSpec, SubnetSpec } from '../net/model.js';
import type { ClusterSettings } from '../service/definition.js';
import type { StoredCluster, StoredNode, StoredPod } from '../service/plan.js';

export type Tx = Sql | TransactionSql;

export interface ClusterRow {
  id: number;
  name: string;
  pod_cidrs: string[];
  node_mask_v4: number;
  node_mask_v6: number;
  service_cidr: string | null;
  mode: string;
  mtu: number;
  bridge: string;
  vxlan_device: string;
  vxlan_vni: number;
  vxlan_port: number;
  version: bigint;
  created_at: Date;
  updated_at: Date;
}

/** Serialises every write to one cluster, across all service instances. */
export async function lockCluster(tx: TransactionSql, name: string): Promise<void> {
  await tx`SELECT pg_advisory_xact_lock(hashtextextended(${'podnet.cluster:' + name}, 0))`;
}

export async function readClusterRow(tx: Tx, name: string): Promise<ClusterRow | null> {
  const rows = await tx<ClusterRow[]>`
    SELECT id, name, pod_cidrs, node_mask_v4, node_mask_v6, service_cidr::text AS service_cidr, mode, mtu, bridge,
           vxlan_device, vxlan_vni, vxlan_port, version, created_at, updated_at
    FROM cluster WHERE name = ${name}`;
  return rows[0] ?? null;
}

export async function readVersion(tx: Tx, name: string): Promise<{ id: number; version: bigint } | null> {
  const rows = await tx<{ id: number; version: bigint }[]>`SELECT id, version FROM cluster WHERE name = ${name}`;
  return rows[0] ?? null;
}

export async function readSettings(tx: Tx, row: ClusterRow): Promise<ClusterSettings> {
  const [subnets, reserved] = await Promise.all([
    tx<{ name: string; cidr: string; gateway: string | null }[]>`
      SELECT name, cidr::text AS cidr, host(gateway) AS gateway FROM subnet WHERE cluster_id = ${row.id} ORDER BY ordinal`,
    tx<{ cidr: string }[]>`SELECT cidr::text AS cidr FROM reserved_range WHERE cluster_id = ${row.id} ORDER BY ordinal`,
  ]);
  return {
    name: row.name,
    podCidrs: row.pod_cidrs.map((p) => Prefix.parse(p)),
    nodeMaskSize: { ipv4: row.node_mask_v4, ipv6: row.node_mask_v6 },
    serviceCidr: row.service_cidr ? Prefix.parse(row.service_cidr) : null,
    network: {
      mode: row.mode as Mode,
      mtu: row.mtu,
      bridge: row.bridge,
      vxlan: { device: row.vxlan_device, vni: row.vxlan_vni, port: row.vxlan_port },
    },
    subnets: subnets.map((s): SubnetSpec => ({ name: s.name, cidr: Prefix.parse(s.cidr), gateway: s.gateway ? Addr.parse(s.gateway) : null })),
    reserved: reserved.map((r) => Prefix.parse(r.cidr)),
  };
}

interface NodeRow {
  id: number; ordinal: number; name: string; interface: string; addr_family: number;
  a4: string | null; a6: string | null; subnet: string | null; b4: string | null; b6: string | null;
}

function nodeFromRow(r: NodeRow, primary: Family): StoredNode {
  const v4 = r.a4 ? Addr.parse(r.a4) : null;
  const v6 = r.a6 ? Addr.parse(r.a6) : null;
  const addresses = (r.addr_family === 6 ? [v6, v4] : [v4, v6]).filter((a): a is Addr => a !== null);
  const b4 = r.b4 ? Prefix.parse(r.b4) : null;
  const b6 = r.b6 ? Prefix.parse(r.b6) : null;
  const podCidrs = (primary === 6 ? [b6, b4] : [b4, b6]).filter((p): p is Prefix => p !== null);
  return { id: r.id, ordinal: r.ordinal, name: r.name, interface: r.interface, subnet: r.subnet, addresses, podCidrs };
}

const NODE_COLUMNS = 'id, ordinal, name, interface, addr_family, host(address_v4) AS a4, host(address_v6) AS a6, subnet, pod_cidr_v4::text AS b4, pod_cidr_v6::text AS b6';

export async function readNodes(tx: Tx, clusterId: number, primary: Family): Promise<StoredNode[]> {
  const rows = await tx.unsafe<NodeRow[]>(`SELECT ${NODE_COLUMNS} FROM node WHERE cluster_id = $1 ORDER BY ordinal`, [clusterId]);
  return rows.map((r) => nodeFromRow(r, primary));
}

export async function readNode(tx: Tx, clusterId: number, name: string, primary: Family): Promise<StoredNode | null> {
  const rows = await tx.unsafe<NodeRow[]>(`SELECT ${NODE_COLUMNS} FROM node WHERE cluster_id = $1 AND name = $2`, [clusterId, name]);
  return rows[0] ? nodeFromRow(rows[0], primary) : null;
}

/** Every node block of a cluster (for allocating one more). */
export async function readBlocks(tx: Tx, clusterId: number): Promise<Prefix[]> {
  const rows = await tx<{ b4: string | null; b6: string | null }[]>`
    SELECT pod_cidr_v4::text AS b4, pod_cidr_v6::text AS b6 FROM node WHERE cluster_id = ${clusterId}`;
  const out: Prefix[] = [];
  for (const r of rows) {
    if (r.b4) out.push(Prefix.parse(r.b4));
    if (r.b6) out.push(Prefix.parse(r.b6));
  }
  return out;
}

interface PodRow { id: number; ordinal: number; namespace: string; name: string; node: string; i4: string | null; i6: string | null }

function podFromRow(r: PodRow, primary: Family): StoredPod {
  const i4 = r.i4 ? Addr.parse(r.i4) : null;
  const i6 = r.i6 ? Addr.parse(r.i6) : null;
  const ips = (primary === 6 ? [i6, i4] : [i4, i6]).filter((a): a is Addr => a !== null);
  return { id: r.id, ordinal: r.ordinal, namespace: r.namespace, name: r.name, node: r.node, ips };
}

export async function readPods(tx: Tx, clusterId: number, primary: Family): Promise<StoredPod[]> {
  const rows = await tx<PodRow[]>`
    SELECT p.id, p.ordinal, p.namespace, p.name, n.name AS node, host(p.ip_v4) AS i4, host(p.ip_v6) AS i6
    FROM pod p JOIN node n ON n.id = p.node_id
    WHERE p.cluster_id = ${clusterId} ORDER BY p.ordinal`;
  return rows.map((r) => podFromRow(r, primary));
}

export async function readPod(tx: Tx, clusterId: number, namespace: string, name: string, primary: Family): Promise<StoredPod | null> {
  const rows = await tx<PodRow[]>`
    SELECT p.id, p.ordinal, p.namespace, p.name, n.name AS node, host(p.ip_v4) AS i4, host(p.ip_v6) AS i6
    FROM pod p JOIN node n ON n.id = p.node_id
    WHERE p.cluster_id = ${clusterId} AND p.namespace = ${namespace} AND p.name = ${name}`;
  return rows[0] ? podFromRow(rows[0], primary) : null;
}

export async function readNodeIps(tx: Tx, nodeId: number): Promise<Addr[]> {
  const rows = await tx<{ i4: string | null; i6: string | null }[]>`
    SELECT host(ip_v4) AS i4, host(ip_v6) AS i6 FROM pod WHERE node_id = ${nodeId}`;
  const out: Addr[] = [];
  for (const r of rows) {
    if (r.i4) out.push(Addr.parse(r.i4));
    if (r.i6) out.push(Addr.parse(r.i6));
  }
  return out;
}

export async function loadStoredCluster(tx: Tx, row: ClusterRow): Promise<StoredCluster> {
  const settings = await readSettings(tx, row);
  const primary = settings.podCidrs[0]!.family;
  const [nodes, pods] = await Promise.all([readNodes(tx, row.id, primary), readPods(tx, row.id, primary)]);
  return { id: row.id, version: row.version, settings, nodes, pods };
}

// ---- writes -------------------------------------------------------------

export async function insertCluster(tx: TransactionSql, s: ClusterSettings): Promise<ClusterRow> {
  const rows = await tx<ClusterRow[]>`
    INSERT INTO cluster (name, pod_cidrs, node_mask_v4, node_mask_v6, service_cidr, mode, mtu, bridge, vxlan_device, vxlan_vni, vxlan_port)
    VALUES (${s.name}, ${tx.array(s.podCidrs.map(String))}, ${s.nodeMaskSize.ipv4}, ${s.nodeMaskSize.ipv6},
            ${s.serviceCidr?.toString() ?? null}::inet, ${s.network.mode}, ${s.network.mtu}, ${s.network.bridge},
            ${s.network.vxlan.device}, ${s.network.vxlan.vni}, ${s.network.vxlan.port})
    RETURNING id, name, pod_cidrs, node_mask_v4, node_mask_v6, service_cidr::text AS service_cidr, mode, mtu, bridge,
              vxlan_device, vxlan_vni, vxlan_port, version, created_at, updated_at`;
  const row = rows[0]!;
  await writeSubnetsAndReserved(tx, row.id, s);
  return row;
}

export async function updateClusterSettings(tx: TransactionSql, id: number, s: ClusterSettings): Promise<void> {
  await tx`
    UPDATE cluster SET pod_cidrs = ${tx.array(s.podCidrs.map(String))}, node_mask_v4 = ${s.nodeMaskSize.ipv4},
      node_mask_v6 = ${s.nodeMaskSize.ipv6}, service_cidr = ${s.serviceCidr?.toString() ?? null}::inet,
      mode = ${s.network.mode}, mtu = ${s.network.mtu}, bridge = ${s.network.bridge},
      vxlan_device = ${s.network.vxlan.device}, vxlan_vni = ${s.network.vxlan.vni}, vxlan_port = ${s.network.vxlan.port}
    WHERE id = ${id}`;
  await tx`DELETE FROM subnet WHERE cluster_id = ${id}`;
  await tx`DELETE FROM reserved_range WHERE cluster_id = ${id}`;
  await writeSubnetsAndReserved(tx, id, s);
}

async function writeSubnetsAndReserved(tx: TransactionSql, id: number, s: ClusterSettings): Promise<void> {
  if (s.subnets.length > 0) {
    await tx`
      INSERT INTO subnet (cluster_id, ordinal, name, cidr, gateway)
      SELECT ${id}, u.ord, u.name, u.cidr::inet, u.gw::inet
      FROM unnest(${tx.array(s.subnets.map((_, i) => i))}::int[], ${tx.array(s.subnets.map((x) => x.name))}::text[],
                  ${tx.array(s.subnets.map((x) => x.cidr.toString()))}::text[],
                  ${tx.array(s.subnets.map((x) => x.gateway?.toString() ?? null))}::text[]) AS u(ord, name, cidr, gw)`;
  }
  if (s.reserved.length > 0) {
    await tx`
      INSERT INTO reserved_range (cluster_id, ordinal, cidr)
      SELECT ${id}, u.ord, u.cidr::inet
      FROM unnest(${tx.array(s.reserved.map((_, i) => i))}::int[], ${tx.array(s.reserved.map(String))}::text[]) AS u(ord, cidr)`;
  }
}

const ROW_COLUMNS = `id, name, pod_cidrs, node_mask_v4, node_mask_v6, service_cidr::text AS service_cidr, mode, mtu, bridge,
  vxlan_device, vxlan_vni, vxlan_port, version, created_at, updated_at`;

/** Marks a change: the new version is what every instance's snapshot compares against. */
export async function bumpVersion(tx: TransactionSql, id: number): Promise<ClusterRow> {
  const rows = await tx.unsafe<ClusterRow[]>(
    `UPDATE cluster SET version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${ROW_COLUMNS}`, [id]);
  return rows[0]!;
}

const addrOf = (xs: readonly Addr[], f: Family) => xs.find((a) => a.family === f)?.toString() ?? null;
const blockOf = (xs: readonly Prefix[], f: Family) => xs.find((p) => p.family === f)?.toString() ?? null;

function nodeColumns(nodes: readonly { spec: NodeSpec }[]) {
  return {
    names: nodes.map((n) => n.spec.name),
    ifaces: nodes.map((n) => n.spec.interface),
    fams: nodes.map((n) => n.spec.addresses[0]!.family),
    a4: nodes.map((n) => addrOf(n.spec.addresses, 4)),
    a6: nodes.map((n) => addrOf(n.spec.addresses, 6)),
    subnets: nodes.map((n) => n.spec.subnet),
    b4: nodes.map((n) => blockOf(n.spec.podCidrs, 4)),
    b6: nodes.map((n) => blockOf(n.spec.podCidrs, 6)),
  };
}

/** One INSERT … SELECT FROM unnest(…) for any number of nodes. */
export async function insertNodes(tx: TransactionSql, clusterId: number, nodes: readonly { spec: NodeSpec; ordinal: number }[]): Promise<number[]> {
  if (nodes.length === 0) return [];
  const c = nodeColumns(nodes);
  const rows = await tx<{ id: number; ordinal: number }[]>`
    INSERT INTO node (cluster_id, ordinal, name, interface, addr_family, address_v4, address_v6, subnet, pod_cidr_v4, pod_cidr_v6)
    SELECT ${clusterId}, u.ord, u.name, u.iface, u.fam, u.a4::inet, u.a6::inet, u.subnet, u.b4::inet, u.b6::inet
    FROM unnest(${tx.array(nodes.map((n) => n.ordinal))}::int[], ${tx.array(c.names)}::text[], ${tx.array(c.ifaces)}::text[],
                ${tx.array(c.fams)}::smallint[], ${tx.array(c.a4)}::text[], ${tx.array(c.a6)}::text[], ${tx.array(c.subnets)}::text[],
                ${tx.array(c.b4)}::text[], ${tx.array(c.b6)}::text[])
         AS u(ord, name, iface, fam, a4, a6, subnet, b4, b6)
    RETURNING id, ordinal`;
  const byOrdinal = new Map(rows.map((r) => [r.ordinal, r.id]));
  return nodes.map((n) => byOrdinal.get(n.ordinal)!);
}

export async function updateNodes(tx: TransactionSql, updates: readonly { id: number; spec: NodeSpec }[]): Promise<void> {
  if (updates.length === 0) return;
  const c = nodeColumns(updates);
  await tx`
    UPDATE node SET interface = u.iface, addr_family = u.fam, address_v4 = u.a4::inet, address_v6 = u.a6::inet,
                    subnet = u.subnet, pod_cidr_v4 = u.b4::inet, pod_cidr_v6 = u.b6::inet
    FROM unnest(${tx.array(updates.map((n) => n.id))}::int[], ${tx.array(c.ifaces)}::text[], ${tx.array(c.fams)}::smallint[],
                ${tx.array(c.a4)}::text[], ${tx.array(c.a6)}::text[], ${tx.array(c.subnets)}::text[],
                ${tx.array(c.b4)}::text[], ${tx.array(c.b6)}::text[])
         AS u(id, iface, fam, a4, a6, subnet, b4, b6)
    WHERE node.id = u.id`;
}

export async function deleteNodes(tx: TransactionSql, ids: readonly number[]): Promise<void> {
  if (ids.length > 0) await tx`DELETE FROM node WHERE id = ANY(${tx.array([...ids])}::int[])`;
}

export async function deletePods(tx: TransactionSql, ids: readonly number[]): Promise<void> {
  if (ids.length > 0) await tx`DELETE FROM pod WHERE id = ANY(${tx.array([...ids])}::int[])`;
}

/**
 * One INSERT … SELECT FROM unnest(…) for any number of pods; node ids resolved
 * by name in SQL. Returns the new ids in input order.
 */
export async function insertPods(tx: TransactionSql, clusterId: number, pods: readonly { spec: PodSpec; ordinal: number }[]): Promise<number[]> {
  if (pods.length === 0) return [];
  const rows = await tx<{ id: number; ordinal: number }[]>`
    INSERT INTO pod (cluster_id, node_id, ordinal, namespace, name, ip_v4, ip_v6)
    SELECT ${clusterId}, n.id, u.ord, u.ns, u.name, u.i4::inet, u.i6::inet
    FROM unnest(${tx.array(pods.map((p) => p.ordinal))}::int[], ${tx.array(pods.map((p) => p.spec.namespace))}::text[],
                ${tx.array(pods.map((p) => p.spec.name))}::text[], ${tx.array(pods.map((p) => p.spec.node))}::text[],
                ${tx.array(pods.map((p) => addrOf(p.spec.ips, 4)))}::text[], ${tx.array(pods.map((p) => addrOf(p.spec.ips, 6)))}::text[])
         AS u(ord, ns, name, node, i4, i6)
    JOIN node n ON n.cluster_id = ${clusterId} AND n.name = u.node
    RETURNING id, ordinal`;
  if (rows.length !== pods.length) throw new Error(`inserted ${rows.length} of ${pods.length} pods: a node vanished`);
  const byOrdinal = new Map(rows.map((r) => [r.ordinal, r.id]));
  return pods.map((p) => byOrdinal.get(p.ordinal)!);
}

/** One pod on a known node; returns its id. */
export async function insertPod(tx: TransactionSql, clusterId: number, nodeId: number, pod: { spec: PodSpec; ordinal: number }): Promise<number> {
  const rows = await tx<{ id: number }[]>`
    INSERT INTO pod (cluster_id, node_id, ordinal, namespace, name, ip_v4, ip_v6)
    VALUES (${clusterId}, ${nodeId}, ${pod.ordinal}, ${pod.spec.namespace}, ${pod.spec.name},
            ${addrOf(pod.spec.ips, 4)}::inet, ${addrOf(pod.spec.ips, 6)}::inet)
    RETURNING id`;
  return rows[0]!.id;
}

export async function deleteCluster(tx: Tx, name: string): Promise<boolean> {
  const rows = await tx`DELETE FROM cluster WHERE name = ${name} RETURNING id`;
  return rows.length > 0;
}

export interface ClusterSummaryRow {
  name: string; pod_cidrs: string[]; mode: string; version: bigint; created_at: Date; updated_at: Date; nodes: number; pods: number;
}

/** Keyset pagination by name. */
export async function listClusters(tx: Tx, after: string | null, limit: number): Promise<ClusterSummaryRow[]> {
  return tx<ClusterSummaryRow[]>`
    SELECT c.name, c.pod_cidrs, c.mode, c.version, c.created_at, c.updated_at,
           (SELECT count(*)::int FROM node n WHERE n.cluster_id = c.id) AS nodes,
           (SELECT count(*)::int FROM pod p WHERE p.cluster_id = c.id) AS pods
    FROM cluster c
    WHERE ${after === null} OR c.name > ${after ?? ''}
    ORDER BY c.name LIMIT ${limit}`;
}

/** Maps a constraint violation to the stable code a client sees. */
export function constraintCode(err: unknown): { code: string; constraint: string } | null {
  const e = err as { code?: string; constraint_name?: string; constraint?: string };
  const constraint = e.constraint_name ?? e.constraint ?? '';
  if (e.code === '23P01') return { code: 'POD_CIDR_CONFLICT', constraint };
  if (e.code !== '23505') return null;
  if (constraint === 'cluster_name_key') return { code: 'CLUSTER_EXISTS', constraint };
  if (constraint === 'node_cluster_id_name_key') return { code: 'NODE_EXISTS', constraint };
  if (constraint.startsWith('node_cluster_id_address')) return { code: 'ADDRESS_CONFLICT', constraint };
  if (constraint === 'pod_cluster_id_namespace_name_key') return { code: 'POD_EXISTS', constraint };
  if (constraint.startsWith('pod_cluster_id_ip')) return { code: 'POD_IP_CONFLICT', constraint };
  if (constraint === 'api_token_name_key') return { code: 'TOKEN_EXISTS', constraint };
  return { code: 'CONCURRENT_UPDATE', constraint };
}
