import type { FastifyPluginAsync } from 'fastify';
import type { ClusterService } from '../../service/clusters.js';
import { podView } from '../../service/views.js';
import { pageSchema, podInputSchema, podSchema, routeTableSchema } from './schemas.js';
import { clusterParams, dryRunQuery, errorResponses, noContent, readErrors, pageQuery, routeTableResponse, routesQuery, sendRouteTable, type RoutesQuery } from './common.js';
import { paginate } from './paginate.js';
import { labelParam, subdomainParam } from '../names.js';

const podParams = {
  type: 'object', properties: { name: labelParam, ns: labelParam, pod: subdomainParam }, required: ['name', 'ns', 'pod'],
} as const;
const podListQuery = {
  type: 'object',
  properties: { ...pageQuery.properties, namespace: { type: 'string' }, node: { type: 'string' } },
} as const;

export const podRoutes: FastifyPluginAsync<{ service: ClusterService }> = async (app, { service }) => {
  app.post<{ Params: { name: string }; Querystring: { dryRun: boolean } }>('/v1/clusters/:name/pods', {
    config: { scope: 'write' },
    schema: { tags: ['pods'], summary: "Add one pod: allocates its IP(s) from its node's block", params: clusterParams, querystring: dryRunQuery, body: podInputSchema, response: { 200: podSchema, 201: podSchema, ...errorResponses } },
  }, async (req, reply) => {
    const pod = await service.addPod(req.params.name, req.body, req.query.dryRun);
    if (req.query.dryRun) return reply.code(200).send(pod);
    const where = `/v1/clusters/${encodeURIComponent(req.params.name)}/pods/${encodeURIComponent(pod.namespace)}/${encodeURIComponent(pod.name)}`;
    return reply.code(201).header('location', where).send(pod);
  });

  app.get<{ Params: { name: string }; Querystring: { limit: number; cursor?: string; namespace?: string; node?: string } }>('/v1/clusters/:name/pods', {
    config: { scope: 'read' },
    schema: { tags: ['pods'], summary: 'List pods, optionally of one namespace and/or node', params: clusterParams, querystring: podListQuery, response: { 200: pageSchema(podSchema), ...readErrors } },
  }, async (req) => {
    const snap = await service.get(req.params.name);
    const { namespace, node } = req.query;
    let pods = node !== undefined ? snap.podsOn(node).map((i) => snap.topology.pods[i]!) : snap.topology.pods;
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
