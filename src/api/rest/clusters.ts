import type { FastifyPluginAsync } from 'fastify';
import type { ApplyResult, ClusterService } from '../../service/clusters.js';
import { appliedOrPlannedSchema, applyResultSchema, clusterDefinitionSchema, clusterSchema, clusterSummarySchema, pageSchema, planResultSchema } from './schemas.js';
import { clusterParams, dryRunQuery, errorResponses, listErrors, noContent, pageQuery, readErrors, sendJson } from './common.js';

/** A dry run's answer (SPEC §4): the plan, its changes, and what it does to the network. */
const dryRunJson = (r: ApplyResult): string => `{"plan":${r.clusterJson()},"changes":${JSON.stringify(r.changes)},"impact":${JSON.stringify(r.impact())}}`;

const clusterUrl = (name: string) => `/v1/clusters/${encodeURIComponent(name)}`;

export const clusterRoutes: FastifyPluginAsync<{ service: ClusterService }> = async (app, { service }) => {
  app.post<{ Querystring: { dryRun: boolean } }>('/v1/clusters', {
    config: { scope: 'write' },
    schema: {
      tags: ['clusters'], summary: 'Create a cluster from a definition (JSON or YAML)',
      querystring: dryRunQuery, body: clusterDefinitionSchema,
      response: { 201: clusterSchema, 200: planResultSchema, ...errorResponses },
    },
  }, async (req, reply) => {
    const r = await service.apply(req.body, { mode: 'create', dryRun: req.query.dryRun, rawBody: req.rawBody });
    if (r.dryRun) return sendJson(reply.code(200), dryRunJson(r));
    return sendJson(reply.code(201).header('location', clusterUrl(r.name)), r.clusterJson());
  });

  app.put<{ Params: { name: string }; Querystring: { dryRun: boolean } }>('/v1/clusters/:name', {
    config: { scope: 'write' },
    schema: {
      tags: ['clusters'], summary: 'Declarative apply: create, or converge to the definition keeping every surviving allocation',
      params: clusterParams, querystring: dryRunQuery, body: clusterDefinitionSchema,
      response: { 200: appliedOrPlannedSchema, 201: applyResultSchema, ...errorResponses },
    },
  }, async (req, reply) => {
    const r = await service.apply(req.body, { mode: 'apply', dryRun: req.query.dryRun, name: req.params.name, rawBody: req.rawBody });
    if (r.dryRun) return sendJson(reply.code(200), dryRunJson(r));
    if (r.created) reply.code(201).header('location', clusterUrl(r.name));
    return sendJson(reply, `{"cluster":${r.clusterJson()},"changes":${JSON.stringify(r.changes)}}`);
  });

  app.get<{ Querystring: { limit: number; cursor?: string } }>('/v1/clusters', {
    config: { scope: 'read' },
    schema: { tags: ['clusters'], summary: 'List clusters (summaries, keyset-paginated by name)', querystring: pageQuery, response: { 200: pageSchema(clusterSummarySchema), ...listErrors } },
  }, async (req) => service.list(req.query.limit, req.query.cursor ?? null));

  app.get<{ Params: { name: string } }>('/v1/clusters/:name', {
    config: { scope: 'read' },
    schema: { tags: ['clusters'], summary: 'A cluster with every allocation, pod MTU and capacity', params: clusterParams, response: { 200: clusterSchema, ...readErrors } },
  }, async (req, reply) => sendJson(reply, await service.viewJson(req.params.name)));

  app.delete<{ Params: { name: string } }>('/v1/clusters/:name', {
    config: { scope: 'write' },
    schema: { tags: ['clusters'], summary: 'Delete a cluster and everything in it', params: clusterParams, response: { ...noContent, ...readErrors } },
  }, async (req, reply) => {
    await service.remove(req.params.name);
    return reply.code(204).send();
  });
};
