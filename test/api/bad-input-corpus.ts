// The hostile-input corpus: one request per row, with the answer it must get.
// test/api/bad-input.test.ts sends each to a service holding the fixture
// below (cluster `bad`: node `keep`, pod `default/web`) and checks the status,
// the problem code (extensions.code for GraphQL) and that nothing changed.

export interface Case {
  what: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Sent as JSON unless `raw` is given. */
  body?: unknown;
  /** Sent verbatim, with `type` (default application/json). */
  raw?: string;
  type?: string;
  /** The bearer sent: admin by default. */
  token?: 'admin' | 'read' | 'none' | 'bogus';
  status: number;
  code: string;
}

export const fixture = {
  name: 'bad', podCidrs: ['10.1.0.0/16'],
  nodes: [{ name: 'keep', address: '192.168.0.99' }],
  pods: [{ name: 'web', node: 'keep' }],
};

const base = { name: 'bad', podCidrs: ['10.1.0.0/16'] };
const node = (name: string, address: string, extra: Record<string, unknown> = {}) => ({ name, address, ...extra });
const n1 = [node('a', '192.168.0.1')];

/** Definitions that are wrong as data: each is sent as POST /v1/clusters and as PUT /v1/clusters/bad. */
const definitions: [what: string, body: unknown, status: number, code: string][] = [
  ['not an object', ['a list'], 422, 'VALIDATION_FAILED'],
  ['a string', 'cluster', 422, 'VALIDATION_FAILED'],
  ['null', null, 422, 'VALIDATION_FAILED'],
  ['missing name', { podCidrs: ['10.1.0.0/16'] }, 422, 'VALIDATION_FAILED'],
  ['missing podCidrs', { name: 'bad' }, 422, 'VALIDATION_FAILED'],
  ['empty podCidrs', { ...base, podCidrs: [] }, 422, 'VALIDATION_FAILED'],
  ['name with uppercase', { ...base, name: 'Bad' }, 422, 'VALIDATION_FAILED'],
  ['name too long', { ...base, name: 'a'.repeat(64) }, 422, 'VALIDATION_FAILED'],
  ['name with underscore', { ...base, name: 'bad_name' }, 422, 'VALIDATION_FAILED'],
  ['name with a NUL escape', { ...base, name: 'bad\u0000' }, 400, 'MALFORMED_BODY'],
  ['host bits set', { ...base, podCidrs: ['10.1.0.1/16'] }, 422, 'VALIDATION_FAILED'],
  ['prefix length out of range', { ...base, podCidrs: ['10.0.0.0/33'] }, 422, 'VALIDATION_FAILED'],
  ['octet out of range', { ...base, podCidrs: ['300.1.1.0/24'] }, 422, 'VALIDATION_FAILED'],
  ['bare address as prefix', { ...base, podCidrs: ['10.1.0.0'] }, 422, 'VALIDATION_FAILED'],
  ['two IPv4 pod CIDRs', { ...base, podCidrs: ['10.1.0.0/16', '10.2.0.0/16'] }, 422, 'VALIDATION_FAILED'],
  ['three pod CIDRs', { ...base, podCidrs: ['10.1.0.0/16', 'fd00::/48', 'fd01::/48'] }, 422, 'VALIDATION_FAILED'],
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is IPv4 to Kubernetes: as IPv6 it slipped past the overlap, one-per-family and duplicate checks.
  ['an IPv4-mapped node address inside the pod CIDR', { ...base, nodes: [node('a', '::ffff:10.1.0.5')] }, 422, 'VALIDATION_FAILED'],
  ['a node address twice, once IPv4-mapped', { ...base, nodes: [node('a', '192.168.0.1'), node('b', '::ffff:192.168.0.1')] }, 422, 'VALIDATION_FAILED'],
  ['an IPv4-mapped pod CIDR as the second family', { ...base, podCidrs: ['10.1.0.0/16', '::ffff:10.1.0.0/112'], nodeMaskSize: { ipv6: 120 }, nodes: n1 }, 422, 'VALIDATION_FAILED'],
  ['an IPv4-mapped pinned pod IP', { ...base, podCidrs: ['10.1.0.0/16', 'fd00::/48'], nodes: n1, pods: [{ name: 'p', node: 'a', ips: ['::ffff:10.1.0.9'] }] }, 422, 'VALIDATION_FAILED'],
  ['an IPv4-mapped subnet', { ...base, subnets: [{ name: 'r', cidr: '::ffff:192.168.0.0/120' }], nodes: n1 }, 422, 'VALIDATION_FAILED'],
  ['mask smaller than the cluster prefix', { ...base, nodeMaskSize: { ipv4: 8 } }, 422, 'VALIDATION_FAILED'],
  ['mask too long', { ...base, nodeMaskSize: { ipv4: 32 } }, 422, 'VALIDATION_FAILED'],
  ['service CIDR overlaps pod CIDR', { ...base, serviceCidr: '10.1.128.0/17' }, 422, 'VALIDATION_FAILED'],
  ['subnet overlaps pod CIDR', { ...base, subnets: [{ name: 's', cidr: '10.1.0.0/24' }] }, 422, 'VALIDATION_FAILED'],
  ['node address inside pod CIDR', { ...base, nodes: [node('a', '10.1.5.5')] }, 422, 'VALIDATION_FAILED'],
  ['node outside every subnet', { ...base, subnets: [{ name: 's', cidr: '192.168.0.0/24' }], nodes: [node('a', '192.168.9.1')] }, 422, 'VALIDATION_FAILED'],
  ['node address is the gateway', { ...base, subnets: [{ name: 's', cidr: '192.168.0.0/24', gateway: '192.168.0.1' }], nodes: [node('a', '192.168.0.1')] }, 422, 'VALIDATION_FAILED'],
  ['gateway outside its subnet', { ...base, subnets: [{ name: 's', cidr: '192.168.0.0/24', gateway: '192.168.1.1' }] }, 422, 'VALIDATION_FAILED'],
  ['overlapping subnets', { ...base, subnets: [{ name: 's', cidr: '192.168.0.0/23' }, { name: 't', cidr: '192.168.1.0/24' }] }, 422, 'VALIDATION_FAILED'],
  ['duplicate subnet names', { ...base, subnets: [{ name: 's', cidr: '192.168.0.0/24' }, { name: 's', cidr: '192.168.1.0/24' }] }, 422, 'VALIDATION_FAILED'],
  ['duplicate node names', { ...base, nodes: [node('a', '192.168.0.1'), node('a', '192.168.0.2')] }, 422, 'VALIDATION_FAILED'],
  ['duplicate node addresses', { ...base, nodes: [node('a', '192.168.0.1'), node('b', '192.168.0.1')] }, 422, 'VALIDATION_FAILED'],
  ['address and addresses both', { ...base, nodes: [{ name: 'a', address: '192.168.0.1', addresses: ['192.168.0.1'] }] }, 422, 'VALIDATION_FAILED'],
  ['two IPv4 addresses on one node', { ...base, nodes: [{ name: 'a', addresses: ['192.168.0.1', '192.168.0.2'] }] }, 422, 'VALIDATION_FAILED'],
  ['node without an address', { ...base, nodes: [{ name: 'a' }] }, 422, 'VALIDATION_FAILED'],
  ['invalid node address', { ...base, nodes: [node('a', '192.168.0.300')] }, 422, 'VALIDATION_FAILED'],
  ['node name of 254 characters', { ...base, nodes: [node('a'.repeat(254), '192.168.0.1')] }, 422, 'VALIDATION_FAILED'],
  ['node name with a double dot', { ...base, nodes: [node('a..b', '192.168.0.1')] }, 422, 'VALIDATION_FAILED'],
  ['interface name too long', { ...base, nodes: [node('a', '192.168.0.1', { interface: 'x'.repeat(16) })] }, 422, 'VALIDATION_FAILED'],
  ['interface name with a slash', { ...base, nodes: [node('a', '192.168.0.1', { interface: 'eth/0' })] }, 422, 'VALIDATION_FAILED'],
  ['pinned block of the wrong size', { ...base, nodes: [node('a', '192.168.0.1', { podCidrs: ['10.1.7.0/25'] })] }, 409, 'POD_CIDR_CONFLICT'],
  ['pinned block outside the range', { ...base, nodes: [node('a', '192.168.0.1', { podCidrs: ['10.9.7.0/24'] })] }, 409, 'POD_CIDR_CONFLICT'],
  ['two nodes pinning one block', { ...base, nodes: [node('a', '192.168.0.1', { podCidrs: ['10.1.7.0/24'] }), node('b', '192.168.0.2', { podCidrs: ['10.1.7.0/24'] })] }, 409, 'POD_CIDR_CONFLICT'],
  ['pinned block in a reserved range', { ...base, reserved: ['10.1.7.0/24'], nodes: [node('a', '192.168.0.1', { podCidrs: ['10.1.7.0/24'] })] }, 409, 'POD_CIDR_CONFLICT'],
  ['pod on an unknown node', { ...base, nodes: n1, pods: [{ name: 'p', node: 'ghost' }] }, 422, 'VALIDATION_FAILED'],
  ['duplicate pods', { ...base, nodes: n1, pods: [{ name: 'p', node: 'a' }, { name: 'p', node: 'a', namespace: 'default' }] }, 422, 'VALIDATION_FAILED'],
  ['pod name with uppercase', { ...base, nodes: n1, pods: [{ name: 'P', node: 'a' }] }, 422, 'VALIDATION_FAILED'],
  ['pod namespace with a dot', { ...base, nodes: n1, pods: [{ name: 'p', namespace: 'a.b', node: 'a' }] }, 422, 'VALIDATION_FAILED'],
  ['pod pinned to the gateway', { ...base, nodes: [node('a', '192.168.0.1', { podCidrs: ['10.1.7.0/24'] })], pods: [{ name: 'p', node: 'a', ips: ['10.1.7.1'] }] }, 409, 'POD_IP_CONFLICT'],
  ['unknown mode', { ...base, network: { mode: 'flat' } }, 422, 'VALIDATION_FAILED'],
  ['MTU too small', { ...base, network: { mtu: 100 } }, 422, 'VALIDATION_FAILED'],
  ['VNI out of range', { ...base, network: { mode: 'vxlan', vxlan: { vni: 1 << 25 } } }, 422, 'VALIDATION_FAILED'],
  ['unknown top-level field', { ...base, podCidr: '10.1.0.0/16' }, 422, 'VALIDATION_FAILED'],
  ['unknown node field', { ...base, nodes: [node('a', '192.168.0.1', { ip: '1.2.3.4' })] }, 422, 'VALIDATION_FAILED'],
  ['wrong type for nodes', { ...base, nodes: 'a,b' }, 422, 'VALIDATION_FAILED'],
  ['wrong type for mtu', { ...base, network: { mtu: 'big' } }, 422, 'VALIDATION_FAILED'],
  ['reserved range of a missing family', { ...base, reserved: ['fd00::/64'] }, 422, 'VALIDATION_FAILED'],
  // No coercion: what is stored is what was written, as in GraphQL.
  ['mtu as a string', { ...base, network: { mtu: '1500' } }, 422, 'VALIDATION_FAILED'],
  ['mask size as a string', { ...base, nodeMaskSize: { ipv4: '24' } }, 422, 'VALIDATION_FAILED'],
  ['name as a number', { ...base, name: 123 }, 422, 'VALIDATION_FAILED'],
  ['name as a boolean', { ...base, name: true }, 422, 'VALIDATION_FAILED'],
  ['podCidrs as a bare string', { ...base, podCidrs: '10.1.0.0/16' }, 422, 'VALIDATION_FAILED'],
  ['mtu as a float', { ...base, network: { mtu: 1500.5 } }, 422, 'VALIDATION_FAILED'],
  ['vni as a string', { ...base, network: { mode: 'vxlan', vxlan: { vni: '1' } } }, 422, 'VALIDATION_FAILED'],
  ['node name as a number', { ...base, nodes: [node('a', '192.168.0.1', { name: 7 })] }, 422, 'VALIDATION_FAILED'],
  ['node address as a number', { ...base, nodes: [{ name: 'a', address: 3232235521 }] }, 422, 'VALIDATION_FAILED'],
  ['pod ips as a bare string', { ...base, nodes: n1, pods: [{ name: 'p', node: 'a', ips: '10.1.0.5' }] }, 422, 'VALIDATION_FAILED'],
  ['nodes holding numbers', { ...base, nodes: [1, 1, 1] }, 422, 'VALIDATION_FAILED'],
];

const yaml = (what: string, raw: string, status: number, code: string): Case =>
  ({ what: `YAML: ${what}`, method: 'POST', path: '/v1/clusters', raw, type: 'application/yaml', status, code });
const json = (what: string, raw: string, status: number, code: string, path = '/v1/clusters'): Case =>
  ({ what: `JSON: ${what}`, method: 'POST', path, raw, status, code });

const bodies: Case[] = [
  json('not JSON at all', 'name=bad', 400, 'MALFORMED_BODY'),
  json('truncated', '{"name":"bad","podCidrs":["10.1', 400, 'MALFORMED_BODY'),
  json('trailing garbage', '{"name":"bad","podCidrs":["10.1.0.0/16"]} x', 400, 'MALFORMED_BODY'),
  json('empty body', '', 400, 'MALFORMED_BODY'),
  json('a single quote', "{'name':'bad'}", 400, 'MALFORMED_BODY'),
  json('__proto__ key', '{"name":"bad","podCidrs":["10.1.0.0/16"],"__proto__":{"admin":true}}', 400, 'MALFORMED_BODY'),
  json('constructor.prototype', '{"name":"bad","podCidrs":["10.1.0.0/16"],"constructor":{"prototype":{"x":1}}}', 400, 'MALFORMED_BODY'),
  json('nested 100 levels', `{"name":${'['.repeat(100)}${']'.repeat(100)}}`, 400, 'MALFORMED_BODY'),
  json('a 100 kB array bomb', `{"name":${'['.repeat(50_000)}${']'.repeat(50_000)}}`, 400, 'MALFORMED_BODY'),
  json('a raw NUL byte', '{"name":"ba\u0000d","podCidrs":["10.1.0.0/16"]}', 400, 'MALFORMED_BODY'),
  json('a NUL escape in a key', '{"name":"bad","podCidrs":["10.1.0.0/16"],"x\\u0000":1}', 400, 'MALFORMED_BODY'),
  json('a lone surrogate', '{"name":"\\ud800","podCidrs":["10.1.0.0/16"]}', 422, 'VALIDATION_FAILED'),
  json('a node body nested 100 levels', `{"name":"n",${'"x":{'.repeat(100)}${'}'.repeat(100)}}`, 400, 'MALFORMED_BODY', '/v1/clusters/bad/nodes'),
  { what: 'form body', method: 'POST', path: '/v1/clusters', raw: 'name=bad', type: 'application/x-www-form-urlencoded', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { what: 'XML body', method: 'POST', path: '/v1/clusters', raw: '<cluster/>', type: 'application/xml', status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  yaml('a flow bomb', `name: ${'['.repeat(50_000)}${']'.repeat(50_000)}`, 400, 'MALFORMED_BODY'),
  yaml('a mapping bomb', `name: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}`, 400, 'MALFORMED_BODY'),
  yaml('block nesting 200 levels', Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}a:`).join('\n') + ' 1', 400, 'MALFORMED_BODY'),
  yaml('compact sequences 5,000 deep', `name: bad\nx: ${'- '.repeat(5000)}1`, 400, 'MALFORMED_BODY'),
  yaml('a custom tag', 'name: !foo bad\npodCidrs: [10.1.0.0/16]', 400, 'MALFORMED_BODY'),
  yaml('a python tag', 'name: !!python/object/apply:os.system ["id"]\npodCidrs: [10.1.0.0/16]', 400, 'MALFORMED_BODY'),
  yaml('a verbatim tag', 'name: !<tag:yaml.org,2002:str> bad\npodCidrs: [10.1.0.0/16]', 400, 'MALFORMED_BODY'),
  yaml('a local verbatim tag', 'name: !<!x> bad\npodCidrs: [10.1.0.0/16]', 400, 'MALFORMED_BODY'),
  yaml('a %TAG directive', '%TAG !e! tag:evil.example,2000:\n---\nname: !e!x bad\npodCidrs: [10.1.0.0/16]', 400, 'MALFORMED_BODY'),
  yaml('a binary tag', 'name: !!binary YmFk\npodCidrs: [10.1.0.0/16]', 400, 'MALFORMED_BODY'),
  yaml('a set tag', 'name: bad\npodCidrs: !!set {10.1.0.0/16}', 400, 'MALFORMED_BODY'),
  yaml('two documents', 'name: bad\npodCidrs: [10.1.0.0/16]\n---\nname: other', 400, 'MALFORMED_BODY'),
  yaml('duplicate keys', 'name: bad\nname: other\npodCidrs: [10.1.0.0/16]', 400, 'MALFORMED_BODY'),
  yaml('an alias bomb', `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`).join('\n')}`, 400, 'MALFORMED_BODY'),
  yaml('a NUL escape', 'name: "ba\\0d"\npodCidrs: [10.1.0.0/16]', 400, 'MALFORMED_BODY'),
  yaml('a tab indentation', 'name: bad\npodCidrs:\n\t- 10.1.0.0/16', 400, 'MALFORMED_BODY'),
  yaml('an unclosed flow', 'name: bad\npodCidrs: [10.1.0.0/16', 400, 'MALFORMED_BODY'),
  yaml('hex name (no coercion to a string)', 'name: 0x1f\npodCidrs: [10.1.0.0/16]', 422, 'VALIDATION_FAILED'),
  yaml('float name', 'name: 1e3\npodCidrs: [10.1.0.0/16]', 422, 'VALIDATION_FAILED'),
  yaml('boolean name', 'name: true\npodCidrs: [10.1.0.0/16]', 422, 'VALIDATION_FAILED'),
  yaml('null name', 'name: ~\npodCidrs: [10.1.0.0/16]', 422, 'VALIDATION_FAILED'),
  yaml('mtu as a quoted string', 'name: bad\npodCidrs: [10.1.0.0/16]\nnetwork: {mtu: "1500"}', 422, 'VALIDATION_FAILED'),
  yaml('a scalar document', 'just a string', 422, 'VALIDATION_FAILED'),
];

const longName = 'n'.repeat(254);
const tooLongForRouter = 'n'.repeat(301);
/** Path and query parameters, malformed: refused at the edge (never a query with a NUL byte). */
const params: Case[] = [
  ...(['GET', 'DELETE', 'PUT'] as const).map((method): Case => ({ what: `${method} cluster name with a NUL`, method, path: '/v1/clusters/adv%00', body: method === 'PUT' ? base : undefined, status: 400, code: 'BAD_REQUEST' })),
  { what: 'cluster name in uppercase', method: 'GET', path: '/v1/clusters/BAD', status: 400, code: 'BAD_REQUEST' },
  { what: 'cluster name of 64 characters', method: 'GET', path: `/v1/clusters/${'a'.repeat(64)}`, status: 400, code: 'BAD_REQUEST' },
  { what: 'cluster name with a space', method: 'DELETE', path: '/v1/clusters/a%20b', status: 400, code: 'BAD_REQUEST' },
  { what: 'cluster name with an encoded slash', method: 'GET', path: '/v1/clusters/a%2Fb', status: 400, code: 'BAD_REQUEST' },
  { what: 'cluster name of invalid UTF-8', method: 'GET', path: '/v1/clusters/%FF', status: 400, code: 'BAD_URL' },
  { what: 'a lone percent sign', method: 'GET', path: '/v1/clusters/%', status: 400, code: 'BAD_URL' },
  { what: 'an overlong UTF-8 NUL', method: 'GET', path: '/v1/clusters/a%C0%80', status: 400, code: 'BAD_URL' },
  { what: 'GET node name with a NUL', method: 'GET', path: '/v1/clusters/bad/nodes/keep%00', status: 400, code: 'BAD_REQUEST' },
  { what: 'DELETE node name with a NUL', method: 'DELETE', path: '/v1/clusters/bad/nodes/n1%00', status: 400, code: 'BAD_REQUEST' },
  { what: 'node routes of a name with a NUL', method: 'GET', path: '/v1/clusters/bad/nodes/n%00/routes', status: 400, code: 'BAD_REQUEST' },
  { what: 'node name of 254 characters', method: 'GET', path: `/v1/clusters/bad/nodes/${longName}`, status: 400, code: 'BAD_REQUEST' },
  { what: 'node name past the router limit', method: 'GET', path: `/v1/clusters/bad/nodes/${tooLongForRouter}`, status: 414, code: 'URI_TOO_LONG' },
  { what: 'node name with uppercase', method: 'DELETE', path: '/v1/clusters/bad/nodes/Keep', status: 400, code: 'BAD_REQUEST' },
  { what: 'node name with a double dot', method: 'GET', path: '/v1/clusters/bad/nodes/a..b', status: 400, code: 'BAD_REQUEST' },
  { what: 'node of a cluster name with a NUL', method: 'POST', path: '/v1/clusters/b%00/nodes', body: { name: 'x', address: '192.168.0.7' }, status: 400, code: 'BAD_REQUEST' },
  { what: 'pod namespace with a NUL', method: 'GET', path: '/v1/clusters/bad/pods/default%00/web', status: 400, code: 'BAD_REQUEST' },
  { what: 'pod name with a NUL', method: 'DELETE', path: '/v1/clusters/bad/pods/default/web%00', status: 400, code: 'BAD_REQUEST' },
  { what: 'pod routes of a name with a NUL', method: 'GET', path: '/v1/clusters/bad/pods/default/w%00/routes', status: 400, code: 'BAD_REQUEST' },
  { what: 'pod namespace with a dot', method: 'GET', path: '/v1/clusters/bad/pods/a.b/web', status: 400, code: 'BAD_REQUEST' },
  { what: 'pod of a cluster name with a NUL', method: 'POST', path: '/v1/clusters/b%00/pods', body: { name: 'x', node: 'keep' }, status: 400, code: 'BAD_REQUEST' },
  { what: 'verify of a name with a NUL', method: 'GET', path: '/v1/clusters/b%00/verify', status: 400, code: 'BAD_REQUEST' },
  { what: 'path of a name with a NUL', method: 'GET', path: '/v1/clusters/b%00/path?from=a&to=b', status: 400, code: 'BAD_REQUEST' },
  { what: 'path with a NUL endpoint', method: 'GET', path: '/v1/clusters/bad/path?from=web%00&to=web', status: 400, code: 'BAD_REQUEST' },
  { what: 'path without to', method: 'GET', path: '/v1/clusters/bad/path?from=web', status: 400, code: 'BAD_REQUEST' },
  { what: 'path with an empty from', method: 'GET', path: '/v1/clusters/bad/path?from=&to=web', status: 400, code: 'BAD_REQUEST' },
  { what: 'token name with a NUL', method: 'DELETE', path: '/v1/tokens/x%00', status: 400, code: 'BAD_REQUEST' },
  { what: 'token name with uppercase', method: 'DELETE', path: '/v1/tokens/ROOT', status: 400, code: 'BAD_REQUEST' },
  { what: 'cursor that is not base64url', method: 'GET', path: '/v1/clusters?cursor=!!!', status: 400, code: 'BAD_REQUEST' },
  { what: 'cursor that decodes to a NUL', method: 'GET', path: `/v1/clusters?cursor=${Buffer.from('\u0000').toString('base64url')}`, status: 400, code: 'BAD_REQUEST' },
  { what: 'cursor that decodes to a NUL after a name', method: 'GET', path: `/v1/clusters?cursor=${Buffer.from('bad\u0000').toString('base64url')}`, status: 400, code: 'BAD_REQUEST' },
  { what: 'cursor that decodes to uppercase', method: 'GET', path: `/v1/clusters?cursor=${Buffer.from('BAD').toString('base64url')}`, status: 400, code: 'BAD_REQUEST' },
  { what: 'cursor with a NUL', method: 'GET', path: '/v1/clusters?cursor=%00', status: 400, code: 'BAD_REQUEST' },
  { what: 'node list cursor that is not a number', method: 'GET', path: `/v1/clusters/bad/nodes?cursor=${Buffer.from('x').toString('base64url')}`, status: 400, code: 'BAD_REQUEST' },
  { what: 'pod list cursor that is negative', method: 'GET', path: `/v1/clusters/bad/pods?cursor=${Buffer.from('-1').toString('base64url')}`, status: 400, code: 'BAD_REQUEST' },
  { what: 'cursor of 600 characters', method: 'GET', path: `/v1/clusters?cursor=${'a'.repeat(600)}`, status: 400, code: 'BAD_REQUEST' },
  { what: 'limit of 0', method: 'GET', path: '/v1/clusters?limit=0', status: 400, code: 'BAD_REQUEST' },
  { what: 'limit that is not a number', method: 'GET', path: '/v1/clusters?limit=all', status: 400, code: 'BAD_REQUEST' },
  { what: 'limit too large', method: 'GET', path: '/v1/clusters/bad/pods?limit=1000000', status: 400, code: 'BAD_REQUEST' },
  { what: 'unknown route format', method: 'GET', path: '/v1/clusters/bad/nodes/keep/routes?format=xml', status: 400, code: 'BAD_REQUEST' },
  { what: 'dryRun that is not a boolean', method: 'POST', path: '/v1/clusters?dryRun=maybe', body: fixture, status: 400, code: 'BAD_REQUEST' },
  { what: 'unknown route', method: 'GET', path: '/v1/nope', status: 404, code: 'ROUTE_NOT_FOUND' },
  { what: 'unknown route with a NUL', method: 'GET', path: '/v1/nope%00', status: 400, code: 'BAD_REQUEST' },
  { what: 'an unknown cluster', method: 'GET', path: '/v1/clusters/ghost', status: 404, code: 'CLUSTER_NOT_FOUND' },
  { what: 'an unknown node', method: 'DELETE', path: '/v1/clusters/bad/nodes/ghost', status: 404, code: 'NODE_NOT_FOUND' },
  { what: 'an unknown pod', method: 'DELETE', path: '/v1/clusters/bad/pods/default/ghost', status: 404, code: 'POD_NOT_FOUND' },
];

/** Single-object writes with bad bodies. */
const objects: Case[] = [
  ...([
    ['without a name', { address: '192.168.0.7' }, 422, 'VALIDATION_FAILED'],
    ['with a numeric name', { name: 5, address: '192.168.0.7' }, 422, 'VALIDATION_FAILED'],
    ['with uppercase', { name: 'X', address: '192.168.0.7' }, 422, 'VALIDATION_FAILED'],
    ['with an address inside the pod CIDR', { name: 'x', address: '10.1.9.9' }, 422, 'VALIDATION_FAILED'],
    ['with an unknown field', { name: 'x', address: '192.168.0.7', role: 'master' }, 422, 'VALIDATION_FAILED'],
    ['that already exists', { name: 'keep', address: '192.168.0.8' }, 409, 'NODE_EXISTS'],
    ['with a taken address', { name: 'x', address: '192.168.0.99' }, 409, 'ADDRESS_CONFLICT'],
    ['with a pinned block outside the range', { name: 'x', address: '192.168.0.7', podCidrs: ['10.9.0.0/24'] }, 409, 'POD_CIDR_CONFLICT'],
    ['as a list', [{ name: 'x', address: '192.168.0.7' }], 422, 'VALIDATION_FAILED'],
    ['with mtu-like coercion bait', { name: 'x', address: '192.168.0.7', podCidrs: '10.1.9.0/24' }, 422, 'VALIDATION_FAILED'],
  ] as const).map(([what, body, status, code]): Case => ({ what: `node ${what}`, method: 'POST', path: '/v1/clusters/bad/nodes', body, status, code })),
  ...([
    ['without a node', { name: 'p' }, 422, 'VALIDATION_FAILED'],
    ['on an unknown node', { name: 'p', node: 'ghost' }, 422, 'VALIDATION_FAILED'],
    ['with a numeric name', { name: 1, node: 'keep' }, 422, 'VALIDATION_FAILED'],
    ['with ips as a string', { name: 'p', node: 'keep', ips: '10.1.0.9' }, 422, 'VALIDATION_FAILED'],
    ['that already exists', { name: 'web', node: 'keep' }, 409, 'POD_EXISTS'],
    ['pinned outside its node block', { name: 'p', node: 'keep', ips: ['10.1.200.9'] }, 409, 'POD_IP_CONFLICT'],
    ['with a namespace with a NUL', { name: 'p', node: 'keep', namespace: 'a\u0000' }, 400, 'MALFORMED_BODY'],
  ] as const).map(([what, body, status, code]): Case => ({ what: `pod ${what}`, method: 'POST', path: '/v1/clusters/bad/pods', body, status, code })),
  { what: 'token without a scope', method: 'POST', path: '/v1/tokens', body: { name: 'x' }, status: 422, code: 'VALIDATION_FAILED' },
  { what: 'token with an unknown scope', method: 'POST', path: '/v1/tokens', body: { name: 'x', scope: 'root' }, status: 422, code: 'VALIDATION_FAILED' },
  { what: 'token with a numeric name', method: 'POST', path: '/v1/tokens', body: { name: 1, scope: 'read' }, status: 422, code: 'VALIDATION_FAILED' },
  { what: 'token with a name with spaces', method: 'POST', path: '/v1/tokens', body: { name: 'a b', scope: 'read' }, status: 422, code: 'VALIDATION_FAILED' },
  { what: 'token that already exists', method: 'POST', path: '/v1/tokens', body: { name: 'root', scope: 'read' }, status: 409, code: 'TOKEN_EXISTS' },
  { what: 'cluster that already exists', method: 'POST', path: '/v1/clusters', body: fixture, status: 409, code: 'CLUSTER_EXISTS' },
  { what: 'PUT whose body names another cluster', method: 'PUT', path: '/v1/clusters/bad', body: { ...fixture, name: 'other' }, status: 422, code: 'VALIDATION_FAILED' },
];

const auth: Case[] = [
  { what: 'no token', method: 'POST', path: '/v1/clusters', body: { ...fixture, name: 'new' }, token: 'none', status: 401, code: 'UNAUTHORIZED' },
  { what: 'a bogus token', method: 'DELETE', path: '/v1/clusters/bad', token: 'bogus', status: 401, code: 'UNAUTHORIZED' },
  { what: 'a read token writing', method: 'DELETE', path: '/v1/clusters/bad', token: 'read', status: 403, code: 'FORBIDDEN' },
  { what: 'a read token creating a token', method: 'POST', path: '/v1/tokens', body: { name: 'x', scope: 'admin' }, token: 'read', status: 403, code: 'FORBIDDEN' },
  { what: 'no token, encoded path', method: 'POST', path: '/%761/tokens', body: { name: 'x', scope: 'admin' }, token: 'none', status: 401, code: 'UNAUTHORIZED' },
  { what: 'no token, GraphQL mutation on an encoded path', method: 'POST', path: '/graphq%6c', body: { query: 'mutation { deleteCluster(name: "bad") }' }, token: 'none', status: 401, code: 'UNAUTHORIZED' },
  { what: 'a read token, GraphQL mutation', method: 'POST', path: '/graphql', body: { query: 'mutation { deleteCluster(name: "bad") }' }, token: 'read', status: 403, code: 'FORBIDDEN' },
];

const gql = (what: string, body: unknown, status: number, code: string): Case => ({ what: `GraphQL: ${what}`, method: 'POST', path: '/graphql', body, status, code });
const deepSelection = `{ ${'clusters { '.repeat(3000)}name${' }'.repeat(3000)} }`;
const graphql: Case[] = [
  gql('query is a number', { query: 5 }, 400, 'MALFORMED_QUERY'),
  gql('query is an object', { query: { a: 1 } }, 400, 'MALFORMED_QUERY'),
  gql('no query', {}, 400, 'MALFORMED_QUERY'),
  gql('a batch (not enabled)', [{ query: '{ __typename }' }], 400, 'MALFORMED_QUERY'),
  gql('variables as a string', { query: '{ __typename }', variables: 'x' }, 400, 'MALFORMED_QUERY'),
  gql('a syntax error', { query: '{ cluster(' }, 400, 'GRAPHQL_PARSE_FAILED'),
  gql('an unterminated string', { query: '{ cluster(name: "x) { name } }' }, 400, 'GRAPHQL_PARSE_FAILED'),
  gql('3,000 nested selections', { query: deepSelection }, 400, 'QUERY_TOO_DEEP'),
  gql('a 3,000-deep list literal', { query: `{ cluster(name: ${'['.repeat(3000)}"x"${']'.repeat(3000)}) { name } }` }, 400, 'QUERY_TOO_DEEP'),
  gql('a 3,000-deep object literal', { query: `mutation { applyCluster(definition: ${'{a: '.repeat(3000)}1${'}'.repeat(3000)}) { created } }` }, 400, 'QUERY_TOO_DEEP'),
  gql('too many tokens', { query: `{ ${Array(11_000).fill('__typename').join(' ')} }` }, 400, 'QUERY_TOO_LARGE'),
  gql('too deep for the field limit', { query: '{ clusters { nodes { pods { node { pods { node { pods { node { name } } } } } } } } }' }, 400, 'QUERY_TOO_DEEP'),
  gql('an empty query', { query: '' }, 400, 'MALFORMED_QUERY'),
  gql('a comment only', { query: '# nothing' }, 400, 'GRAPHQL_PARSE_FAILED'),
  // mercurius runs a query that does not parse as a JSON syntax tree: past the token limit, names unchecked, `5` an INTERNAL error.
  gql('a JSON syntax tree as the query', { query: JSON.stringify({ kind: 'Document', definitions: [{ kind: 'OperationDefinition', operation: 'query', selectionSet: { kind: 'SelectionSet', selections: [{ kind: 'Field', name: { kind: 'Name', value: '__typename' } }] } }] }) }, 400, 'GRAPHQL_PARSE_FAILED'),
  gql('a JSON number as the query', { query: '5' }, 400, 'GRAPHQL_PARSE_FAILED'),
  gql('a JSON array as the query', { query: '[]' }, 400, 'GRAPHQL_PARSE_FAILED'),
  gql('an empty JSON object as the query', { query: ' {} ' }, 400, 'GRAPHQL_PARSE_FAILED'),
  gql('JSON null as the query', { query: 'null' }, 400, 'GRAPHQL_PARSE_FAILED'),
  gql('an unknown field', { query: '{ nope }' }, 400, 'GRAPHQL_VALIDATION_FAILED'),
  gql('a wrong argument type', { query: '{ cluster(name: 5) { name } }' }, 400, 'GRAPHQL_VALIDATION_FAILED'),
  gql('a cluster name with a NUL', { query: '{ cluster(name: "adv\\u0000") { name } }' }, 400, 'BAD_REQUEST'),
  gql('a node name with a NUL', { query: '{ cluster(name: "bad") { node(name: "keep\\u0000") { name } } }' }, 400, 'BAD_REQUEST'),
  gql('removeNode with a NUL', { query: 'mutation { removeNode(cluster: "bad", name: "keep\\u0000") }' }, 400, 'BAD_REQUEST'),
  gql('removePod with a NUL', { query: 'mutation { removePod(cluster: "bad", ref: "default/web\\u0000") }' }, 400, 'BAD_REQUEST'),
  gql('path with a NUL endpoint', { query: '{ path(cluster: "bad", from: "web\\u0000", to: "web") { disposition } }' }, 400, 'BAD_REQUEST'),
  gql('a NUL in a variable', { query: 'query($n: String!) { cluster(name: $n) { name } }', variables: { n: 'x\u0000' } }, 400, 'MALFORMED_BODY'),
  gql('a NUL in a nested variable', { query: 'mutation($d: ClusterInput!) { applyCluster(definition: $d) { created } }', variables: { d: { ...base, nodes: [{ name: 'a\u0000', address: '192.168.0.1' }] } } }, 400, 'MALFORMED_BODY'),
  gql('a missing variable', { query: 'query($n: String!) { cluster(name: $n) { name } }' }, 400, 'GRAPHQL_VALIDATION_FAILED'),
  gql('a bad definition', { query: 'mutation($d: ClusterInput!) { applyCluster(definition: $d) { created } }', variables: { d: { ...base, podCidrs: ['10.1.0.1/16'] } } }, 200, 'VALIDATION_FAILED'),
  gql('a node on an unknown cluster', { query: 'mutation { addNode(cluster: "ghost", node: {name: "x", address: "192.168.0.5"}) { name } }' }, 200, 'CLUSTER_NOT_FOUND'),
  gql('a duplicate node', { query: 'mutation { addNode(cluster: "bad", node: {name: "keep", address: "192.168.0.5"}) { name } }' }, 200, 'NODE_EXISTS'),
  gql('a pod on an unknown node', { query: 'mutation { addPod(cluster: "bad", pod: {name: "p", node: "ghost"}) { ref } }' }, 200, 'VALIDATION_FAILED'),
  gql('an invalid endpoint', { query: '{ path(cluster: "bad", from: "Not/A/Pod", to: "web") { disposition } }' }, 200, 'INVALID_ENDPOINT'),
  gql('mtu as a string', { query: 'mutation { applyCluster(definition: {name: "bad", podCidrs: ["10.1.0.0/16"], network: {mtu: "1500"}}) { created } }' }, 400, 'GRAPHQL_VALIDATION_FAILED'),
  { what: 'GraphQL: GET with a NUL', method: 'GET', path: '/graphql?query=%7Bcluster(name%3A%22a%00%22)%7Bname%7D%7D', status: 400, code: 'BAD_REQUEST' },
  { what: 'GraphQL: GET with a NUL escape in the variables', method: 'GET', path: `/graphql?query=${encodeURIComponent('query($n: String!) { cluster(name: $n) { name } }')}&variables=${encodeURIComponent('{"n":"a\\u0000"}')}`, status: 400, code: 'BAD_REQUEST' },
  { what: 'GraphQL: GET with variables that are not JSON', method: 'GET', path: '/graphql?query=%7B__typename%7D&variables=%7Bx', status: 400, code: 'MALFORMED_QUERY' },
  { what: 'GraphQL: GET with a mutation', method: 'GET', path: `/graphql?query=${encodeURIComponent('mutation { deleteCluster(name: "bad") }')}`, status: 405, code: 'METHOD_NOT_ALLOWED' },
];

export const corpus: Case[] = [
  ...definitions.flatMap(([what, body, status, code]): Case[] => [
    { what: `POST ${what}`, method: 'POST', path: '/v1/clusters', body, status, code },
    { what: `PUT ${what}`, method: 'PUT', path: '/v1/clusters/bad', body, status, code },
  ]),
  ...bodies, ...params, ...objects, ...auth, ...graphql,
];
