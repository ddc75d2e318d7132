import type { FastifyPluginAsync } from 'fastify';
import type { ClusterService } from '../../service/clusters.js';
import { nodeView } from '../../service/views.js';
import { nodeInputSchema, nodeSchema, pageSchema, routeTableSchema } from './schemas.js';
import { addRoute, filteredPageQuery, clusterParams, noContent, readErrors, routeTableResponse, sendJsonPieces, sendRouteTable, routesQuery, type RoutesQuery } from './common.js';
import { paginate } from './paginate.js';
import { labelParam, subdomainParam } from '../names.js';

const nodeParams = {
  type: 'object', properties: { name: labelParam, node: subdomainParam }, required: ['name', 'node'],
} as const;

const nodeListQuery = filteredPageQuery({ subnet: { type: 'string', maxLength: 63, description: 'Only the nodes of this subnet' } });

export const nodeRoutes: FastifyPluginAsync<{ service: ClusterService }> = async (app, { service }) => {
  addRoute(app, {
    url: '/v1/clusters/:name/nodes', tag: 'nodes', summary: 'Add one node: allocates its pod CIDR(s)', body: nodeInputSchema, answer: nodeSchema,
    add: (cluster, body, dryRun) => service.addNode(cluster, body, dryRun),
    location: (_cluster, node) => ['nodes', node.name],
  });

  app.get<{ Params: { name: string }; Querystring: { limit: number; cursor?: string; subnet?: string } }>('/v1/clusters/:name/nodes', {
    config: { scope: 'read' },
    schema: { tags: ['nodes'], summary: 'List nodes in definition order, optionally of one subnet', params: clusterParams, querystring: nodeListQuery, response: { 200: pageSchema(nodeSchema), ...readErrors } },
  }, async (req) => {
    const snap = await service.get(req.params.name);
    const { subnet } = req.query;
    const nodes = subnet === undefined ? snap.topology.nodes : snap.topology.nodes.filter((n) => n.subnet === subnet);
    return paginate(nodes, req.query.limit, req.query.cursor ?? null, nodeView);
  });

  app.get<{ Params: { name: string; node: string } }>('/v1/clusters/:name/nodes/:node', {
    config: { scope: 'read' },
    schema: { tags: ['nodes'], summary: 'One node', params: nodeParams, response: { 200: nodeSchema, ...readErrors } },
  }, async (req) => nodeView((await service.node(req.params.name, req.params.node)).node));

  app.delete<{ Params: { name: string; node: string } }>('/v1/clusters/:name/nodes/:node', {
    config: { scope: 'write' },
    schema: { tags: ['nodes'], summary: 'Remove a node (and its pods); its block is free again', params: nodeParams, response: { ...noContent, ...readErrors } },
  }, async (req, reply) => {
    await service.removeNode(req.params.name, req.params.node);
    return reply.code(204).send();
  });

  app.get<{ Params: { name: string; node: string }; Querystring: RoutesQuery }>('/v1/clusters/:name/nodes/:node/routes', {
    config: { scope: 'read' },
    schema: { tags: ['routes'], summary: "The node's route table, neighbors and FDB", params: nodeParams, querystring: routesQuery, response: { ...routeTableResponse(routeTableSchema), ...readErrors } },
  }, async (req, reply) => {
    const { name, node } = req.params;
    // The main table in JSON, the listing clients poll, comes as bytes built from shared per-class JSON.
    if (req.query.format === 'json' && req.query.table === 'main') return sendJsonPieces(reply, await service.nodeRoutesJson(name, node));
    return sendRouteTable(reply, await service.nodeRoutes(name, node, req.query.table), req.query);
  });
};
