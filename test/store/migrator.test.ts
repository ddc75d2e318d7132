import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import postgres from 'postgres';
import { Prefix } from '../../src/net/ip.js';
import { asConflict } from '../../src/store/failures.js';
import { MIGRATIONS_DIR, migrate, pendingMigrations, readMigrations } from '../../src/store/migrator.js';
import { createEmptyDatabase } from '../helpers/db.js';

interface PrismaField { name: string; column: string; type: string; optional: boolean; list: boolean; native: string | null }
interface PrismaModel { name: string; table: string; fields: PrismaField[] }

/** A deliberately small reader of schema.prisma: models, scalar fields, @map/@@map, @db.* */
function readPrismaModels(file: string): PrismaModel[] {
  const text = fs.readFileSync(file, 'utf8');
  const models: PrismaModel[] = [];
  const modelRe = /^model (\w+) \{([\s\S]*?)^\}/gm;
  const scalars = new Set(['String', 'Int', 'BigInt', 'Boolean', 'DateTime', 'Float', 'Decimal', 'Json', 'Bytes']);
  for (const m of text.matchAll(modelRe)) {
    const name = m[1]!;
    const body = m[2]!;
    const table = /@@map\("(\w+)"\)/.exec(body)?.[1] ?? name;
    const fields: PrismaField[] = [];
    for (const line of body.split('\n')) {
      const f = /^\s*(\w+)\s+(\w+)(\[\]|\?)?(.*)$/.exec(line);
      if (!f || line.trim().startsWith('//') || line.trim().startsWith('@@')) continue;
      const [, fname, ftype, mod, rest] = f;
      if (!scalars.has(ftype!)) continue;
      fields.push({
        name: fname!,
        column: /@map\("(\w+)"\)/.exec(rest!)?.[1] ?? fname!,
        type: ftype!,
        optional: mod === '?',
        list: mod === '[]',
        native: /@db\.(\w+)/.exec(rest!)?.[1] ?? null,
      });
    }
    models.push({ name, table, fields });
  }
  return models;
}

interface PrismaRelation { table: string; columns: string[]; references: string; refColumns: string[]; onDelete: string | null }

/** The relations schema.prisma declares with fields/references: each is a foreign key of the database. */
function readPrismaRelations(models: PrismaModel[], file: string): PrismaRelation[] {
  const text = fs.readFileSync(file, 'utf8');
  const tableOf = new Map(models.map((m) => [m.name, m.table]));
  const columnOf = (model: string, field: string) => models.find((m) => m.name === model)?.fields.find((f) => f.name === field)?.column ?? field;
  const out: PrismaRelation[] = [];
  for (const m of text.matchAll(/^model (\w+) \{([\s\S]*?)^\}/gm)) {
    for (const r of m[2]!.matchAll(/^\s*\w+\s+(\w+)\s+@relation\(fields: \[([\w, ]+)\], references: \[([\w, ]+)\](?:, onDelete: (\w+))?/gm)) {
      out.push({
        table: tableOf.get(m[1]!)!,
        columns: r[2]!.split(',').map((f) => columnOf(m[1]!, f.trim())),
        references: tableOf.get(r[1]!)!,
        refColumns: r[3]!.split(',').map((f) => columnOf(r[1]!, f.trim())),
        onDelete: r[4] ?? null,
      });
    }
  }
  return out;
}

/** The PostgreSQL udt_name each Prisma scalar (with its native type) maps to. */
function expectedUdt(f: PrismaField): string {
  if (f.native === 'Inet') return f.list ? '_inet' : 'inet';
  if (f.native === 'SmallInt') return 'int2';
  if (f.native === 'Timestamptz') return 'timestamptz';
  const base: Record<string, string> = { String: 'text', Int: 'int4', BigInt: 'int8', Boolean: 'bool', DateTime: 'timestamp', Float: 'float8', Json: 'jsonb', Bytes: 'bytea', Decimal: 'numeric' };
  const t = base[f.type]!;
  return f.list ? `_${t}` : t;
}

describe('migrator', () => {
  let db: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let sql: postgres.Sql;

  before(async () => {
    db = await createEmptyDatabase();
    sql = postgres(db.url, { max: 4, onnotice: () => {} });
  });
  after(async () => {
    await sql.end();
    await db.drop();
  });

  test('an empty database has every migration pending', async () => {
    assert.deepEqual(await pendingMigrations(sql), readMigrations().map((m) => m.name));
  });

  test('two instances migrating at once apply each migration exactly once', async () => {
    const other = postgres(db.url, { max: 2, onnotice: () => {} });
    try {
      const [a, b] = await Promise.all([migrate(sql), migrate(other)]);
      const names = readMigrations().map((m) => m.name);
      assert.deepEqual([...a.applied, ...b.applied].sort(), names.sort());
    } finally {
      await other.end();
    }
    assert.deepEqual(await pendingMigrations(sql), []);
  });

  test('_prisma_migrations records each migration as Prisma does (sha256 of the file)', async () => {
    const rows = await sql<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number; id: string }[]>`
      SELECT id, migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`;
    const files = readMigrations();
    assert.equal(rows.length, files.length);
    for (const [i, f] of files.entries()) {
      const row = rows[i]!;
      const expected = createHash('sha256').update(fs.readFileSync(path.join(MIGRATIONS_DIR, f.name, 'migration.sql'))).digest('hex');
      assert.equal(row.migration_name, f.name);
      assert.equal(row.checksum, expected);
      assert.ok(row.finished_at instanceof Date);
      assert.equal(row.applied_steps_count, 1);
      assert.match(row.id, /^[0-9a-f-]{36}$/);
    }
  });

  test('re-running applies nothing', async () => {
    const r = await migrate(sql);
    assert.deepEqual(r.applied, []);
    assert.deepEqual(r.checksumMismatches, []);
  });

  test('every model and field of schema.prisma has its table and column of the right type', async () => {
    const models = readPrismaModels(path.resolve('prisma/schema.prisma'));
    assert.ok(models.length >= 5, 'the schema reader found the models');
    const cols = await sql<{ table_name: string; column_name: string; udt_name: string; is_nullable: string }[]>`
      SELECT table_name, column_name, udt_name, is_nullable FROM information_schema.columns WHERE table_schema = 'public'`;
    const byKey = new Map(cols.map((c) => [`${c.table_name}.${c.column_name}`, c]));
    for (const m of models) {
      const tableCols = cols.filter((c) => c.table_name === m.table).map((c) => c.column_name).sort();
      assert.deepEqual(tableCols, m.fields.map((f) => f.column).sort(), `columns of ${m.table} match model ${m.name}`);
      for (const f of m.fields) {
        const c = byKey.get(`${m.table}.${f.column}`);
        assert.ok(c, `${m.table}.${f.column} exists`);
        assert.equal(c.udt_name, expectedUdt(f), `${m.table}.${f.column} type`);
        assert.equal(c.is_nullable === 'YES', f.optional || f.list, `${m.table}.${f.column} nullability`);
      }
    }
  });

  test('the foreign keys of the database are the relations of schema.prisma, cascades included', async () => {
    const file = path.resolve('prisma/schema.prisma');
    const want = readPrismaRelations(readPrismaModels(file), file)
      .map((r) => `${r.table}(${r.columns.join(',')}) -> ${r.references}(${r.refColumns.join(',')})${r.onDelete === 'Cascade' ? ' on delete cascade' : ''}`)
      .sort();
    assert.ok(want.length >= 3, 'the relation reader found the relations');
    const fks = await sql<{ def: string }[]>`
      SELECT c.conrelid::regclass::text || '(' || (SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) || ') -> '
          || c.confrelid::regclass::text || '(' || (SELECT string_agg(a.attname, ',' ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
               JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) || ')'
          || CASE c.confdeltype WHEN 'c' THEN ' on delete cascade' ELSE '' END AS def
      FROM pg_constraint c JOIN pg_namespace ns ON ns.oid = c.connamespace
      WHERE c.contype = 'f' AND ns.nspname = 'public'`;
    assert.deepEqual(fks.map((f) => f.def).sort(), want);
  });

  test("a pod's node must be in the pod's cluster; deleting a node or a cluster deletes its pods; pod IPs are unique per cluster", async () => {
    const cluster = async (name: string) =>
      (await sql<{ id: number }[]>`INSERT INTO cluster (name, pod_cidrs, node_mask_v4, node_mask_v6, mode, mtu, bridge, vxlan_device, vxlan_vni, vxlan_port)
        VALUES (${name}, '{10.0.0.0/16}', 24, 64, 'host-gw', 1500, 'cni0', 'flannel.1', 1, 8472) RETURNING id`)[0]!.id;
    const node = async (c: number, name: string, addr: string, block: string) =>
      (await sql<{ id: number }[]>`INSERT INTO node (cluster_id, ordinal, name, interface, addr_family, address_v4, pod_cidr_v4)
        VALUES (${c}, 0, ${name}, 'eth0', 4, ${addr}, ${block}) RETURNING id`)[0]!.id;
    const pod = (c: number, n: number, name: string, ip: string) =>
      sql`INSERT INTO pod (cluster_id, node_id, ordinal, namespace, name, ip_v4) VALUES (${c}, ${n}, 0, 'default', ${name}, ${ip})`;
    const count = async () => (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pod`)[0]!.n;
    const a = await cluster('fk-a');
    const b = await cluster('fk-b');
    const na = await node(a, 'a1', '192.168.0.1', '10.0.0.0/24');
    const na2 = await node(a, 'a2', '192.168.0.2', '10.0.1.0/24');
    const nb = await node(b, 'b1', '192.168.0.1', '10.0.0.0/24');
    await pod(a, na, 'p1', '10.0.0.2');
    await pod(a, na2, 'p2', '10.0.1.2');
    await pod(b, nb, 'p1', '10.0.0.2'); // clusters do not constrain each other
    await assert.rejects(pod(a, nb, 'p3', '10.0.0.3'), (err: { code?: string }) => err.code === '23503', "a node of another cluster");
    await assert.rejects(pod(a, 999_999, 'p3', '10.0.0.3'), (err: { code?: string }) => err.code === '23503', 'a node that does not exist');
    await assert.rejects(pod(a, na2, 'p3', '10.0.0.2'), (err: { constraint_name?: string }) => err.constraint_name === 'pod_cluster_id_ip_v4_key');
    await assert.rejects(
      sql`INSERT INTO node (cluster_id, ordinal, name, interface, addr_family, address_v4) VALUES (${a}, 0, 'a3', 'eth0', 4, '192.168.0.2')`,
      (err: { constraint_name?: string }) => err.constraint_name === 'node_cluster_id_address_v4_key',
    );
    assert.equal(await count(), 3);
    await sql`DELETE FROM node WHERE id = ${na2}`;
    assert.equal(await count(), 2, 'deleting a node deletes its pods');
    await sql`DELETE FROM cluster WHERE id = ${a}`;
    assert.equal(await count(), 1, "deleting a cluster deletes its nodes' pods");
    await sql`DELETE FROM cluster WHERE id = ${b}`;
    assert.equal(await count(), 0);
  });

  test('the pod → node key is checked once per statement, and holds for many rows and for updates', async (t) => {
    const c = (await sql<{ id: number }[]>`INSERT INTO cluster (name, pod_cidrs, node_mask_v4, node_mask_v6, mode, mtu, bridge, vxlan_device, vxlan_vni, vxlan_port)
      VALUES ('stmt', '{10.0.0.0/16}', 24, 64, 'host-gw', 1500, 'cni0', 'flannel.1', 1, 8472) RETURNING id`)[0]!.id;
    const nodes = await sql<{ id: number }[]>`INSERT INTO node (cluster_id, ordinal, name, interface, addr_family, address_v4, pod_cidr_v4)
      SELECT ${c}, g, 'n' || g, 'eth0', 4, ('192.168.1.0'::inet + g), ('10.0.' || g || '.0/24')::cidr FROM generate_series(1, 3) g RETURNING id`;
    const [n1, n2] = [nodes[0]!.id, nodes[1]!.id];
    t.after(() => sql`DELETE FROM cluster WHERE id = ${c}`);
    const triggers = await sql<{ tgname: string }[]>`SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname`;
    assert.deepEqual(triggers.map((t) => t.tgname), [
      'cluster_solo_guard', 'node_delete_pods_after_delete', 'node_key_fixed_before_update', 'node_truncate_pods_after_truncate', 'pod_node_exists_after_insert', 'pod_node_exists_after_update',
    ]);
    // One bad row among many refuses the whole statement, naming it.
    await assert.rejects(
      sql`INSERT INTO pod (cluster_id, node_id, ordinal, namespace, name, ip_v4)
        SELECT ${c}, CASE WHEN g = 500 THEN 999999 ELSE ${n1} END, g, 'default', 'p' || g, ('10.0.1.0'::inet + g) FROM generate_series(1, 1000) g`,
      (err: { code?: string; constraint_name?: string; detail?: string }) =>
        err.code === '23503' && err.constraint_name === 'pod_cluster_id_node_id_fkey' && /\(cluster_id, node_id\)=\(\d+, 999999\)/.test(err.detail ?? ''),
    );
    await sql`INSERT INTO pod (cluster_id, node_id, ordinal, namespace, name, ip_v4)
      SELECT ${c}, ${n1}, g, 'default', 'p' || g, ('10.0.1.0'::inet + g) FROM generate_series(1, 1000) g`;
    await assert.rejects(sql`UPDATE pod SET node_id = 999999 WHERE name = 'p7'`, (err: { code?: string }) => err.code === '23503', 'an update to a missing node');
    await sql`UPDATE pod SET node_id = ${n2} WHERE name IN ('p1', 'p2')`;
    await assert.rejects(sql`UPDATE node SET id = 999999 WHERE id = ${n1}`, (err: { code?: string }) => err.code === '23503', "a node's key does not change");
    // TRUNCATE of node empties pod, alone or with pod named too (as the bench's floor resets its tables).
    await sql.begin(async (tx) => {
      await tx`TRUNCATE node CASCADE`;
      assert.equal((await tx<{ n: number }[]>`SELECT count(*)::int AS n FROM pod`)[0]!.n, 0);
      await tx`TRUNCATE cluster, node, pod CASCADE`;
      throw new Error('rollback');
    }).catch((err: Error) => assert.equal(err.message, 'rollback'));
    // A REPEATABLE READ snapshot could miss a pod committed while the delete waited: refused.
    await assert.rejects(
      sql.begin('isolation level repeatable read', (tx) => tx`DELETE FROM node WHERE id = ${n1}`),
      (err: { code?: string }) => err.code === '0A000',
    );
    await sql.begin('isolation level serializable', (tx) => tx`DELETE FROM node WHERE id = ${nodes[2]!.id}`);
    // A pod added while a READ COMMITTED delete of its node waits for it goes with the node.
    let added!: () => void;
    const podAdded = new Promise<void>((r) => (added = r));
    let commit!: () => void;
    const mayCommit = new Promise<void>((r) => (commit = r));
    const inserting = sql.begin(async (tx) => {
      await tx`INSERT INTO pod (cluster_id, node_id, ordinal, namespace, name, ip_v4) VALUES (${c}, ${n2}, 0, 'late', 'p', '10.0.200.9')`;
      added();
      await mayCommit;
    });
    await podAdded;
    const deleting = sql`DELETE FROM node WHERE id = ${n2}`;
    const waited = await Promise.race([deleting.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 300))]);
    assert.ok(waited, 'the delete waits for the transaction that added a pod to the node');
    commit();
    await inserting;
    await deleting;
    assert.equal((await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pod WHERE node_id = ${n2}`)[0]!.n, 0, 'no pod is left without its node');
    await sql`DELETE FROM node WHERE id IN (${n1}, ${n2})`;
    assert.equal((await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pod WHERE cluster_id = ${c}`)[0]!.n, 0, "one statement deleting two nodes deletes both nodes' pods");
  });

  test("pods inserted while their node's delete waits to commit are refused once it commits (the check's second pass)", async (t) => {
    const c = (await sql<{ id: number }[]>`INSERT INTO cluster (name, pod_cidrs, node_mask_v4, node_mask_v6, mode, mtu, bridge, vxlan_device, vxlan_vni, vxlan_port)
      VALUES ('racing', '{10.0.0.0/16}', 24, 64, 'host-gw', 1500, 'cni0', 'flannel.1', 1, 8472) RETURNING id`)[0]!.id;
    t.after(() => sql`DELETE FROM cluster WHERE id = ${c}`);
    const nodes = await sql<{ id: number }[]>`INSERT INTO node (cluster_id, ordinal, name, interface, addr_family, address_v4, pod_cidr_v4)
      SELECT ${c}, g, 'n' || g, 'eth0', 4, ('192.168.1.0'::inet + g), ('10.0.' || g || '.0/24')::cidr FROM generate_series(1, 2) g RETURNING id`;
    const [kept, doomed] = [nodes[0]!.id, nodes[1]!.id];
    let deleted!: () => void;
    const deleteDone = new Promise<void>((r) => (deleted = r));
    let commit!: () => void;
    const mayCommit = new Promise<void>((r) => (commit = r));
    const deleting = sql.begin(async (tx) => {
      await tx`DELETE FROM node WHERE id = ${doomed}`;
      deleted();
      await mayCommit;
    });
    await deleteDone;
    // Most pods on the node that stays, some on the one being deleted: the insert waits for the delete's lock.
    const inserting = sql`INSERT INTO pod (cluster_id, node_id, ordinal, namespace, name, ip_v4)
      SELECT ${c}, CASE WHEN g % 10 = 0 THEN ${doomed}::int ELSE ${kept}::int END, g, 'default', 'p' || g, ('10.0.1.0'::inet + g) FROM generate_series(1, 200) g`
      .then(() => null, (e: unknown) => e);
    let waited: boolean;
    try {
      waited = await Promise.race([inserting.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 300))]);
    } finally {
      commit();
      await deleting;
    }
    assert.ok(waited, "the insert waits for the transaction deleting one of its pods' nodes");
    const err = (await inserting) as { code?: string; detail?: string } | null;
    assert.equal(err?.code, '23503', 'refused: the node is gone');
    assert.match(err?.detail ?? '', new RegExp(`\\(cluster_id, node_id\\)=\\(${c}, ${doomed}\\)`));
    assert.equal((await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pod WHERE cluster_id = ${c}`)[0]!.n, 0);
    // A pod naming another cluster's node is refused as well (the key is the pair).
    const other = (await sql<{ id: number }[]>`INSERT INTO cluster (name, pod_cidrs, node_mask_v4, node_mask_v6, mode, mtu, bridge, vxlan_device, vxlan_vni, vxlan_port)
      VALUES ('racing-other', '{10.0.0.0/16}', 24, 64, 'host-gw', 1500, 'cni0', 'flannel.1', 1, 8472) RETURNING id`)[0]!.id;
    t.after(() => sql`DELETE FROM cluster WHERE id = ${other}`);
    await assert.rejects(sql`INSERT INTO pod (cluster_id, node_id, ordinal, namespace, name, ip_v4) VALUES (${other}, ${kept}, 0, 'default', 'x', '10.0.1.9')`,
      (e: { code?: string }) => e.code === '23503');
  });

  test('the exclusion constraints against overlapping node blocks exist and hold', async () => {
    const cons = await sql<{ conname: string }[]>`SELECT conname FROM pg_constraint WHERE contype = 'x' ORDER BY conname`;
    assert.deepEqual(cons.map((c) => c.conname), ['node_pod_cidr_v4_no_overlap', 'node_pod_cidr_v6_no_overlap', 'subnet_no_overlap']);
    const [c] = await sql`INSERT INTO cluster (name, pod_cidrs, node_mask_v4, node_mask_v6, mode, mtu, bridge, vxlan_device, vxlan_vni, vxlan_port)
      VALUES ('x', '{10.0.0.0/16}', 24, 64, 'host-gw', 1500, 'cni0', 'flannel.1', 1, 8472) RETURNING id`;
    await sql`INSERT INTO node (cluster_id, ordinal, name, interface, addr_family, address_v4, pod_cidr_v4)
      VALUES (${c!.id}, 0, 'a', 'eth0', 4, '192.168.0.1', '10.0.0.0/24')`;
    await assert.rejects(
      sql`INSERT INTO node (cluster_id, ordinal, name, interface, addr_family, address_v4, pod_cidr_v4)
          VALUES (${c!.id}, 1, 'b', 'eth0', 4, '192.168.0.2', '10.0.0.128/25')`,
      (err: { code?: string }) => err.code === '23P01',
    );
    await sql`DELETE FROM cluster WHERE id = ${c!.id}`;
    const left = await sql`SELECT count(*)::int AS n FROM node`;
    assert.equal(left[0]!.n, 0, 'deleting a cluster cascades to its nodes');
  });

  test('an IPv4 node block is refused exactly when it overlaps a block of the same cluster (the SP-GiST key folds the cluster in)', async () => {
    const [am] = await sql<{ method: string }[]>`
      SELECT am.amname AS method FROM pg_constraint c JOIN pg_class i ON i.oid = c.conindid JOIN pg_am am ON am.oid = i.relam
      WHERE c.conname = 'node_pod_cidr_v4_no_overlap'`;
    assert.equal(am?.method, 'spgist');
    // Cluster ids around the key's 16-bit halves (65535 prints as an IPv4-mapped address).
    const fresh = await sql<{ id: number }[]>`SELECT nextval(pg_get_serial_sequence('cluster', 'id'))::int AS id FROM generate_series(1, 2)`;
    const ids = [...fresh.map((r) => r.id), 65535, 65536, 70000];
    for (const id of ids) {
      await sql`INSERT INTO cluster (id, name, pod_cidrs, node_mask_v4, node_mask_v6, mode, mtu, bridge, vxlan_device, vxlan_vni, vxlan_port)
        VALUES (${id}, ${`excl-${id}`}, '{10.0.0.0/8}', 24, 64, 'host-gw', 1500, 'cni0', 'flannel.1', 1, 8472)`;
    }
    const block = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 20, max: 26 }))
      .map(([k, bits]) => Prefix.from(Prefix.parse('10.7.0.0/16').subnet(24, BigInt(k)).addr, bits));
    let run = 0;
    await fc.assert(fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...ids), block), { minLength: 1, maxLength: 12 }), async (rows) => {
      run++;
      await sql`DELETE FROM node WHERE cluster_id = ANY(${ids})`;
      const held: { cluster: number; block: Prefix }[] = [];
      for (const [k, [cluster, b]] of rows.entries()) {
        const clashes = held.filter((h) => h.cluster === cluster && h.block.overlaps(b));
        const insert = sql`INSERT INTO node (cluster_id, ordinal, name, interface, addr_family, address_v4, pod_cidr_v4)
          VALUES (${cluster}, ${k}, ${`n${run}-${k}`}, 'eth0', 4, ${`192.168.${k}.1`}, ${b.toString()})`;
        if (clashes.length === 0) {
          await insert;
          held.push({ cluster, block: b });
          continue;
        }
        const err = await insert.then(() => null, (e: unknown) => e);
        assert.ok(err, `${b.toString()} in cluster ${cluster} overlaps ${clashes[0]!.block.toString()} and must be refused`);
        const conflict = asConflict(err);
        assert.equal(conflict?.code, 'POD_CIDR_CONFLICT');
        // Said in the cluster's terms, as the GiST constraint said it, not as the folded key.
        const said = clashes.map((c) => `Key (cluster_id, pod_cidr_v4)=(${cluster}, ${b.toString()}) conflicts with existing key (cluster_id, pod_cidr_v4)=(${cluster}, ${c.block.toString()}).`);
        assert.ok(said.includes(conflict?.detail ?? ''), `${conflict?.detail} is one of ${said.join(' | ')}`);
      }
    }), { numRuns: 40 });
    await sql`DELETE FROM cluster WHERE id = ANY(${ids})`;
  });
});
