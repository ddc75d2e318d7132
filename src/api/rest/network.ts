import type { FastifyPluginAsync } from 'fastify';
import type { ClusterService } from '../../service/clusters.js';
import { clusterParams, errorResponses } from './common.js';
import { pathSchema, verifySchema } from './schemas.js';

const pathQuery = {
  type: 'object',
  properties: {
    from: { type: 'string', minLength: 1, maxLength: 300, description: '`ns/name` or `name` (a pod), `node:NAME`, or an IP literal' },
    to: { type: 'string', minLength: 1, maxLength: 300 },
  },
  required: ['from', 'to'],
  additionalProperties: false,
} as const;

export const networkRoutes: FastifyPluginAsync<{ service: ClusterService }> = async (app, { service }) => {
  app.get<{ Params: { name: string }; Querystring: { from: string; to: string } }>('/v1/clusters/:name/path', {
    config: { scope: 'read' },
    schema: {
      tags: ['paths'], summary: 'Hop-by-hop path between two endpoints, simulated over the generated route tables',
      description: 'An unreachable destination is still 200, with its disposition.',
      params: clusterParams, querystring: pathQuery, response: { 200: pathSchema, ...errorResponses },
    },
  }, async (req) => service.path(req.params.name, req.query.from, req.query.to));

  app.get<{ Params: { name: string } }>('/v1/clusters/:name/verify', {
    config: { scope: 'read' },
    schema: {
      tags: ['verify'], summary: 'Whole-cluster verification: overlaps, pod IPs, reachability of every node pair, MTU, capacity',
      params: clusterParams, response: { 200: verifySchema, ...errorResponses },
    },
  }, async (req) => service.verify(req.params.name));
};
