// JSON schemas of the REST layer (SPEC §3, §4), also the source of
// /openapi.json. Request schemas are structural only: JSON types, required
// members and `additionalProperties: false` at every level. Values (names,
// prefixes, ranges, counts per family, cross-references) are the parser's
// (src/service/definition.ts), which gives every problem with its path and is
// the same code GraphQL runs. These schemas refuse nothing the parser would
// accept, so REST and GraphQL accept the same definitions (up to ajv's
// coerceTypes, which turns e.g. "1500" into 1500 on REST only). Optional
// members also accept null, as the parser does.
//
// Response schemas drive fast-json-stringify: members not listed here are not
// sent, and a `required` member missing from a response is a server error, so
// only members every response has are required.
import { impactSchema } from './impact-schema.js';
import { SUMMARY_CHANGES } from '../../service/views.js';

const prefix = { type: 'string', description: 'CIDR prefix in canonical form (host bits zero), e.g. 10.1.0.0/16 or fd00:10:1::/48' } as const;
const address = { type: 'string', description: 'IPv4 or IPv6 address, e.g. 192.168.0.11' } as const;
const optionalPrefix = { ...prefix, type: ['string', 'null'] } as const;
const optionalAddress = { ...address, type: ['string', 'null'] } as const;
const optionalInt = (description: string, dflt: number) => ({ type: ['integer', 'null'], description, default: dflt }) as const;
const optionalIfname = (description: string, dflt: string) =>
  ({ type: ['string', 'null'], description: `${description}: a Linux interface name (1-15 characters, no whitespace, '/' or ':')`, default: dflt }) as const;
const listOf = <T>(items: T, description: string) => ({ type: ['array', 'null'], items, description }) as const;

// What clients send: the cluster definition and the single node and pod inputs.

const nodeProperties = {
  name: { type: 'string', description: 'DNS-1123 subdomain, unique in the cluster' },
  address: { ...address, type: ['string', 'null'], description: 'Underlay address; shorthand for addresses: [address]' },
  addresses: listOf(address, 'Underlay addresses, one or two, at most one per family (the first is the primary); not with address'),
  interface: optionalIfname('Physical interface', 'eth0'),
  podCidrs: listOf(prefix, 'Pinned pod blocks (at most one per family): inside the cluster pod CIDR, exactly nodeMaskSize long, free'),
  vtepMac: {
    type: ['string', 'null'],
    description: 'Pinned VTEP MAC of the node\'s VXLAN devices (Flannel\'s VtepMAC): a unicast MAC such as 0a:1b:2c:3d:4e:5f, unique in the cluster; default: derived from the name',
  },
  vtepMac6: { type: ['string', 'null'], description: 'Pinned MAC of the IPv6 VXLAN device (flannel-v6.1), when it has its own (Flannel\'s backend-v6-data); default: vtepMac' },
} as const;

/** POST /v1/clusters/{name}/nodes, and each item of a definition's `nodes`. */
export const nodeInputSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: nodeProperties,
} as const;

/** POST /v1/clusters/{name}/pods, and each item of a definition's `pods`. */
export const podInputSchema = {
  type: 'object',
  required: ['name', 'node'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'DNS-1123 subdomain' },
    namespace: { type: ['string', 'null'], description: 'DNS-1123 label', default: 'default' },
    node: { type: 'string', description: 'Name of the node the pod runs on' },
    ips: listOf(address, 'Pinned pod IPs, at most one per family, inside the node block (not its network, gateway or broadcast address)'),
  },
} as const;

const subnetInputSchema = {
  type: 'object',
  required: ['name', 'cidr'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'DNS-1123 label, unique among the subnets' },
    cidr: prefix,
    gateway: { ...optionalAddress, description: 'Router address inside cidr (not its network or broadcast address)' },
  },
} as const;

const networkInputSchema = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    mode: {
      type: ['string', 'null'],
      description: 'host-gw | vxlan | ipip | cross-subnet | bgp (GraphQL spellings such as HOST_GW are accepted too)',
      default: 'host-gw',
    },
    mtu: optionalInt('Underlay MTU, 576-9216 (at least 1280 + the mode overhead with an IPv6 pod CIDR)', 1500),
    bridge: optionalIfname('Pod bridge', 'cni0'),
    vxlan: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        device: optionalIfname('IPv4 VXLAN device', 'flannel.1'),
        vni: optionalInt('VXLAN network identifier, 1-16777215', 1),
        port: optionalInt('VXLAN UDP port, 1-65535', 8472),
      },
    },
  },
} as const;

/** A cluster definition (SPEC §3): POST /v1/clusters, PUT /v1/clusters/{name}. */
export const clusterDefinitionSchema = {
  type: 'object',
  required: ['name', 'podCidrs'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'DNS-1123 label' },
    podCidrs: { type: 'array', items: prefix, description: 'One or two pod CIDRs, at most one per family; the first is the primary family' },
    nodeMaskSize: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        ipv4: optionalInt('Length of an IPv4 node block: from the pod CIDR length to 30', 24),
        ipv6: optionalInt('Length of an IPv6 node block: from the pod CIDR length to 126', 64),
      },
    },
    serviceCidr: { ...optionalPrefix, description: 'Service range; must not overlap a pod CIDR' },
    network: networkInputSchema,
    subnets: listOf(subnetInputSchema, 'Underlay subnets; they must not overlap each other or a pod CIDR'),
    reserved: listOf(prefix, 'Ranges no node block may use'),
    nodes: listOf(nodeInputSchema, 'Nodes, allocated in this order'),
    pods: listOf(podInputSchema, 'Pods'),
  },
} as const;

// What podnet answers: the views of SPEC §3–§5.

const nullableString = { type: ['string', 'null'] } as const;
const strings = { type: 'array', items: { type: 'string' } } as const;
const count = { type: ['integer', 'string'], description: 'A count: a number, or a decimal string when above 2^53 - 1' } as const;

/** A stored node (SPEC §3). */
export const nodeSchema = {
  type: 'object',
  required: ['name', 'address', 'addresses', 'interface', 'subnet', 'podCidrs', 'gateways', 'vtepMac'],
  properties: {
    name: { type: 'string' },
    address: { type: 'string', description: 'The first of addresses' },
    addresses: strings,
    interface: { type: 'string' },
    subnet: { ...nullableString, description: 'Subnet holding the node (its IPv4 address\'s, else its IPv6 address\'s); null without subnets' },
    podCidrs: { ...strings, description: 'Allocated blocks, primary family first' },
    gateways: { ...strings, description: 'The bridge address (first usable) of each block, in podCidrs order' },
    vtepMac: { type: 'string', description: 'VTEP MAC of the node\'s VXLAN devices, lower case: the pinned one, else derived from the name (locally administered)' },
    vtepMac6: { type: 'string', description: 'Nodes with an IPv6 block: the MAC of the IPv6 VXLAN device (flannel-v6.1); the same as vtepMac unless pinned apart' },
  },
} as const;

/** A stored pod (SPEC §3). */
export const podSchema = {
  type: 'object',
  required: ['name', 'namespace', 'ref', 'node', 'ips', 'vethName'],
  properties: {
    name: { type: 'string' },
    namespace: { type: 'string' },
    ref: { type: 'string', description: 'namespace/name' },
    node: { type: 'string' },
    ips: { ...strings, description: 'Allocated IPs, primary family first' },
    vethName: { type: 'string', description: 'Host end of the veth pair: veth + 8 hex characters' },
  },
} as const;

/** Capacity of one family's pod CIDR, in node blocks (SPEC §2). */
export const capacityFamilySchema = {
  type: 'object',
  required: ['family', 'cidr', 'nodeMaskSize', 'total', 'used', 'free', 'utilization'],
  properties: {
    family: { type: 'string', enum: ['ipv4', 'ipv6'] },
    cidr: { type: 'string' },
    nodeMaskSize: { type: 'integer' },
    total: { ...count, description: 'Node blocks that can ever be allocated (2^(mask - prefix) minus excluded)' },
    used: { type: 'integer' },
    free: count,
    excluded: { ...count, description: 'Blocks lost to reserved and service ranges' },
    utilization: { type: 'number', description: 'used / total, 0..1 (1 when total is 0)' },
  },
} as const;

/** A cluster's capacity: the primary family's figures, and every family's. */
export const capacitySchema = {
  type: 'object',
  required: ['maxNodes', 'used', 'free', 'utilization', 'families'],
  properties: {
    maxNodes: { ...count, description: 'Primary family: 2^(nodeMask - clusterPrefix) minus blocks taken by reserved/service ranges' },
    used: { type: 'integer' },
    free: count,
    utilization: { type: 'number' },
    families: { type: 'array', items: capacityFamilySchema },
  },
} as const;

/** A stored cluster: the definition with every allocation filled in, plus podMtu and capacity (SPEC §3). */
export const clusterSchema = {
  type: 'object',
  required: ['name', 'podCidrs', 'nodeMaskSize', 'serviceCidr', 'network', 'subnets', 'reserved'],
  properties: {
    name: { type: 'string' },
    podCidrs: strings,
    nodeMaskSize: { type: 'object', required: ['ipv4', 'ipv6'], properties: { ipv4: { type: 'integer' }, ipv6: { type: 'integer' } } },
    serviceCidr: nullableString,
    network: {
      type: 'object',
      required: ['mode', 'mtu', 'bridge', 'vxlan'],
      properties: {
        mode: { type: 'string', enum: ['host-gw', 'vxlan', 'ipip', 'cross-subnet', 'bgp'] },
        mtu: { type: 'integer' },
        bridge: { type: 'string' },
        vxlan: {
          type: 'object',
          required: ['device', 'vni', 'port'],
          properties: { device: { type: 'string' }, vni: { type: 'integer' }, port: { type: 'integer' } },
        },
      },
    },
    subnets: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'cidr', 'gateway'],
        properties: { name: { type: 'string' }, cidr: { type: 'string' }, gateway: nullableString },
      },
    },
    reserved: strings,
    view: { type: 'string', enum: ['summary'], description: "Only in an apply's summary view: nodes and pods are left out, counts has their numbers" },
    counts: {
      type: 'object', required: ['nodes', 'pods'], description: 'The summary view: how many nodes and pods the cluster holds',
      properties: { nodes: { type: 'integer' }, pods: { type: 'integer' } },
    },
    nodes: { type: 'array', items: nodeSchema, description: 'Absent in the summary view' },
    pods: { type: 'array', items: podSchema, description: 'Absent in the summary view' },
    podMtu: { type: 'integer', description: "network.mtu minus the mode's overhead in the primary family (VXLAN 50/70, IPIP 20/40 over IPv4/IPv6)" },
    podMtus: {
      type: 'object',
      description: 'Dual-stack clusters: the pod MTU per family',
      properties: { ipv4: { type: 'integer' }, ipv6: { type: 'integer' } },
    },
    capacity: capacitySchema,
    version: { type: 'integer', description: 'Bumped by every change' },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

/** One entry of an apply's change list. */
export const changeSchema = {
  type: 'object',
  required: ['action', 'kind', 'name'],
  properties: {
    action: { type: 'string', enum: ['create', 'update', 'delete'] },
    kind: { type: 'string', enum: ['cluster', 'node', 'pod'] },
    name: { type: 'string' },
    podCidrs: strings,
    ips: strings,
    before: { type: 'object', description: 'update: the changed fields, before', additionalProperties: true },
    after: { type: 'object', description: 'update: the changed fields, after', additionalProperties: true },
  },
} as const;

const kindCounts = {
  type: 'object', required: ['cluster', 'node', 'pod'],
  properties: { cluster: { type: 'integer' }, node: { type: 'integer' }, pod: { type: 'integer' } },
} as const;

/** Every change counted, per action and kind (the summary view lists only the first changes). */
export const changeCountsSchema = {
  type: 'object', required: ['create', 'update', 'delete'],
  description: 'How many changes of each action and kind; whole even when changes is cut short (the summary view)',
  properties: { create: kindCounts, update: kindCounts, delete: kindCounts },
} as const;

const changeList = { type: 'array', items: changeSchema, description: `Every change; the summary view lists the first ${SUMMARY_CHANGES}` } as const;

export const applyResultSchema = {
  type: 'object', required: ['cluster', 'changes', 'changeCounts'],
  properties: { cluster: clusterSchema, changes: changeList, changeCounts: changeCountsSchema },
} as const;

export const planResultSchema = {
  type: 'object', required: ['plan', 'changes', 'changeCounts', 'impact'],
  properties: { plan: clusterSchema, changes: changeList, changeCounts: changeCountsSchema, impact: impactSchema },
} as const;

/**
 * PUT's 200: applied (`cluster`), or with dryRun the plan (`plan`). Not a
 * oneOf: the answer is rendered by the service, and the serializer compiled
 * from this schema is never used for it.
 */
export const appliedOrPlannedSchema = {
  type: 'object', required: ['changes'],
  description: 'Applied ({cluster, changes}), or with dryRun the plan ({plan, changes})',
  properties: { cluster: clusterSchema, plan: clusterSchema, changes: changeList, changeCounts: changeCountsSchema },
} as const;

export const clusterSummarySchema = {
  type: 'object',
  required: ['name', 'podCidrs', 'mode', 'nodes', 'pods', 'version', 'createdAt', 'updatedAt'],
  properties: {
    name: { type: 'string' }, podCidrs: strings, mode: { type: 'string' }, nodes: { type: 'integer' }, pods: { type: 'integer' },
    version: { type: 'integer' }, createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export function pageSchema<T extends object>(items: T) {
  return {
    type: 'object', required: ['items', 'nextCursor'],
    properties: { items: { type: 'array', items }, total: { type: 'integer' }, nextCursor: { type: ['string', 'null'] } },
  } as const;
}

const packetSchema = {
  type: 'object', required: ['src', 'dst', 'ttl'],
  properties: { src: { type: 'string' }, dst: { type: 'string' }, ttl: { type: 'integer' } },
} as const;

/** SPEC §5. `from`/`to` describe the resolved endpoints: {kind: pod|node|router|external, ip, …}. */
export const pathSchema = {
  type: 'object',
  required: ['from', 'to', 'disposition', 'sameNode', 'encapsulation', 'natFree', 'mtu', 'hops'],
  properties: {
    from: { type: 'object', additionalProperties: true, properties: { kind: { type: 'string' }, ip: { type: 'string' } } },
    to: { type: 'object', additionalProperties: true, properties: { kind: { type: 'string' }, ip: { type: 'string' } } },
    disposition: { type: 'string', enum: ['DELIVERED', 'NO_ROUTE', 'NULL_ROUTED', 'NEIGHBOR_UNREACHABLE', 'LOOP', 'EXITS_NETWORK'] },
    sameNode: { type: 'boolean' },
    encapsulation: { type: ['string', 'null'] },
    natFree: { type: 'boolean' },
    mtu: { type: ['integer', 'null'] },
    hops: {
      type: 'array',
      items: {
        type: 'object',
        required: ['index', 'node', 'netns', 'dev', 'kind', 'action', 'packet'],
        properties: {
          index: { type: 'integer' }, node: { type: ['string', 'null'] }, netns: { type: ['string', 'null'] }, dev: { type: ['string', 'null'] },
          kind: { type: 'string', enum: ['pod-eth', 'veth', 'bridge', 'physical', 'vxlan', 'ipip', 'router'] },
          action: { type: 'string' },
          route: { type: 'string', description: 'The `ip route` line matched at this hop, where a lookup happened' },
          packet: packetSchema,
          outer: {
            type: 'object', required: ['src', 'dst', 'protocol'],
            properties: { src: { type: 'string' }, dst: { type: 'string' }, protocol: { type: 'string' }, port: { type: 'integer' }, vni: { type: 'integer' } },
          },
        },
      },
    },
  },
} as const;

export const verifySchema = {
  type: 'object', required: ['ok', 'checks'],
  properties: {
    ok: { type: 'boolean' },
    checks: {
      type: 'array',
      items: { type: 'object', required: ['name', 'ok'], additionalProperties: true, properties: { name: { type: 'string' }, ok: { type: 'boolean' }, detail: { type: 'string' }, durationMs: { type: 'number', description: 'How long the check took on the server' } } },
    },
  },
} as const;

/** One route (SPEC §4): null members are absent from the `ip route` line. */
export const routeSchema = {
  type: 'object',
  required: ['dst', 'via', 'dev', 'src', 'proto', 'scope', 'onlink', 'type', 'text'],
  properties: {
    dst: { type: 'string', description: "Prefix, 'default' for a /0, an address alone for a host route (/32, /128), as iproute2 prints them" },
    via: nullableString,
    dev: { ...nullableString, description: 'Null only for blackhole routes' },
    src: nullableString,
    proto: { type: ['string', 'null'], enum: ['kernel', 'boot', 'static', null] },
    scope: { type: ['string', 'null'], enum: ['link', 'host', 'global', null] },
    onlink: { type: 'boolean' },
    type: { type: 'string', enum: ['unicast', 'blackhole', 'local', 'broadcast', 'anycast'], description: 'local, broadcast and anycast: entries of the kernel\'s local table (?table=local|all)' },
    mtu: { type: 'integer', description: "The route's mtu metric: a dual-stack pod's routes of the family whose pod MTU is below the devices'" },
    text: { type: 'string', description: 'The same route as one `ip route` line' },
  },
} as const;

/** GET …/routes?format=json: routes plus the neighbor and fdb entries of overlay modes. */
export const routeTableSchema = {
  type: 'object',
  required: ['routes', 'neighbors', 'fdb'],
  properties: {
    routes: { type: 'array', items: routeSchema },
    neighbors: {
      type: 'array',
      items: { type: 'object', required: ['dst', 'lladdr', 'dev'], properties: { dst: { type: 'string' }, lladdr: { type: 'string' }, dev: { type: 'string' } } },
    },
    fdb: {
      type: 'array',
      items: { type: 'object', required: ['mac', 'dev', 'dst'], properties: { mac: { type: 'string' }, dev: { type: 'string' }, dst: { type: 'string' } } },
    },
  },
} as const;
