// POST …/nodes/{node}/audit (SPEC §12): a node's live kernel state, as
// iproute2 prints it with -j, against the plan. Nothing is stored, so it
// needs only the read scope.
import type { FastifyPluginAsync } from 'fastify';
import type { NodeDumps } from '../../net/audit.js';
import type { ClusterService } from '../../service/clusters.js';
import { readErrors } from './common.js';
import { problemSchema } from './problem.js';

const nodeParams = {
  type: 'object', properties: { name: { type: 'string', maxLength: 253 }, node: { type: 'string', maxLength: 253 } }, required: ['name', 'node'],
} as const;

/** At most this many entries per dump: a k8s-65k node holds about 65,000 routes, neighbors and fdb entries. */
const MAX_ENTRIES = 200_000;
const str = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const flags = { type: 'array', maxItems: 32, items: str(32) } as const;

// iproute2 prints more members than these (pref, expires, metrics, cache, …): they are allowed and not read.
const liveRoute = {
  type: 'object',
  required: ['dst'],
  properties: {
    dst: str(64), gateway: str(64), dev: str(32), prefsrc: str(64), protocol: str(32), scope: str(32), type: str(32),
    metric: { type: 'integer', minimum: 0, maximum: 4294967295 }, flags,
  },
} as const;
const liveNeighbor = {
  type: 'object',
  required: ['dst'],
  properties: { dst: str(64), dev: str(32), lladdr: str(64), state: flags },
} as const;
const liveFdb = {
  type: 'object',
  required: ['mac'],
  properties: { mac: str(32), ifname: str(32), dev: str(32), dst: str(64), master: str(32), flags, state: str(32) },
} as const;

export const auditBodySchema = {
  type: 'object',
  description: 'Any of the four dumps, each exactly as iproute2 prints it',
  additionalProperties: false,
  properties: {
    routes: { type: 'array', maxItems: MAX_ENTRIES, items: liveRoute, description: 'ip -j route show' },
    routes6: { type: 'array', maxItems: MAX_ENTRIES, items: liveRoute, description: 'ip -j -6 route show' },
    neighbors: { type: 'array', maxItems: MAX_ENTRIES, items: liveNeighbor, description: 'ip -j neigh show' },
    fdb: { type: 'array', maxItems: MAX_ENTRIES, items: liveFdb, description: 'bridge -j fdb show' },
  },
} as const;

const entry = {
  type: 'object',
  required: ['kind', 'text'],
  additionalProperties: true,
  description: "podnet's route, neighbor or fdb JSON, with `kind` and the entry's `text`",
  properties: { kind: { type: 'string', enum: ['route', 'neighbor', 'fdb'] }, text: { type: 'string' } },
} as const;

export const auditReportSchema = {
  type: 'object',
  required: ['ok', 'node', 'checked', 'missing', 'unexpected', 'different', 'ignored'],
  properties: {
    ok: { type: 'boolean', description: 'No entry missing, unexpected or different' },
    node: { type: 'string' },
    checked: {
      type: 'object',
      required: ['routes', 'neighbors', 'fdb'],
      description: "The plan's entries compared, per kind (a kind whose dump is absent is not compared)",
      properties: { routes: { type: 'integer' }, neighbors: { type: 'integer' }, fdb: { type: 'integer' } },
    },
    missing: { type: 'array', items: entry },
    unexpected: { type: 'array', items: entry, description: "Live entries inside the pod CIDRs or on the bridge or a tunnel device that the plan does not have" },
    different: { type: 'array', items: { type: 'object', required: ['expected', 'actual'], properties: { expected: entry, actual: entry } } },
    ignored: { type: 'integer', description: "Live entries that are not the plan's business, or differ from it only in proto or metric" },
  },
} as const;

export const auditRoutes: FastifyPluginAsync<{ service: ClusterService }> = async (app, { service }) => {
  app.post<{ Params: { name: string; node: string }; Body: NodeDumps }>('/v1/clusters/:name/nodes/:node/audit', {
    config: { scope: 'read' },
    schema: {
      tags: ['nodes'], summary: "Compare the node's live kernel state (iproute2 JSON dumps) with the plan",
      params: nodeParams, body: auditBodySchema, response: { 200: auditReportSchema, ...readErrors, 422: problemSchema },
    },
  }, async (req) => service.audit(req.params.name, req.params.node, req.body));
};
