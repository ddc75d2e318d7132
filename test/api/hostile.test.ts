// Requests meant to crash, stall or exhaust the service, beyond the corpus:
// each is answered, and nothing else waits for it.
import assert from 'node:assert/strict';
import net from 'node:net';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const YAML_BOMB = `name: ${'['.repeat(50_000)}${']'.repeat(50_000)}`;

/** Ms for /healthz to answer while `work` runs. */
async function healthzDuring(t: TestApp, work: Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  let done = false;
  void work.finally(() => { done = true; });
  while (!done) {
    const t0 = performance.now();
    await request(t.server).get('/healthz').expect(200);
    times.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 20));
  }
  await work;
  return times;
}

describe('a fresh instance and the YAML bomb', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  test('five 100 kB nested-flow bombs are five 400s; the process stays up and nothing is stored', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await request(t.server).post('/v1/clusters').set('content-type', 'application/yaml').send(YAML_BOMB).expect(400);
      assert.equal(res.body.code, 'MALFORMED_BODY');
      assert.match(res.headers['content-type']!, /^application\/problem\+json/);
    }
    await request(t.server).get('/healthz').expect(200);
    const [row] = await t.tdb.db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM cluster`;
    assert.equal(row!.n, 0);
  });

  test('YAML is parsed off the event loop: /healthz answers while a bomb is refused', async () => {
    const bomb = request(t.server).post('/v1/clusters').set('content-type', 'application/yaml').send(`${YAML_BOMB}\n`.repeat(3)).then((r) => r);
    const times = await healthzDuring(t, bomb);
    assert.equal((await bomb).status, 400);
    assert.ok(Math.max(...times) < 1000, `healthz took ${Math.max(...times).toFixed(0)} ms`);
  });

  test('plain YAML still works, core tags included', async () => {
    const doc = 'name: yaml-ok\npodCidrs: [10.7.0.0/16]\nnetwork: {mtu: !!int "1400"}\nnodes:\n  - {name: n1, address: 192.168.7.1}\n';
    const res = await request(t.server).post('/v1/clusters').set('content-type', 'application/yaml').send(doc).expect(201);
    assert.equal(res.body.network.mtu, 1400);
  });
});

describe('names as long as the SPEC allows', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    await request(t.server).post('/v1/clusters').send({ name: 'long', podCidrs: ['10.2.0.0/16'] }).expect(201);
  });
  after(async () => { await t.close(); });

  const name253 = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.');
  test('a 253-character node and pod name work end to end', async () => {
    assert.equal(name253.length, 253);
    await request(t.server).post('/v1/clusters/long/nodes').send({ name: name253, address: '192.168.2.1' }).expect(201);
    assert.equal((await request(t.server).get(`/v1/clusters/long/nodes/${name253}`).expect(200)).body.name, name253);
    await request(t.server).get(`/v1/clusters/long/nodes/${name253}/routes?format=text`).expect(200);
    await request(t.server).post('/v1/clusters/long/pods').send({ name: name253, node: name253 }).expect(201);
    await request(t.server).get(`/v1/clusters/long/pods/default/${name253}`).expect(200);
    await request(t.server).get(`/v1/clusters/long/pods/default/${name253}/routes`).expect(200);
    await request(t.server).delete(`/v1/clusters/long/pods/default/${name253}`).expect(204);
    await request(t.server).delete(`/v1/clusters/long/nodes/${name253}`).expect(204);
    await request(t.server).get(`/v1/clusters/long/nodes/${name253}`).expect(404);
  });
});

describe('large invalid bodies', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  test('a 1 MB body of 500,000 wrong items answers one short problem list', async () => {
    const body = JSON.stringify({ name: 'x', podCidrs: ['10.0.0.0/8'], nodes: Array(500_000).fill(1) });
    const res = await request(t.server).post('/v1/clusters').set('content-type', 'application/json').send(body).expect(422);
    assert.ok(res.text.length < 64 * 1024, `${res.text.length} bytes of problems`);
    assert.ok(res.body.errors.length >= 1 && res.body.errors.length <= 100);
    assert.equal(res.body.errors[0].path, 'nodes[0]');
  });

  test('300,000 bad prefixes (1.8 MB): the first 100 listed, validation stopped, /healthz answering meanwhile', async () => {
    const body = JSON.stringify({ name: 'x', podCidrs: ['10.0.0.0/8'], reserved: Array(300_000).fill('x/1') });
    assert.ok(body.length > 1.7e6);
    const t0 = performance.now();
    const post = request(t.server).post('/v1/clusters').set('content-type', 'application/json').send(body).then((r) => r);
    const times = await healthzDuring(t, post);
    const res = await post;
    const took = performance.now() - t0;
    assert.equal(res.status, 422);
    assert.equal(res.body.code, 'VALIDATION_FAILED');
    assert.equal(res.body.errors.length, 100);
    assert.equal(res.body.errorsTruncated, true);
    assert.ok(res.body.errorCount > 100);
    assert.deepEqual(res.body.errors[99], { path: 'reserved[99]', message: res.body.errors[0].message });
    assert.ok(Math.max(...times) < 1000, `healthz took ${Math.max(...times).toFixed(0)} ms`);
    console.log(`# 1.8 MB of bad prefixes answered in ${took.toFixed(0)} ms; slowest healthz meanwhile ${Math.max(...times).toFixed(0)} ms`);
  });
});

describe('an answer never echoes a large input value', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  const huge = '1'.repeat(2_000_000);
  const base = { name: 'echo', podCidrs: ['10.0.0.0/16'] };
  const bodies: [string, unknown][] = [
    ['a node address', { ...base, nodes: [{ name: 'a', address: huge }] }],
    ['a pod CIDR', { ...base, podCidrs: [huge] }],
    ['the service CIDR', { ...base, serviceCidr: huge }],
    ['a reserved range', { ...base, reserved: [huge] }],
    ['a pinned pod IP', { ...base, nodes: [{ name: 'a', address: '192.168.0.1' }], pods: [{ name: 'p', node: 'a', ips: [huge] }] }],
    ['a VTEP MAC', { ...base, nodes: [{ name: 'a', address: '192.168.0.1', vtepMac: huge }] }],
    ['a namespace', { ...base, nodes: [{ name: 'a', address: '192.168.0.1' }], pods: [{ name: 'p', namespace: `x${huge}`, node: 'a' }] }],
    ['an unknown top-level key', { ...base, [`k${huge}`]: 1 }],
    ['an unknown node key', { ...base, nodes: [{ name: 'a', address: '192.168.0.1', [`k${huge}`]: 1 }] }],
    ['200 bad 20 kB addresses', { ...base, nodes: Array.from({ length: 200 }, (_, i) => ({ name: `n${i}`, address: '2'.repeat(20_000) })) }],
  ];
  for (const [what, body] of bodies) {
    test(`${what}: a 4xx of a few kB, the value clipped with …`, async () => {
      const text = JSON.stringify(body);
      const res = await request(t.server).post('/v1/clusters?dryRun=true').set('content-type', 'application/json').send(text);
      assert.ok(res.status >= 400 && res.status < 500, `${res.status} ${res.text.slice(0, 200)}`);
      assert.ok(res.text.length < 64 * 1024, `${res.text.length} bytes answered to ${text.length}`);
      assert.match(res.text, /…/);
    });
  }

  test('a body that is valid JSON refused for __proto__ says so; a gzip body is a 415 naming the coding', async () => {
    const poisoned = await request(t.server).post('/v1/clusters').set('content-type', 'application/json')
      .send('{"__proto__":{},"name":"p","podCidrs":["10.2.0.0/16"]}').expect(400);
    assert.equal(poisoned.body.code, 'MALFORMED_BODY');
    assert.match(poisoned.body.detail, /__proto__/);
    const broken = await request(t.server).post('/v1/clusters').set('content-type', 'application/json').send('{"__proto__":').expect(400);
    assert.doesNotMatch(broken.body.detail, /prototype poisoning/);
    const gzip = zlib.gzipSync(JSON.stringify({ name: 'gz', podCidrs: ['10.3.0.0/16'] }));
    const coded = await request(t.server).post('/v1/clusters').set('content-type', 'application/json').set('content-encoding', 'gzip').send(gzip).expect(415);
    assert.equal(coded.body.code, 'UNSUPPORTED_MEDIA_TYPE');
    assert.match(coded.body.detail, /Content-Encoding "gzip"/);
    assert.equal(coded.headers['accept-encoding'], 'identity');
    await request(t.server).get('/v1/clusters/gz').expect(404);
    await request(t.server).post('/v1/clusters?dryRun=true').set('content-type', 'application/json').set('content-encoding', 'identity')
      .send(JSON.stringify({ name: 'gz', podCidrs: ['10.3.0.0/16'] })).expect(200);
  });

  test('YAML bodies too', async () => {
    const res = await request(t.server).post('/v1/clusters?dryRun=true').set('content-type', 'application/yaml')
      .send(`name: echo\npodCidrs: ["${huge}"]\n`).expect(422);
    assert.ok(res.text.length < 8 * 1024, `${res.text.length} bytes`);
  });

  test('GraphQL: a bad variable value is clipped in the message', async () => {
    const query = 'mutation A($d: ClusterInput!) { applyCluster(definition: $d, dryRun: true) { dryRun } }';
    for (const d of [{ ...base, nodes: [{ name: 'a', address: huge }] }, { ...base, network: { mode: huge } }]) {
      const res = await request(t.server).post('/graphql').send({ query, variables: { d } });
      assert.ok(res.text.length < 16 * 1024, `${res.text.length} bytes`);
      assert.ok(res.body.errors.length >= 1);
    }
  });
});

describe('limits and slow clients', () => {
  let t: TestApp;
  let port: number;
  before(async () => {
    t = await startTestApp({ PODNET_BODY_LIMIT: '64k', PODNET_HEADERS_TIMEOUT_MS: '400', PODNET_REQUEST_TIMEOUT_MS: '800' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(async () => { await t.close(); });

  /** Opens a connection, feeds it `chunks` one every `everyMs`, and resolves with what came back once it closes. */
  function trickle(chunks: string[], everyMs: number): Promise<{ text: string; closedAfterMs: number }> {
    return new Promise((resolve) => {
      const t0 = performance.now();
      const socket = net.connect(port, '127.0.0.1');
      let text = '';
      let i = 0;
      const timer = setInterval(() => {
        if (i < chunks.length && !socket.destroyed) socket.write(chunks[i++]!);
      }, everyMs);
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => { text += d; });
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(timer);
        resolve({ text, closedAfterMs: performance.now() - t0 });
      });
    });
  }

  test('a body over PODNET_BODY_LIMIT is 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await request(t.server).post('/v1/clusters').set('content-type', 'application/json')
      .send(JSON.stringify({ name: 'big', podCidrs: ['10.0.0.0/8'], reserved: Array(10_000).fill('10.9.0.0/24') })).expect(413);
    assert.equal(res.body.code, 'PAYLOAD_TOO_LARGE');
  });

  test('slowloris: headers sent a few bytes at a time are cut at the headers timeout', async () => {
    const chunks = ['GET /healthz HTTP/1.1\r\n', 'Host: x\r\n', ...Array.from({ length: 100 }, (_, i) => `X-Slow-${i}: y\r\n`)];
    const r = await trickle(chunks, 100);
    assert.ok(r.closedAfterMs < 5000, `still open after ${r.closedAfterMs.toFixed(0)} ms`);
    assert.match(r.text, /^HTTP\/1\.1 408/);
    assert.match(r.text, /application\/problem\+json[\s\S]*"code":"REQUEST_TIMEOUT"/);
  });

  test('a body trickled a byte at a time is cut at the request timeout, and nothing is stored', async () => {
    const body = JSON.stringify({ name: 'slow', podCidrs: ['10.3.0.0/16'] });
    const head = `POST /v1/clusters HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const r = await trickle([head, ...body], 150);
    assert.ok(r.closedAfterMs < 5000, `still open after ${r.closedAfterMs.toFixed(0)} ms`);
    const [row] = await t.tdb.db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM cluster WHERE name = 'slow'`;
    assert.equal(row!.n, 0);
  });

  test('an idle connection is closed too', async () => {
    const r = await trickle([], 1000);
    assert.ok(r.closedAfterMs < 5000, `still open after ${r.closedAfterMs.toFixed(0)} ms`);
  });

  test('a request that is not HTTP is a 400 problem document', async () => {
    const r = await trickle(['HELLO THERE\r\n\r\n'], 10);
    assert.match(r.text, /^HTTP\/1\.1 400/);
    assert.match(r.text, /"code":"MALFORMED_REQUEST"/);
  });
});
