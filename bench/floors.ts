// The floors an apply is measured against, on the same server as the
// service, in a database of their own:
// - the bulk floor (SPEC §9): the same rows (nodes with their blocks, pods
//   with their IPs) into bare tables that hold only those columns, their
//   primary keys and the unique constraints on node name, pod namespace/name
//   and pod IP: no foreign keys, no exclusion constraints; one
//   INSERT … SELECT FROM unnest(…) per table, in one transaction;
// - the schema floor: the same rows, written the same set-based way, into
//   podnet's own migrated schema (what the constraints themselves cost).
// Allocations are precomputed: first-fit on an empty database is arithmetic
// here (bench/workload.ts), and the bench checks the service gave the same.
import postgres from 'postgres';
import { connectPostgresJs } from '../src/store/db.js';
import { migrate } from '../src/store/migrator.js';
import { cpuMs } from './child.js';
import { now } from './util.js';
import { expectedRows, type ClusterDefinition } from './workload.js';

export interface FloorRun { ms: number; rows: number; dbCpuMs: number | null }

const BARE_TABLES = `
  CREATE TABLE IF NOT EXISTS bulk_node (
    id integer PRIMARY KEY, name text NOT NULL UNIQUE, address_v4 inet NOT NULL, subnet text NOT NULL, pod_cidr_v4 inet NOT NULL);
  CREATE TABLE IF NOT EXISTS bulk_pod (
    id integer PRIMARY KEY, node_id integer NOT NULL, namespace text NOT NULL, name text NOT NULL, ip_v4 inet NOT NULL,
    UNIQUE (namespace, name), UNIQUE (ip_v4));`;

/** One set-based write of the definition's rows into `url`'s floor tables, timed; the tables are emptied afterwards. */
async function timedWrite(
  url: string,
  prepare: (sql: postgres.Sql) => Promise<void>,
  write: (tx: postgres.TransactionSql) => Promise<void>,
  count: (sql: postgres.Sql) => Promise<number>,
  empty: (sql: postgres.Sql) => Promise<void>,
): Promise<FloorRun> {
  const sql = connectPostgresJs(url, { max: 1, onnotice: () => {} });
  try {
    await prepare(sql);
    // The one backend doing the work (its CPU, where /proc shows it: the embedded server).
    const pid = (await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]!.pid;
    const cpu0 = cpuMs(pid);
    const t0 = now();
    await sql.begin(write);
    const ms = now() - t0;
    const cpu1 = cpuMs(pid);
    const rows = await count(sql);
    await empty(sql); // so that a second run starts from the same state
    return { ms, rows, dbCpuMs: Number.isNaN(cpu0) || Number.isNaN(cpu1) ? null : cpu1 - cpu0 };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export function bulkFloor(url: string, def: ClusterDefinition): Promise<FloorRun> {
  const r = expectedRows(def);
  const podIds = r.pods.ordinal.map((k) => k + 1);
  const podNodes = r.pods.nodeOrdinal.map((i) => i + 1);
  return timedWrite(
    url,
    async (sql) => void (await sql.unsafe(BARE_TABLES)),
    async (tx) => {
      await tx`
        INSERT INTO bulk_node (id, name, address_v4, subnet, pod_cidr_v4)
        SELECT * FROM unnest(${tx.array(r.nodes.ordinal.map((i) => i + 1))}::int[], ${tx.array(r.nodes.name)}::text[],
                             ${tx.array(r.nodes.address)}::inet[], ${tx.array(r.nodes.subnet)}::text[], ${tx.array(r.nodes.block)}::inet[])`;
      await tx`
        INSERT INTO bulk_pod (id, node_id, namespace, name, ip_v4)
        SELECT * FROM unnest(${tx.array(podIds)}::int[], ${tx.array(podNodes)}::int[], ${tx.array(r.pods.namespace)}::text[],
                             ${tx.array(r.pods.name)}::text[], ${tx.array(r.pods.ip)}::inet[])`;
    },
    async (sql) => Number((await sql<{ n: string }[]>`SELECT ((SELECT count(*) FROM bulk_node) + (SELECT count(*) FROM bulk_pod))::text AS n`)[0]!.n),
    async (sql) => void (await sql`TRUNCATE bulk_node, bulk_pod`),
  );
}

export function schemaFloor(url: string, def: ClusterDefinition): Promise<FloorRun> {
  const r = expectedRows(def);
  return timedWrite(
    url,
    async (sql) => void (await migrate(sql)),
    async (tx) => {
      const [c] = await tx<{ id: number }[]>`
        INSERT INTO cluster (name, pod_cidrs, node_mask_v4, node_mask_v6, service_cidr, mode, mtu, bridge, vxlan_device, vxlan_vni, vxlan_port)
        VALUES (${def.name}, ${tx.array(def.podCidrs)}, 24, 64, NULL, 'cross-subnet', 1500, 'cni0', 'flannel.1', 1, 8472)
        RETURNING id`;
      const id = c!.id;
      await tx`
        INSERT INTO subnet (cluster_id, ordinal, name, cidr, gateway)
        SELECT ${id}, u.ord, u.name, u.cidr::inet, u.gw::inet
        FROM unnest(${tx.array(r.subnets.ordinal)}::int[], ${tx.array(r.subnets.name)}::text[],
                    ${tx.array(r.subnets.cidr)}::text[], ${tx.array(r.subnets.gateway)}::text[]) AS u(ord, name, cidr, gw)`;
      await tx`
        INSERT INTO node (cluster_id, ordinal, name, interface, addr_family, address_v4, address_v6, subnet, pod_cidr_v4, pod_cidr_v6)
        SELECT ${id}, u.ord, u.name, 'eth0', 4, u.a4::inet, NULL, u.subnet, u.b4::inet, NULL
        FROM unnest(${tx.array(r.nodes.ordinal)}::int[], ${tx.array(r.nodes.name)}::text[], ${tx.array(r.nodes.address)}::text[],
                    ${tx.array(r.nodes.subnet)}::text[], ${tx.array(r.nodes.block)}::text[]) AS u(ord, name, a4, subnet, b4)`;
      await tx`
        INSERT INTO pod (cluster_id, node_id, ordinal, namespace, name, ip_v4, ip_v6)
        SELECT ${id}, n.id, u.ord, u.ns, u.name, u.ip::inet, NULL
        FROM unnest(${tx.array(r.pods.ordinal)}::int[], ${tx.array(r.pods.namespace)}::text[], ${tx.array(r.pods.name)}::text[],
                    ${tx.array(r.pods.nodeOrdinal)}::int[], ${tx.array(r.pods.ip)}::text[]) AS u(ord, ns, name, node_ord, ip)
        JOIN node n ON n.cluster_id = ${id} AND n.ordinal = u.node_ord`;
    },
    async (sql) => Number((await sql<{ n: string }[]>`SELECT ((SELECT count(*) FROM node) + (SELECT count(*) FROM pod))::text AS n`)[0]!.n),
    async (sql) => void (await sql`TRUNCATE cluster, subnet, node, pod, reserved_range RESTART IDENTITY CASCADE`),
  );
}
