// An apply learns its new rows' ids without reading every row back (the
// store's INSERT … RETURNING sends one offset when ids are ordinals plus a
// constant, else they are read back): whichever way, the snapshot it leaves
// must hold exactly the ids in the database, or the next apply deletes and
// keeps the wrong rows.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import fc from 'fast-check';
import { intArrayLiteral, textArrayLiteral } from '../../src/store/bulk.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const node = (i: number) => ({ name: `n${i}`, address: `192.168.0.${10 + i}` });
const pod = (i: number, n: number) => ({ name: `p${i}`, namespace: i % 2 ? 'odd' : 'even', node: `n${n}` });

function definition(name: string, nodes: number[], pods: [number, number][]) {
  return {
    name, podCidrs: ['10.1.0.0/16'], network: { mode: 'host-gw' },
    subnets: [{ name: 'rack', cidr: '192.168.0.0/24', gateway: '192.168.0.1' }],
    nodes: nodes.map(node), pods: pods.map(([i, n]) => pod(i, n)),
  };
}

describe('the ids an apply leaves in its snapshot', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  /** The snapshot's ids by name against the rows' (nodes, pods). */
  async function assertSnapshotIsTheRows(name: string): Promise<void> {
    const snap = await t.app.clusters.get(name);
    const sql = t.tdb.db.sql;
    const nodes = await sql<{ id: number; name: string; ordinal: number }[]>`
      SELECT n.id, n.name, n.ordinal FROM node n JOIN cluster c ON c.id = n.cluster_id WHERE c.name = ${name} ORDER BY n.ordinal`;
    const pods = await sql<{ id: number; name: string; ordinal: number; ip: string }[]>`
      SELECT p.id, p.namespace || '/' || p.name AS name, p.ordinal, host(p.ip_v4) AS ip FROM pod p JOIN cluster c ON c.id = p.cluster_id
      WHERE c.name = ${name} ORDER BY p.ordinal`;
    assert.deepEqual(snap.stored.nodes.map((n) => ({ id: n.id, name: n.name, ordinal: n.ordinal })), [...nodes]);
    assert.deepEqual(snap.stored.pods.map((p) => ({ id: p.id, name: `${p.namespace}/${p.name}`, ordinal: p.ordinal, ip: p.ips[0]!.toString() })), [...pods]);
  }

  test('the array literals the writes send read back as the values, whatever the text', async () => {
    const sql = t.tdb.db.sql;
    const fixed = ['', 'NULL', 'null', 'a"b', 'a\\b', '\\"', '{x}', 'a,b', ' lead', 'trail ', 'tab\tnl\n', 'ünï', '"'];
    // Read back as JSON: postgres.js's own array parser takes an unquoted NULL element for the text 'NULL'.
    const [r] = await sql.unsafe<{ v: string }[]>('SELECT array_to_json($1::text[])::text AS v', [textArrayLiteral([...fixed, null])]);
    assert.deepEqual(JSON.parse(r!.v), [...fixed, null]);
    // Each way the literal is made: one join (nothing to escape, no NULL), one repeat (all NULL), element by element.
    for (const xs of [[], ['a', 'NULL', ''], [null], [null, null, null], ['a"', null], ['x', 'y\\']]) {
      const [one] = await sql.unsafe<{ v: string }[]>('SELECT array_to_json($1::text[])::text AS v', [textArrayLiteral(xs)]);
      assert.deepEqual(JSON.parse(one!.v), xs);
    }
    const text = fc.string({ unit: fc.constantFrom('a', '"', '\\', ',', '{', '}', ' ', 'N', 'U', 'L', 'é') });
    await fc.assert(fc.asyncProperty(fc.array(fc.option(text, { nil: null }), { maxLength: 20 }), fc.array(fc.integer()), async (xs, ns) => {
      const [row] = await sql.unsafe<{ v: string; n: string }[]>(
        'SELECT array_to_json($1::text[])::text AS v, array_to_json($2::int[])::text AS n', [textArrayLiteral(xs), intArrayLiteral(ns)]);
      assert.deepEqual(JSON.parse(row!.v), xs);
      assert.deepEqual(JSON.parse(row!.n), ns);
    }), { numRuns: 100 });
  });

  for (const step of [1, 3]) {
    test(`with the id sequences stepping by ${step} (${step === 1 ? 'ids are ordinals plus one offset' : 'they are not: read back'})`, async () => {
      await t.tdb.db.sql.unsafe(`ALTER SEQUENCE node_id_seq INCREMENT BY ${step}; ALTER SEQUENCE pod_id_seq INCREMENT BY ${step}`);
      const name = `ids-${step}`;
      const first = definition(name, [1, 2, 3], Array.from({ length: 12 }, (_, i): [number, number] => [i, 1 + (i % 3)]));
      await request(t.server).post('/v1/clusters').send(first).expect(201);
      await assertSnapshotIsTheRows(name);
      // From the cached snapshot: node n3 goes (with its pods), p1 goes, p4 moves to n4 (new), two new pods.
      const second = definition(name, [1, 2, 4],
        [...first.pods.map((p, i): [number, number] => [i, i === 4 ? 4 : Number(p.node.slice(1))]).filter(([i, n]) => n !== 3 && i !== 1), [20, 4], [21, 1]]);
      const res = await request(t.server).put(`/v1/clusters/${name}`).send(second).expect(200);
      assert.ok(res.body.changes.length > 0);
      await assertSnapshotIsTheRows(name);
      const view = (await request(t.server).get(`/v1/clusters/${name}`).expect(200)).body as { pods: { name: string }[] };
      assert.deepEqual(view.pods.map((p) => p.name).sort(), second.pods.map((p) => p.name).sort());
      // And once more from that snapshot: every pod on n1 goes.
      const third = definition(name, [1, 2, 4], second.pods.filter((p) => p.node !== 'n1').map((p) => [Number(p.name.slice(1)), Number(p.node.slice(1))]));
      await request(t.server).put(`/v1/clusters/${name}`).send(third).expect(200);
      await assertSnapshotIsTheRows(name);
      const [{ n }] = await t.tdb.db.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pod p JOIN cluster c ON c.id = p.cluster_id WHERE c.name = ${name}` as unknown as [{ n: number }];
      assert.equal(n, third.pods.length);
    });
  }
});
