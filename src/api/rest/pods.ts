import type { FastifyPluginAsync } from 'fastify';
import type { ClusterService } from '../../service/clusters.js';
import { podView } from '../../service/views.js';
import { pageSchema, podInputSchema, podSchema, routeTableSchema } from './schemas.js';
import { addRoute, filteredPageQuery, clusterParams, noContent, readErrors, routeTableResponse, routesQuery, sendRouteTable, type RoutesQuery } from './common.js';
import { paginate } from './paginate.js';
import { labelParam, subdomainParam } from '../names.js';

const podParams = {
  type: 'object', properties: { name: labelParam, ns: labelParam, pod: subdomainParam }, required: ['name', 'ns', 'pod'],
} as const;
const podListQuery = filteredPageQuery({ namespace: { type: 'string' }, node: { type: 'string' } });

export const podRoutes: FastifyPluginAsync<{ service: ClusterService }> = async (app, { service }) => {
  addRoute(app, {
    url: '/v1/clusters/:name/pods', tag: 'pods', summary: "Add one pod: allocates its IP(s) from its node's block", body: podInputSchema, answer: podSchema,
    add: (cluster, body, dryRun) => service.addPod(cluster, body, dryRun),
    location: (_cluster, pod) => ['pods', pod.namespace, pod.name],
  });

  app.get<{ Params: { name: string }; Querystring: { limit: number; cursor?: string; namespace?: string; node?: string } }>('/v1/clusters/:name/pods', {
    config: { scope: 'read' },
    schema: { tags: ['pods'], summary: 'List pods, optionally of one namespace and/or node', params: clusterParams, querystring: podListQuery, response: { 200: pageSchema(podSchema), ...readErrors } },
  }, async (req) => {
    const snap = await service.get(req.params.name);
    const { namespace, node } = req.query;
    let pods = node !== undefined ? snap.podsOn(node).map((i) => snap.pod(i)) : snap.topology.pods;
    if (namespace !== undefined) pods = pods.filter((p) => p.namespace === namespace);
    return paginate(pods, req.query.limit, req.query.cursor ?? null, podView);
  });

  app.get<{ Params: { name: string; ns: string; pod: string } }>('/v1/clusters/:name/pods/:ns/:pod', {
    config: { scope: 'read' },
    schema: { tags: ['pods'], summary: 'One pod', params: podParams, response: { 200: podSchema, ...readErrors } },
  }, async (req) => podView((await service.pod(req.params.name, req.params.ns, req.params.pod)).pod));

  app.delete<{ Params: { name: string; ns: string; pod: string } }>('/v1/clusters/:name/pods/:ns/:pod', {
    config: { scope: 'write' },
    schema: { tags: ['pods'], summary: 'Remove a pod; its IP is free again', params: podParams, response: { ...noContent, ...readErrors } },
  }, async (req, reply) => {
    await service.removePod(req.params.name, req.params.ns, req.params.pod);
    return reply.code(204).send();
  });

  app.get<{ Params: { name: string; ns: string; pod: string }; Querystring: RoutesQuery }>('/v1/clusters/:name/pods/:ns/:pod/routes', {
    config: { scope: 'read' },
    schema: { tags: ['routes'], summary: "The pod's route table", params: podParams, querystring: routesQuery, response: { ...routeTableResponse(routeTableSchema), ...readErrors } },
  }, async (req, reply) => sendRouteTable(reply, await service.podRoutes(req.params.name, req.params.ns, req.params.pod, req.query.table), req.query));
};
