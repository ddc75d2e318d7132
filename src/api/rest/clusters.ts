import { PassThrough, type Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { bodyHasher, type ApplyResult, type ClusterService } from '../../service/clusters.js';
import { YAML_TYPES } from '../body.js';
import { appliedOrPlannedSchema, applyResultSchema, clusterDefinitionSchema, clusterSchema, clusterSummarySchema, pageSchema, planResultSchema } from './schemas.js';
import { importCluster } from '../../service/import.js';
import { applyQuery, clusterParams, errorResponses, listErrors, noContent, pageQuery, readErrors, sendJson, sendView, type ApplyQuery } from './common.js';
import { SUMMARY_CHANGES, type ApplyView } from '../../service/views.js';

/** An answer's parts in the view asked for: the cluster (or plan), and `"changes":[…],"changeCounts":{…}`. */
function answerParts(r: ApplyResult, requested: ApplyView | undefined): { cluster: string; changes: string } {
  const view = r.answerView(requested);
  const listed = view === 'summary' ? r.changes.slice(0, SUMMARY_CHANGES) : r.changes.toArray();
  return { cluster: r.clusterJson(view), changes: `"changes":${JSON.stringify(listed)},"changeCounts":${JSON.stringify(r.changes.counts())}` };
}

/** A dry run's answer (SPEC §4): the plan, its changes, and what it does to the network. */
function dryRunJson(r: ApplyResult, view: ApplyView | undefined): string {
  const a = answerParts(r, view);
  return `{"plan":${a.cluster},${a.changes},"impact":${JSON.stringify(r.impact())}}`;
}

const appliedJson = (r: ApplyResult, view: ApplyView | undefined): string => {
  const a = answerParts(r, view);
  return `{"cluster":${a.cluster},${a.changes}}`;
};

const k8sList = {
  type: 'object', required: ['kind', 'items'],
  properties: { apiVersion: { type: 'string', maxLength: 16 }, kind: { type: 'string', maxLength: 16 }, items: { type: 'array', maxItems: 200000, items: { type: 'object' } } },
  description: 'A v1 List, as kubectl get … -o json prints it',
};
const importBodySchema = {
  type: 'object', additionalProperties: false,
  properties: {
    podCidrs: clusterDefinitionSchema.properties.podCidrs,
    nodeMaskSize: clusterDefinitionSchema.properties.nodeMaskSize,
    network: { type: 'object' }, subnets: { type: 'array', maxItems: 10000 }, serviceCidr: {}, reserved: { type: 'array', maxItems: 10000 },
    nodes: k8sList, pods: k8sList,
  },
};
const importAnswerSchema = {
  type: 'object', additionalProperties: true,
  properties: { skipped: { type: 'array', items: { type: 'object', properties: { ref: { type: 'string' }, reason: { type: 'string' } } } } },
};

declare module 'fastify' {
  interface FastifyRequest {
    /** bodyHashOf the body's bytes, when the PUT route read them before parsing (see unchangedPut). */
    bodyHash?: string;
  }
}

const TEXT_BODIES = new Set(['application/json', ...YAML_TYPES]);

/** The PUT's query before validation: nothing, or only `view` (full, summary) and `dryRun=false`. */
function plainPutQuery(q: unknown): ApplyView | undefined | false {
  const o = q as Record<string, unknown>;
  let view: ApplyView | undefined;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (k === 'view' && (v === 'full' || v === 'summary')) view = v;
    else if (!(k === 'dryRun' && v === 'false')) return false;
  }
  return view;
}

/**
 * Re-sending the body this instance last applied to a cluster, while the
 * cluster is still at the version that apply left, changes nothing
 * (ClusterService.unchangedSinceLastApply): answer so from the body's hash
 * alone, before it is parsed. At k8s-65k that parse (the depth scan,
 * JSON.parse of 120 MB and its collections) was ~2 of the re-apply's 3-4 s.
 * The request has passed authentication (onRequest); only a plain PUT is
 * taken (no dry run, no other query parameter, a JSON or YAML body of a
 * declared length within the limit, not encoded). Anything else, or a body
 * that differs, or a cluster changed since, goes on to be parsed and
 * validated as usual from the same bytes, its hash kept for the apply.
 */
async function unchangedPut(service: ClusterService, req: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply, payload: Readable): Promise<Readable | undefined> {
  const view = plainPutQuery(req.query);
  const length = Number(req.headers['content-length']);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (view === false || !service.hasAppliedBody(req.params.name) || !TEXT_BODIES.has(type) || req.headers['content-encoding'] !== undefined ||
    !Number.isInteger(length) || length <= 0 || length > req.routeOptions.bodyLimit) return payload;
  // Hashed as it arrives (bodyHashOf of the whole, without holding the
  // event loop for one pass over 120 MB at the end).
  const digest = bodyHasher();
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of payload) {
    const b = chunk as Buffer;
    total += b.length;
    if (total > length) break; // never more than declared; the parser refuses the mismatch
    chunks.push(b);
    digest.update(b);
  }
  const bytes = Buffer.concat(chunks);
  const again = () => {
    const s = new PassThrough();
    s.end(bytes);
    return s;
  };
  if (bytes.length !== length) return again();
  const hash = digest.digest();
  req.bodyHash = hash;
  const same = await service.unchangedApplyByHash(req.params.name, hash);
  if (!same) return again();
  sendApplied(reply, same, view);
  // Fastify goes on to parse unless the reply has ended (its onSend hooks are async).
  await new Promise<void>((resolve) => {
    if (reply.raw.writableEnded) return resolve();
    reply.raw.once('finish', () => resolve());
    reply.raw.once('close', () => resolve());
  });
  if (reply.sent) return undefined;
  // The client went away before the answer was written: nothing left to parse.
  const gone = new PassThrough();
  gone.destroy(new Error('the client closed the connection'));
  return gone;
}

const clusterUrl = (name: string) => `/v1/clusters/${encodeURIComponent(name)}`;

type PreParsing = (req: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply, payload: Readable) => Promise<Readable | undefined>;

/** Route options of a declarative apply to `/v1/clusters/{name}…` (PUT, import). */
const applyOptions = (summary: string, body: object, answers: Record<200 | 201, object>, preParsing?: PreParsing) => ({
  config: { scope: 'write' as const },
  ...(preParsing ? { preParsing } : {}),
  schema: { tags: ['clusters'], summary, params: clusterParams, querystring: applyQuery, body, response: { ...answers, ...errorResponses } },
});

/** A declarative apply's answer: 200 with the plan for a dry run, else the applied cluster (201 and its Location when it was created); `more` are members to add. */
function sendApplied(reply: FastifyReply, r: ApplyResult, view: ApplyQuery['view'], more?: string): FastifyReply {
  const answer = r.dryRun ? dryRunJson(r, view) : appliedJson(r, view);
  if (r.dryRun) reply.code(200);
  else if (r.created) reply.code(201).header('location', clusterUrl(r.name));
  return sendJson(reply, more ? `${answer.slice(0, -1)},${more}}` : answer);
}

export const clusterRoutes: FastifyPluginAsync<{ service: ClusterService }> = async (app, { service }) => {
  app.post<{ Querystring: ApplyQuery }>('/v1/clusters', {
    config: { scope: 'write' },
    schema: {
      tags: ['clusters'], summary: 'Create a cluster from a definition (JSON or YAML)',
      querystring: applyQuery, body: clusterDefinitionSchema,
      response: { 201: clusterSchema, 200: planResultSchema, ...errorResponses },
    },
  }, async (req, reply) => {
    const r = await service.apply(req.body, { mode: 'create', dryRun: req.query.dryRun, rawBody: req.rawBody });
    if (r.dryRun) return sendJson(reply.code(200), dryRunJson(r, req.query.view));
    return sendJson(reply.code(201).header('location', clusterUrl(r.name)), r.clusterJson(r.answerView(req.query.view)));
  });

  app.put<{ Params: { name: string }; Querystring: ApplyQuery }>('/v1/clusters/:name', applyOptions(
    'Declarative apply: create, or converge to the definition keeping every surviving allocation',
    clusterDefinitionSchema, { 200: appliedOrPlannedSchema, 201: applyResultSchema },
    (req, reply, payload) => unchangedPut(service, req, reply, payload),
  ), async (req, reply) => {
    const r = await service.apply(req.body, { mode: 'apply', dryRun: req.query.dryRun, name: req.params.name, rawBody: req.rawBody, bodyHash: req.bodyHash });
    return sendApplied(reply, r, req.query.view);
  });

  app.post<{ Params: { name: string }; Querystring: ApplyQuery }>('/v1/clusters/:name/import', applyOptions(
    'Adopt a live Kubernetes cluster from kubectl\'s JSON: a declarative apply in which every allocation is pinned (SPEC §11)',
    importBodySchema, { 200: importAnswerSchema, 201: importAnswerSchema },
  ), async (req, reply) => {
    const { result: r, skipped } = await importCluster(service, req.params.name, req.body, req.query.dryRun, req.rawBody);
    return sendApplied(reply, r, req.query.view, `"skipped":${JSON.stringify(skipped)}`);
  });

  app.get<{ Querystring: { limit: number; cursor?: string } }>('/v1/clusters', {
    config: { scope: 'read' },
    schema: { tags: ['clusters'], summary: 'List clusters (summaries, keyset-paginated by name)', querystring: pageQuery, response: { 200: pageSchema(clusterSummarySchema), ...listErrors } },
  }, async (req) => service.list(req.query.limit, req.query.cursor ?? null));

  app.get<{ Params: { name: string } }>('/v1/clusters/:name', {
    config: { scope: 'read' },
    schema: { tags: ['clusters'], summary: 'A cluster with every allocation, pod MTU and capacity', params: clusterParams, response: { 200: clusterSchema, ...readErrors } },
  }, async (req, reply) => sendView(req, reply, await service.viewBody(req.params.name)));

  app.delete<{ Params: { name: string } }>('/v1/clusters/:name', {
    config: { scope: 'write' },
    schema: { tags: ['clusters'], summary: 'Delete a cluster and everything in it', params: clusterParams, response: { ...noContent, ...readErrors } },
  }, async (req, reply) => {
    await service.remove(req.params.name);
    return reply.code(204).send();
  });
};
