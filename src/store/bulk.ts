// postgres.js's job: the set-based paths. A whole cluster's snapshot load,
// the version probe, and the apply transaction, which writes any number of
// nodes and pods with one INSERT … SELECT FROM unnest(…) per table.
import type { Sql, TransactionSql } from 'postgres';
import { Addr, Prefix, type Family } from '../net/ip.js';
import type { ClusterSettings, Mode, NodeSpec, PodSpec, SubnetSpec } from '../net/model.js';
import { PodTableBuilder } from '../net/pod-table.js';
import { addrOrNull, columnOf, familyPair, prefixOrNull, withVtepMac } from './columns.js';
import type { ClusterRecord, NewRow, StoredCluster, StoredNode, StoredPod } from './records.js';

type Tx = Sql | TransactionSql;

interface ClusterRow {
  id: number; name: string; pod_cidrs: string[]; node_mask_v4: number; node_mask_v6: number; service_cidr: string | null;
  mode: string; mtu: number; bridge: string; vxlan_device: string; vxlan_vni: number; vxlan_port: number;
  version: bigint; created_at: Date; updated_at: Date;
}

const CLUSTER_COLUMNS = `id, name, pod_cidrs, node_mask_v4, node_mask_v6, service_cidr::text AS service_cidr, mode, mtu, bridge,
  vxlan_device, vxlan_vni, vxlan_port, version, created_at, updated_at`;

const recordOf = (r: ClusterRow): ClusterRecord => ({ id: r.id, name: r.name, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at });

/** Serialises every write to one cluster, across all service instances (Prisma's row writes take the same lock). */
export const lockKey = (name: string): string => `podnet.cluster:${name}`;

async function readClusterRow(tx: Tx, name: string): Promise<ClusterRow | null> {
  const rows = await tx.unsafe<ClusterRow[]>(`SELECT ${CLUSTER_COLUMNS} FROM cluster WHERE name = $1`, [name]);
  return rows[0] ?? null;
}

export async function readVersion(sql: Sql, name: string): Promise<{ id: number; version: bigint } | null> {
  const rows = await sql<{ id: number; version: bigint }[]>`SELECT id, version FROM cluster WHERE name = ${name}`;
  return rows[0] ?? null;
}

async function readSettings(tx: Tx, row: ClusterRow): Promise<ClusterSettings> {
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
  a4: string | null; a6: string | null; subnet: string | null; b4: string | null; b6: string | null; vtep_mac: string | null; vtep_mac6: string | null;
}

interface PodRow { id: number; ordinal: number; namespace: string; name: string; node: string; i4: number | null; i6: string | null }

async function readNodes(tx: Tx, clusterId: number, primary: Family): Promise<StoredNode[]> {
  const rows = await tx<NodeRow[]>`
    SELECT id, ordinal, name, interface, addr_family, host(address_v4) AS a4, host(address_v6) AS a6, subnet,
           pod_cidr_v4::text AS b4, pod_cidr_v6::text AS b6, vtep_mac, vtep_mac6
    FROM node WHERE cluster_id = ${clusterId} ORDER BY ordinal`;
  return rows.map((r) => withVtepMac({
    id: r.id, ordinal: r.ordinal, name: r.name, interface: r.interface, subnet: r.subnet,
    addresses: familyPair(r.addr_family === 6 ? 6 : 4, addrOrNull(r.a4), addrOrNull(r.a6)),
    podCidrs: familyPair(primary, prefixOrNull(r.b4), prefixOrNull(r.b6)),
  }, r.vtep_mac, r.vtep_mac6));
}

/**
 * The pods as a PodTable's rows (columns, see net/pod-table.ts): read in
 * batches through a cursor, so that no more than one batch of row objects is
 * alive at once, IPv4 addresses as integers (no text parsed per pod).
 */
async function readPods(tx: Tx, clusterId: number, primary: Family): Promise<StoredPod[]> {
  const b = new PodTableBuilder();
  // i4: the address minus 2^31, so that it fits an int4 (postgres.js reads int8 as text); flipping the sign bit gives Addr.int32.
  await tx<PodRow[]>`
    SELECT p.id, p.ordinal, p.namespace, p.name, n.name AS node,
           ((p.ip_v4 - '0.0.0.0'::inet) - 2147483648)::int4 AS i4, host(p.ip_v6) AS i6
    FROM pod p JOIN node n ON n.id = p.node_id
    WHERE p.cluster_id = ${clusterId} ORDER BY p.ordinal`.cursor(POD_BATCH, (rows) => {
    for (const r of rows) {
      const i6 = r.i6 === null ? null : Addr.parse(r.i6).value;
      b.addRaw(r.namespace, r.name, r.node, r.i4 === null ? null : r.i4 ^ 0x80000000, i6, primary === 6, r.id, r.ordinal);
    }
  });
  return b.finish().rows();
}

/** Pod rows per cursor batch of the snapshot load. */
const POD_BATCH = 10_000;

async function readStoredCluster(tx: Tx, row: ClusterRow): Promise<StoredCluster> {
  const settings = await readSettings(tx, row);
  const primary = settings.podCidrs[0]!.family;
  const [nodes, pods] = await Promise.all([readNodes(tx, row.id, primary), readPods(tx, row.id, primary)]);
  return { id: row.id, version: row.version, settings, nodes, pods };
}

/** The whole cluster in one consistent view (REPEATABLE READ: the row and its children agree). */
export async function loadCluster(sql: Sql, name: string): Promise<{ record: ClusterRecord; stored: StoredCluster } | null> {
  return sql.begin('ISOLATION LEVEL REPEATABLE READ READ ONLY', async (tx) => {
    const row = await readClusterRow(tx, name);
    return row ? { record: recordOf(row), stored: await readStoredCluster(tx, row) } : null;
  });
}


/**
 * PostgreSQL array literals built here, one string per column: postgres.js
 * would serialise an array parameter element by element with two regex
 * replaces each (~0.5 s for a 150,000-pod apply's columns). Elements are
 * quoted; only those holding a quote or a backslash are escaped. A column
 * with nothing to escape and no NULL (names, IPv4 addresses) is one join,
 * and an all-NULL one (IPv6 of a single-stack cluster) one repeat: both make
 * the literal as one flat string. Appending element by element made a rope
 * of ~3 cons strings per element, all alive until postgres.js wrote the
 * literal out: at 1.95 million pods ~30 million objects promoted, and 5 s of
 * collector time while the pod columns were built.
 */
export function textArrayLiteral(xs: readonly (string | null)[]): string {
  const n = xs.length;
  if (n === 0) return '{}';
  let nulls = 0;
  let plain = true;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    if (x === null || x === undefined) nulls++;
    else if (plain && (x.includes('"') || x.includes('\\'))) plain = false;
  }
  if (nulls === n) return `{${'NULL,'.repeat(n - 1)}NULL}`;
  if (nulls === 0 && plain) return `{"${xs.join('","')}"}`;
  const parts = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    if (x === null || x === undefined) parts[i] = 'NULL';
    else parts[i] = x.includes('"') || x.includes('\\') ? `"${x.replace(/["\\]/g, '\\$&')}"` : `"${x}"`;
  }
  return `{${parts.join(',')}}`;
}

export const intArrayLiteral = (xs: readonly number[]): string => `{${xs.join(',')}}`;

/**
 * insertPods' parameters after the cluster id: ordinals, node ids, namespaces,
 * names, IPv4 and IPv6 addresses, each column as one array literal (and the
 * ordinals as numbers, for idsOf). Each pod carries its node's id, from
 * `nodeIds` by node name.
 */
export function podColumns(pods: readonly NewRow<PodSpec>[], nodeIds: ReadonlyMap<string, number>): { literals: string[]; ordinals: number[] } {
  const n = pods.length;
  const ordinals = new Array<number>(n);
  const nodeCol = new Array<number>(n);
  const namespaces = new Array<string>(n);
  const names = new Array<string>(n);
  const i4 = new Array<string | null>(n);
  const i6 = new Array<string | null>(n);
  for (let k = 0; k < n; k++) {
    const p = pods[k]!;
    const spec = p.spec;
    const node = nodeIds.get(spec.node);
    if (node === undefined) throw new Error(`pod "${spec.namespace}/${spec.name}": node "${spec.node}" has no id`);
    ordinals[k] = p.ordinal;
    nodeCol[k] = node;
    namespaces[k] = spec.namespace;
    names[k] = spec.name;
    i4[k] = textOf(spec.ips, 4);
    i6[k] = textOf(spec.ips, 6);
  }
  return {
    literals: [intArrayLiteral(ordinals), intArrayLiteral(nodeCol), textArrayLiteral(namespaces), textArrayLiteral(names), textArrayLiteral(i4), textArrayLiteral(i6)],
    ordinals,
  };
}

/** The member of family `f` as text, or null (a loop, not find + closure: called per pod). */
function textOf(xs: readonly (Addr | Prefix)[], f: Family): string | null {
  for (let k = 0; k < xs.length; k++) if (xs[k]!.family === f) return xs[k]!.toString();
  return null;
}

/** What an INSERT … RETURNING id, ordinal tells without sending every row back (see idsOf). */
interface InsertedIds { n: number; lo: number | null; hi: number | null; min_id: number | null; max_id: number | null }

const INSERTED_IDS = 'SELECT count(*)::int AS n, min(id - ordinal) AS lo, max(id - ordinal) AS hi, min(id) AS min_id, max(id) AS max_id FROM ins';

/**
 * The new rows' ids in input order. A statement's rows take their ids from
 * the sequence one after another, so they are usually their ordinals plus one
 * constant, which the statement checks (min = max of id - ordinal over every
 * row) and sends back alone; when another transaction's inserts interleaved,
 * the ids are read back by primary key and ordinal.
 */
async function idsOf(
  tx: TransactionSql, table: 'node' | 'pod', clusterId: number, ordinals: readonly number[], r: InsertedIds,
): Promise<number[]> {
  if (r.n !== ordinals.length) throw new Error(`inserted ${r.n} of ${ordinals.length} ${table}s`);
  if (r.n === 0) return [];
  if (r.lo !== null && r.lo === r.hi) {
    const d = r.lo;
    return ordinals.map((o) => o + d);
  }
  let lo = ordinals[0]!;
  let hi = lo;
  for (const o of ordinals) {
    if (o < lo) lo = o;
    if (o > hi) hi = o;
  }
  const rows = await tx.unsafe<{ id: number; ordinal: number }[]>(
    `SELECT id, ordinal FROM "${table}" WHERE id BETWEEN $1 AND $2 AND cluster_id = $3 AND ordinal BETWEEN $4 AND $5`,
    [r.min_id!, r.max_id!, clusterId, lo, hi]);
  const byOrdinal = new Map(rows.map((x) => [x.ordinal, x.id]));
  return ordinals.map((o) => {
    const id = byOrdinal.get(o);
    if (id === undefined) throw new Error(`${table} of ordinal ${o} not found after its insert`);
    return id;
  });
}

function nodeColumns(nodes: readonly { spec: NodeSpec }[]) {
  return {
    names: nodes.map((n) => n.spec.name),
    ifaces: nodes.map((n) => n.spec.interface),
    fams: nodes.map((n) => n.spec.addresses[0]!.family),
    a4: nodes.map((n) => columnOf(n.spec.addresses, 4)),
    a6: nodes.map((n) => columnOf(n.spec.addresses, 6)),
    subnets: nodes.map((n) => n.spec.subnet),
    b4: nodes.map((n) => columnOf(n.spec.podCidrs, 4)),
    b6: nodes.map((n) => columnOf(n.spec.podCidrs, 6)),
    macs: nodes.map((n) => n.spec.vtepMac ?? null),
    macs6: nodes.map((n) => n.spec.vtepMac6 ?? null),
  };
}

/** One apply: a postgres.js transaction holding the cluster's lock. */
export class BulkWrite {
  constructor(private readonly tx: TransactionSql) {}

  async lockAndRead(name: string): Promise<ClusterRecord | null> {
    await this.tx`SELECT pg_advisory_xact_lock(hashtextextended(${lockKey(name)}, 0))`;
    const row = await readClusterRow(this.tx, name);
    return row ? recordOf(row) : null;
  }

  async load(name: string): Promise<StoredCluster> {
    const row = await readClusterRow(this.tx, name);
    if (!row) throw new Error(`cluster "${name}" vanished under its lock`);
    return readStoredCluster(this.tx, row);
  }

  async insertCluster(s: ClusterSettings): Promise<ClusterRecord> {
    const tx = this.tx;
    const rows = await tx<ClusterRow[]>`
      INSERT INTO cluster (name, pod_cidrs, node_mask_v4, node_mask_v6, service_cidr, mode, mtu, bridge, vxlan_device, vxlan_vni, vxlan_port)
      VALUES (${s.name}, ${tx.array(s.podCidrs.map(String))}, ${s.nodeMaskSize.ipv4}, ${s.nodeMaskSize.ipv6},
              ${s.serviceCidr?.toString() ?? null}::inet, ${s.network.mode}, ${s.network.mtu}, ${s.network.bridge},
              ${s.network.vxlan.device}, ${s.network.vxlan.vni}, ${s.network.vxlan.port})
      RETURNING id, name, pod_cidrs, node_mask_v4, node_mask_v6, service_cidr::text AS service_cidr, mode, mtu, bridge,
                vxlan_device, vxlan_vni, vxlan_port, version, created_at, updated_at`;
    const row = rows[0]!;
    await this.writeSubnetsAndReserved(row.id, s);
    return recordOf(row);
  }

  async updateSettings(id: number, s: ClusterSettings): Promise<void> {
    const tx = this.tx;
    await tx`
      UPDATE cluster SET pod_cidrs = ${tx.array(s.podCidrs.map(String))}, node_mask_v4 = ${s.nodeMaskSize.ipv4},
        node_mask_v6 = ${s.nodeMaskSize.ipv6}, service_cidr = ${s.serviceCidr?.toString() ?? null}::inet,
        mode = ${s.network.mode}, mtu = ${s.network.mtu}, bridge = ${s.network.bridge},
        vxlan_device = ${s.network.vxlan.device}, vxlan_vni = ${s.network.vxlan.vni}, vxlan_port = ${s.network.vxlan.port}
      WHERE id = ${id}`;
    await tx`DELETE FROM subnet WHERE cluster_id = ${id}`;
    await tx`DELETE FROM reserved_range WHERE cluster_id = ${id}`;
    await this.writeSubnetsAndReserved(id, s);
  }

  private async writeSubnetsAndReserved(id: number, s: ClusterSettings): Promise<void> {
    const tx = this.tx;
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

  /** Marks a change: the new version is what every instance's snapshot compares against. */
  async bumpVersion(id: number): Promise<ClusterRecord> {
    const rows = await this.tx.unsafe<ClusterRow[]>(
      `UPDATE cluster SET version = version + 1, updated_at = now() WHERE id = $1 RETURNING ${CLUSTER_COLUMNS}`, [id]);
    return recordOf(rows[0]!);
  }

  /** One INSERT … SELECT FROM unnest(…) for any number of nodes; the new ids in input order. */
  async insertNodes(clusterId: number, nodes: readonly NewRow<NodeSpec>[]): Promise<number[]> {
    if (nodes.length === 0) return [];
    const tx = this.tx;
    const c = nodeColumns(nodes);
    const ordinals = nodes.map((n) => n.ordinal);
    const [r] = await tx.unsafe<InsertedIds[]>(`
      WITH ins AS (
        INSERT INTO node (cluster_id, ordinal, name, interface, addr_family, address_v4, address_v6, subnet, pod_cidr_v4, pod_cidr_v6, vtep_mac, vtep_mac6)
        SELECT $1, u.ord, u.name, u.iface, u.fam, u.a4, u.a6, u.subnet, u.b4, u.b6, u.mac, u.mac6
        FROM unnest($2::int[], $3::text[], $4::text[], $5::smallint[], $6::inet[], $7::inet[], $8::text[], $9::inet[], $10::inet[], $11::text[], $12::text[])
             AS u(ord, name, iface, fam, a4, a6, subnet, b4, b6, mac, mac6)
        RETURNING id, ordinal)
      ${INSERTED_IDS}`,
    [clusterId, intArrayLiteral(ordinals), textArrayLiteral(c.names), textArrayLiteral(c.ifaces), intArrayLiteral(c.fams),
      textArrayLiteral(c.a4), textArrayLiteral(c.a6), textArrayLiteral(c.subnets), textArrayLiteral(c.b4), textArrayLiteral(c.b6),
      textArrayLiteral(c.macs), textArrayLiteral(c.macs6)], { prepare: true });
    return idsOf(tx, 'node', clusterId, ordinals, r!);
  }

  async updateNodes(updates: readonly { id: number; spec: NodeSpec }[]): Promise<void> {
    if (updates.length === 0) return;
    const tx = this.tx;
    const c = nodeColumns(updates);
    await tx`
      UPDATE node SET interface = u.iface, addr_family = u.fam, address_v4 = u.a4::inet, address_v6 = u.a6::inet,
                      subnet = u.subnet, pod_cidr_v4 = u.b4::inet, pod_cidr_v6 = u.b6::inet, vtep_mac = u.mac, vtep_mac6 = u.mac6
      FROM unnest(${tx.array(updates.map((n) => n.id))}::int[], ${tx.array(c.ifaces)}::text[], ${tx.array(c.fams)}::smallint[],
                  ${tx.array(c.a4)}::text[], ${tx.array(c.a6)}::text[], ${tx.array(c.subnets)}::text[],
                  ${tx.array(c.b4)}::text[], ${tx.array(c.b6)}::text[], ${tx.array(c.macs)}::text[], ${tx.array(c.macs6)}::text[])
           AS u(id, iface, fam, a4, a6, subnet, b4, b6, mac, mac6)
      WHERE node.id = u.id`;
  }

  async deleteNodes(ids: readonly number[]): Promise<void> {
    if (ids.length > 0) await this.tx`DELETE FROM node WHERE id = ANY(${this.tx.array([...ids])}::int[])`;
  }

  async deletePods(ids: readonly number[]): Promise<void> {
    if (ids.length > 0) await this.tx`DELETE FROM pod WHERE id = ANY(${this.tx.array([...ids])}::int[])`;
  }

  /**
   * One INSERT … SELECT FROM unnest(…) for any number of pods, each with its
   * node's id (`nodeIds` by node name; the pod triggers check that the node
   * exists in the cluster); the new ids in input order.
   */
  async insertPods(clusterId: number, pods: readonly NewRow<PodSpec>[], nodeIds: ReadonlyMap<string, number>): Promise<number[]> {
    if (pods.length === 0) return [];
    const c = podColumns(pods, nodeIds);
    const [r] = await this.tx.unsafe<InsertedIds[]>(`
      WITH ins AS (
        INSERT INTO pod (cluster_id, node_id, ordinal, namespace, name, ip_v4, ip_v6)
        SELECT $1, u.node, u.ord, u.ns, u.name, u.i4, u.i6
        FROM unnest($2::int[], $3::int[], $4::text[], $5::text[], $6::inet[], $7::inet[]) AS u(ord, node, ns, name, i4, i6)
        RETURNING id, ordinal)
      ${INSERTED_IDS}`,
    [clusterId, ...c.literals], { prepare: true });
    return idsOf(this.tx, 'pod', clusterId, c.ordinals, r!);
  }
}
