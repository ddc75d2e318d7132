// The JSON schema of a dry run's `impact` (SPEC §13), for /openapi.json.
const strings = { type: 'array', items: { type: 'string' } } as const;
const disposition = { type: 'string', enum: ['DELIVERED', 'NO_ROUTE', 'NULL_ROUTED', 'NEIGHBOR_UNREACHABLE', 'LOOP', 'EXITS_NETWORK'] } as const;
const mtuByFamily = { type: 'object', properties: { ipv4: { type: 'integer' }, ipv6: { type: 'integer' } } } as const;

const pairChangeSchema = {
  type: 'object',
  required: ['change', 'from', 'to', 'family', 'before', 'after', 'reason'],
  properties: {
    change: { type: 'string', enum: ['broken', 'fixed'] },
    from: { type: 'string', description: 'node:NAME' },
    to: { type: 'string', description: 'node:NAME' },
    family: { type: 'string', enum: ['ipv4', 'ipv6'] },
    before: disposition,
    after: disposition,
    reason: { type: ['string', 'null'], description: 'Why the failing side fails, as verify words it' },
  },
} as const;

const nodeRouteDiffSchema = {
  type: 'object',
  required: ['node', 'counts', 'added', 'removed', 'changed'],
  properties: {
    node: { type: 'string' },
    counts: {
      type: 'object', required: ['added', 'removed', 'changed'],
      properties: { added: { type: 'integer' }, removed: { type: 'integer' }, changed: { type: 'integer' } },
    },
    added: { ...strings, description: 'Routes of new destinations, as `ip route` text' },
    removed: { ...strings, description: 'Routes of destinations that go' },
    changed: {
      type: 'array', description: 'Destinations whose route changes',
      items: { type: 'object', required: ['before', 'after'], properties: { before: { type: 'string' }, after: { type: 'string' } } },
    },
  },
} as const;

export const impactSchema = {
  type: 'object',
  description: 'What the change does to the network (SPEC §13)',
  required: ['reachability', 'routes', 'mtu', 'capacity'],
  properties: {
    reachability: {
      type: 'object',
      required: ['pairsBefore', 'pairsAfter', 'reachableBefore', 'reachableAfter', 'broken', 'fixed', 'examples', 'unchecked'],
      properties: {
        pairsBefore: { type: 'integer', description: 'Ordered node pairs judged per family (as verify counts them), before' },
        pairsAfter: { type: 'integer' },
        reachableBefore: { type: 'integer', description: 'Of those, the pairs that reach each other' },
        reachableAfter: { type: 'integer' },
        broken: { type: 'integer', description: 'Pairs on both sides: delivered before, not after' },
        fixed: { type: 'integer', description: 'Pairs on both sides: not delivered before, delivered after' },
        examples: { type: 'array', items: pairChangeSchema, description: 'The first 1,000 broken pairs, then the first 100 fixed ones' },
        unchecked: { type: 'integer' },
      },
    },
    routes: {
      type: 'object',
      required: ['added', 'removed', 'changed', 'nodesChanged', 'nodes'],
      properties: {
        added: { type: 'integer' }, removed: { type: 'integer' }, changed: { type: 'integer' },
        nodesChanged: { type: 'integer', description: 'Nodes whose route table changes' },
        nodes: { type: 'array', items: nodeRouteDiffSchema, description: 'At most 100 nodes, 50 entries each' },
      },
    },
    mtu: { type: 'object', required: ['before', 'after'], properties: { before: mtuByFamily, after: mtuByFamily } },
    capacity: {
      type: 'object', required: ['before', 'after'],
      description: 'The cluster capacity before (null for a new cluster) and after',
      properties: { before: { type: ['object', 'null'] }, after: { type: 'object' } },
    },
  },
} as const;
