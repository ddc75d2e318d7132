import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const demo = {
  name: 'pics',
  podCidrs: ['10.1.0.0/16'],
  network: { mode: 'vxlan' },
  subnets: [
    { name: 'rack1', cidr: '192.168.0.0/24', gateway: '192.168.0.1' },
    { name: 'rack2', cidr: '192.168.1.0/24', gateway: '192.168.1.1' },
  ],
  nodes: [
    { name: 'node-a', address: '192.168.0.11' },
    { name: 'node-b', address: '192.168.0.12' },
    { name: 'node-c', address: '192.168.1.13' },
  ],
  pods: [{ name: 'web', namespace: 'shop', node: 'node-a' }, { name: 'db', node: 'node-b' }, { name: 'far', node: 'node-c' }],
};

type JsonHop = { index: number; kind: string; node: string | null; dev: string | null };

function hopsOfSvg(svg: string): [string | null, string | null, string | null, string | null][] {
  const doc = new DOMParser({ onError: (level, msg) => { if (level !== 'warning') assert.fail(msg); } }).parseFromString(svg, 'image/svg+xml');
  const gs = doc.getElementsByTagName('g');
  const out: [string | null, string | null, string | null, string | null][] = [];
  for (let i = 0; i < gs.length; i++) {
    const g = gs.item(i)!;
    if (g.getAttribute('class') === 'hop') out.push([g.getAttribute('data-index'), g.getAttribute('data-kind'), g.getAttribute('data-node'), g.getAttribute('data-dev')]);
  }
  return out;
}
/** supertest buffers only text and JSON by itself; an SVG body is read as text here. */
const svgOf = (req: request.Test) => req.buffer(true).parse((res, done) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => { body += c; });
  res.on('end', () => done(null, body));
});

const hopsOfJson = (hops: JsonHop[]) => hops.map((h) => [String(h.index), h.kind, h.node, h.dev]);

describe('the path picture over REST and GraphQL', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    await request(t.server).post('/v1/clusters').send(demo).expect(201);
  });
  after(async () => { await t.close(); });

  test('format=svg answers image/svg+xml whose g.hop sequence is the JSON path, for each shape', async () => {
    for (const [from, to, n] of [['shop/web', 'db', 10], ['shop/web', 'far', 11], ['db', 'shop/web', 10], ['node:node-a', '8.8.8.8', 2]] as const) {
      const json = await request(t.server).get('/v1/clusters/pics/path').query({ from, to }).expect(200);
      const svg = await svgOf(request(t.server).get('/v1/clusters/pics/path').query({ from, to, format: 'svg' })).expect(200);
      assert.match(svg.headers['content-type']!, /^image\/svg\+xml/);
      const text = svg.body as string;
      assert.match(text, new RegExp(`^<svg [^>]*data-disposition="${json.body.disposition}"`));
      assert.equal(json.body.hops.length, n, `${from} → ${to}`);
      assert.deepEqual(hopsOfSvg(text), hopsOfJson(json.body.hops), `${from} → ${to}`);
    }
  });

  test('format=json is the default and an unknown format is a 400 problem', async () => {
    const res = await request(t.server).get('/v1/clusters/pics/path').query({ from: 'shop/web', to: 'db', format: 'json' }).expect(200);
    assert.match(res.headers['content-type']!, /^application\/json/);
    const bad = await request(t.server).get('/v1/clusters/pics/path').query({ from: 'shop/web', to: 'db', format: 'png' }).expect(400);
    assert.match(bad.headers['content-type']!, /^application\/problem\+json/);
    assert.equal(bad.body.errors[0].path, 'query.format');
  });

  test('bad endpoints stay problems with format=svg, never a picture of nothing', async () => {
    const res = await request(t.server).get('/v1/clusters/pics/path').query({ from: 'shop/web', to: 'nope/nope', format: 'svg' }).expect(404);
    assert.match(res.headers['content-type']!, /^application\/problem\+json/);
    assert.equal(res.body.code, 'ENDPOINT_NOT_FOUND');
    await request(t.server).get('/v1/clusters/missing/path').query({ from: 'a', to: 'b', format: 'svg' }).expect(404);
  });

  test('GraphQL Path.svg is the same picture as REST format=svg', async () => {
    const q = '{ path(cluster: "pics", from: "shop/web", to: "far") { disposition hops { index } svg } }';
    const res = await request(t.server).post('/graphql').send({ query: q }).expect(200);
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const rest = await svgOf(request(t.server).get('/v1/clusters/pics/path').query({ from: 'shop/web', to: 'far', format: 'svg' })).expect(200);
    assert.equal(res.body.data.path.svg, rest.body);
    assert.equal(res.body.data.path.hops.length, 11);
  });
});
