// Every malformed or contradictory definition is a 4xx problem document and
// leaves the database exactly as it was.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const base = { name: 'bad', podCidrs: ['10.1.0.0/16'] };
const node = (name: string, address: string, extra: Record<string, unknown> = {}) => ({ name, address, ...extra });

const corpus: [string, unknown][] = [
  ['not an object', ['a list']],
  ['a string', 'cluster'],
  ['missing name', { podCidrs: ['10.1.0.0/16'] }],
  ['missing podCidrs', { name: 'bad' }],
  ['empty podCidrs', { ...base, podCidrs: [] }],
  ['name with uppercase', { ...base, name: 'Bad' }],
  ['name too long', { ...base, name: 'a'.repeat(64) }],
  ['name with underscore', { ...base, name: 'bad_name' }],
  ['host bits set', { ...base, podCidrs: ['10.1.0.1/16'] }],
  ['prefix length out of range', { ...base, podCidrs: ['10.0.0.0/33'] }],
  ['octet out of range', { ...base, podCidrs: ['300.1.1.0/24'] }],
  ['bare address as prefix', { ...base, podCidrs: ['10.1.0.0'] }],
  ['two IPv4 pod CIDRs', { ...base, podCidrs: ['10.1.0.0/16', '10.2.0.0/16'] }],
  ['three pod CIDRs', { ...base, podCidrs: ['10.1.0.0/16', 'fd00::/48', 'fd01::/48'] }],
  ['mask smaller than the cluster prefix', { ...base, nodeMaskSize: { ipv4: 8 } }],
  ['mask too long', { ...base, nodeMaskSize: { ipv4: 32 } }],
  ['service CIDR overlaps pod CIDR', { ...base, serviceCidr: '10.1.128.0/17' }],
  ['subnet overlaps pod CIDR', { ...base, subnets: [{ name: 's', cidr: '10.1.0.0/24' }] }],
  ['node address inside pod CIDR', { ...base, nodes: [node('a', '10.1.5.5')] }],
  ['node outside every subnet', { ...base, subnets: [{ name: 's', cidr: '192.168.0.0/24' }], nodes: [node('a', '192.168.9.1')] }],
  ['node address is the gateway', { ...base, subnets: [{ name: 's', cidr: '192.168.0.0/24', gateway: '192.168.0.1' }], nodes: [node('a', '192.168.0.1')] }],
  ['gateway outside its subnet', { ...base, subnets: [{ name: 's', cidr: '192.168.0.0/24', gateway: '192.168.1.1' }] }],
  ['overlapping subnets', { ...base, subnets: [{ name: 's', cidr: '192.168.0.0/23' }, { name: 't', cidr: '192.168.1.0/24' }] }],
  ['duplicate subnet names', { ...base, subnets: [{ name: 's', cidr: '192.168.0.0/24' }, { name: 's', cidr: '192.168.1.0/24' }] }],
  ['duplicate node names', { ...base, nodes: [node('a', '192.168.0.1'), node('a', '192.168.0.2')] }],
  ['duplicate node addresses', { ...base, nodes: [node('a', '192.168.0.1'), node('b', '192.168.0.1')] }],
  ['address and addresses both', { ...base, nodes: [{ name: 'a', address: '192.168.0.1', addresses: ['192.168.0.1'] }] }],
  ['two IPv4 addresses on one node', { ...base, nodes: [{ name: 'a', addresses: ['192.168.0.1', '192.168.0.2'] }] }],
  ['node without an address', { ...base, nodes: [{ name: 'a' }] }],
  ['invalid node address', { ...base, nodes: [node('a', '192.168.0.300')] }],
  ['pinned block of the wrong size', { ...base, nodes: [node('a', '192.168.0.1', { podCidrs: ['10.1.7.0/25'] })] }],
  ['pinned block outside the range', { ...base, nodes: [node('a', '192.168.0.1', { podCidrs: ['10.9.7.0/24'] })] }],
  ['two nodes pinning one block', { ...base, nodes: [node('a', '192.168.0.1', { podCidrs: ['10.1.7.0/24'] }), node('b', '192.168.0.2', { podCidrs: ['10.1.7.0/24'] })] }],
  ['pinned block in a reserved range', { ...base, reserved: ['10.1.7.0/24'], nodes: [node('a', '192.168.0.1', { podCidrs: ['10.1.7.0/24'] })] }],
  ['pod on an unknown node', { ...base, nodes: [node('a', '192.168.0.1')], pods: [{ name: 'p', node: 'ghost' }] }],
  ['duplicate pods', { ...base, nodes: [node('a', '192.168.0.1')], pods: [{ name: 'p', node: 'a' }, { name: 'p', node: 'a', namespace: 'default' }] }],
  ['pod name with uppercase', { ...base, nodes: [node('a', '192.168.0.1')], pods: [{ name: 'P', node: 'a' }] }],
  ['pod pinned to the gateway', { ...base, nodes: [node('a', '192.168.0.1', { podCidrs: ['10.1.7.0/24'] })], pods: [{ name: 'p', node: 'a', ips: ['10.1.7.1'] }] }],
  ['unknown mode', { ...base, network: { mode: 'flat' } }],
  ['MTU too small', { ...base, network: { mtu: 100 } }],
  ['VNI out of range', { ...base, network: { mode: 'vxlan', vxlan: { vni: 1 << 25 } } }],
  ['unknown top-level field', { ...base, podCidr: '10.1.0.0/16' }],
  ['wrong type for nodes', { ...base, nodes: 'a,b' }],
  ['wrong type for mtu', { ...base, network: { mtu: 'big' } }],
  ['reserved range of a missing family', { ...base, reserved: ['fd00::/64'] }],
];

describe('bad input corpus over REST', () => {
  let t: TestApp;
  let snapshot: string;
  const dump = async () => JSON.stringify(await t.tdb.db.sql`
    SELECT (SELECT count(*)::int FROM cluster) c, (SELECT count(*)::int FROM node) n, (SELECT count(*)::int FROM pod) p,
           (SELECT count(*)::int FROM subnet) s, (SELECT count(*)::int FROM reserved_range) r, (SELECT max(version)::text FROM cluster) v, (SELECT count(*)::int FROM cluster) c2`);

  before(async () => {
    t = await startTestApp();
    await request(t.server).post('/v1/clusters').send({ name: 'bad', podCidrs: ['10.1.0.0/16'], nodes: [node('keep', '192.168.0.99')] }).expect(201);
    snapshot = await dump();
  });
  after(async () => { await t.close(); });

  assert.ok(corpus.length >= 30);
  for (const [what, body] of corpus) {
    test(`${what}: 4xx problem+json, nothing stored (POST and PUT)`, async () => {
      for (const res of [
        await request(t.server).post('/v1/clusters').send(body as object),
        await request(t.server).put('/v1/clusters/bad').send(body as object),
      ]) {
        assert.ok(res.status >= 400 && res.status < 500, `${what}: status ${res.status} ${JSON.stringify(res.body)}`);
        assert.match(res.headers['content-type']!, /^application\/problem\+json/);
        assert.equal(typeof res.body.code, 'string');
        assert.equal(typeof res.body.detail, 'string');
        assert.notEqual(res.body.code, 'INTERNAL');
      }
      assert.equal(await dump(), snapshot);
    });
  }

  test('field problems name the field', async () => {
    const res = await request(t.server).post('/v1/clusters').send({ ...base, name: 'x', podCidrs: ['10.1.0.1/16'] }).expect(422);
    assert.equal(res.body.code, 'VALIDATION_FAILED');
    assert.deepEqual(res.body.errors, [{ path: 'podCidrs[0]', message: res.body.errors[0].message }]);
    assert.match(res.body.errors[0].message, /10\.1\.0\.0\/16/);
  });
});
