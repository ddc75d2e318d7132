import type { FastifyPluginAsync } from 'fastify';
import type { ClusterService } from '../../service/clusters.js';
import { clusterParams, readErrors } from './common.js';
import { problemSchema } from './problem.js';
import { pathSchema, verifySchema } from './schemas.js';

const pathQuery = {
  type: 'object',
  properties: {
    from: { type: 'string', minLength: 1, maxLength: 300, description: '`ns/name` or `name` (a pod), `node:NAME`, or an IP literal' },
    to: { type: 'string', minLength: 1, maxLength: 300 },
    format: { type: 'string', enum: ['json', 'svg'], default: 'json', description: 'json: the Path; svg: the path picture (SPEC §10), image/svg+xml' },
  },
  required: ['from', 'to'],
  additionalProperties: false,
} as const;

export const networkRoutes: FastifyPluginAsync<{ service: ClusterService }> = async (app, { service }) => {
  app.get<{ Params: { name: string }; Querystring: { from: string; to: string; format: 'json' | 'svg' } }>('/v1/clusters/:name/path', {
    config: { scope: 'read' },
    schema: {
      tags: ['paths'], summary: 'Hop-by-hop path between two endpoints, simulated over the generated route tables',
      description: 'An unreachable destination is still 200, with its disposition. `format=svg` answers the path picture instead.',
      params: clusterParams, querystring: pathQuery,
      response: {
        200: {
          description: 'The Path (JSON), or with format=svg its picture',
          content: { 'application/json': { schema: pathSchema }, 'image/svg+xml': { schema: { type: 'string', description: 'An SVG document' } } },
        },
        ...readErrors, 422: problemSchema,
      },
    },
  }, async (req, reply) => {
    const { from, to, format } = req.query;
    if (format !== 'svg') return service.path(req.params.name, from, to);
    const { svg } = await service.pathWithPicture(req.params.name, from, to);
    return reply.type('image/svg+xml; charset=utf-8').send(svg());
  });

  app.get<{ Params: { name: string } }>('/v1/clusters/:name/verify', {
    config: { scope: 'read' },
    schema: {
      tags: ['verify'], summary: 'Whole-cluster verification: overlaps, pod IPs, reachability of every node pair, MTU, capacity',
      params: clusterParams, response: { 200: verifySchema, ...readErrors },
    },
  }, async (req) => service.verify(req.params.name));
};
