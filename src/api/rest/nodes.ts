import type { FastifyPluginAsync } from 'fastify';
import type { ClusterService } from '../../service/clusters.js';
import { nodeView } from '../../service/views.js';
import { nodeInputSchema, nodeSchema, pageSchema, routeTableSchema } from './schemas.js';
import { clusterParams, dryRunQuery, errorResponses, pageQuery, sendRouteTable, routesQuery, type RouteFormat } from './common.js';
import { paginate } from './paginate.js';

const nodeParams = {
  type: 'object', properties: { name: { type: 'string' }, node: { type: 'string' } }, required: ['name', 'node'],
} as const;

export const nodeRoutes: FastifyPluginAsync<{ service: ClusterService }> = async (app, { service }) => {
  app.post<{ Params: { name: string }; Querystring: { dryRun: boolean } }>('/v1/clusters/:name/nodes', {
    config: { scope: 'write' },
    schema: { tags: ['nodes'], summary: 'Add one node: allocates its pod CIDR(s)', params: clusterParams, querystring: dryRunQuery, body: nodeInputSchema, response: { 200: nodeSchema, 201: nodeSchema, ...errorResponses } },
  }, async (req, reply) => {
    const node = await service.addNode(req.params.name, req.body, req.query.dryRun);
    return reply.code(req.query.dryRun ? 200 : 201).send(node);
  });

  app.get<{ Params: { name: string }; Querystring: { limit: number; cursor?: string } }>('/v1/clusters/:name/nodes', {
    config: { scope: 'read' },
    schema: { tags: ['nodes'], summary: 'List nodes in definition order', params: clusterParams, querystring: pageQuery, response: { 200: pageSchema(nodeSchema), ...errorResponses } },
  }, async (req) => {
    const snap = await service.get(req.params.name);
    return paginate(snap.topology.nodes, req.query.limit, req.query.cursor ?? null, nodeView);
  });

  app.get<{ Params: { name: string; node: string } }>('/v1/clusters/:name/nodes/:node', {
    config: { scope: 'read' },
    schema: { tags: ['nodes'], summary: 'One node', params: nodeParams, response: { 200: nodeSchema, ...errorResponses } },
  }, async (req) => nodeView((await service.node(req.params.name, req.params.node)).node));

  app.delete<{ Params: { name: string; node: string } }>('/v1/clusters/:name/nodes/:node', {
    config: { scope: 'write' },
    schema: { tags: ['nodes'], summary: 'Remove a node (and its pods); its block is free again', params: nodeParams, response: errorResponses },
  }, async (req, reply) => {
    await service.removeNode(req.params.name, req.params.node);
    return reply.code(204).send();
  });

  app.get<{ Params: { name: string; node: string }; Querystring: { format: RouteFormat } }>('/v1/clusters/:name/nodes/:node/routes', {
    config: { scope: 'read' },
    schema: { tags: ['routes'], summary: "The node's route table, neighbors and FDB", params: nodeParams, querystring: routesQuery, response: { 200: { description: 'json: the table below; text/script/fdb-script: text/plain', ...routeTableSchema }, ...errorResponses } },
  }, async (req, reply) => sendRouteTable(reply, await service.nodeRoutes(req.params.name, req.params.node), req.query.format));
};
