// A node's main table in JSON is sent as the pieces it is made of (slices of
// the per-class JSON the datapath keeps) once it is large: the bytes a client
// reads must be the table GraphQL renders on its own, with the length header
// true, the newline every text answer ends with, and HEAD answering the same
// headers without the body.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const NODES = 400;
const wide = {
  name: 'wide',
  podCidrs: ['10.8.0.0/14'],
  network: { mode: 'vxlan' },
  nodes: Array.from({ length: NODES }, (_, i) => ({ name: `n-${i}`, address: `192.168.${i >> 7}.${(i & 127) + 2}` })),
};

describe('large route tables in JSON', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    await request(t.server).put('/v1/clusters/wide').send(wide).expect(201);
  });
  after(async () => { await t.close(); });

  test('sent in pieces: the same table as GraphQL renders, its length, one newline; HEAD the same headers', async () => {
    for (const node of ['n-0', 'n-201', `n-${NODES - 1}`]) {
      const res = await request(t.server).get(`/v1/clusters/wide/nodes/${node}/routes?format=json`).buffer(true).parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      }).expect(200);
      const bytes = res.body as Buffer;
      assert.ok(bytes.length > 64 * 1024, `${node}: ${bytes.length} bytes, past the size sent in pieces`);
      assert.equal(Number(res.headers['content-length']), bytes.length, node);
      assert.equal(res.headers['transfer-encoding'], undefined, node);
      assert.match(res.headers['content-type']!, /^application\/json; charset=utf-8/);
      const text = bytes.toString('utf8');
      assert.ok(text.endsWith('}\n') && !text.endsWith('\n\n'), `${node}: ${JSON.stringify(text.slice(-20))}`);
      const gql = await request(t.server).post('/graphql')
        .send({ query: `{ cluster(name: "wide") { node(name: "${node}") { routeTable(format: JSON) } } }` }).expect(200);
      const table = JSON.parse(gql.body.data.cluster.node.routeTable as string) as { routes: unknown[]; neighbors: unknown[]; fdb: unknown[] };
      assert.deepEqual(JSON.parse(text), table, node);
      assert.equal(table.neighbors.length, NODES - 1);

      const head = await request(t.server).head(`/v1/clusters/wide/nodes/${node}/routes?format=json`).expect(200);
      assert.equal(head.headers['content-length'], res.headers['content-length'], `${node}: HEAD`);
    }
  });
});
