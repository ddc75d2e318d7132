// Small pieces shared by the resource plugins: query schemas and formats.
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ViewBody } from '../../service/view-cache.js';
import type { JsonPieces } from '../../net/node-table.js';
import { ROUTE_FORMATS, TABLE_NAMES, type RouteFormat, type RouteTable, type TableName, formatFdbScript, formatRoutesJson, formatRoutesScript, formatRoutesText } from '../../net/routes.js';
import { problemSchema } from './problem.js';
import { labelParam } from '../names.js';
import { SUMMARY_ABOVE, SUMMARY_CHANGES, type ApplyView } from '../../service/views.js';

/** `{name}`: the cluster a sub-resource route belongs to. */
export const clusterParams = { type: 'object', properties: { name: labelParam }, required: ['name'] } as const;

export const dryRunQuery = {
  type: 'object',
  properties: { dryRun: { type: 'boolean', default: false, description: 'Plan only: nothing is stored.' } },
  additionalProperties: false,
} as const;

/** POST/PUT of a definition and import: dryRun, and the view their answer takes (SPEC §4, README). */
export const applyQuery = {
  type: 'object',
  properties: {
    ...dryRunQuery.properties,
    view: {
      type: 'string', enum: ['full', 'summary'],
      description: `The answer's cluster (or plan): full (every node and pod) or summary (their counts, no lists; changes cut to the first ${SUMMARY_CHANGES}, changeCounts whole). Default: summary when the cluster holds more than ${SUMMARY_ABOVE} nodes and pods, else full. The whole cluster is always at GET /v1/clusters/{name}.`,
    },
  },
  additionalProperties: false,
} as const;
export type ApplyQuery = { dryRun: boolean; view?: ApplyView };

export const pageQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 10000, default: 500 },
    cursor: { type: 'string', maxLength: 512 },
  },
} as const;

/** A list's query: the page parameters and the list's own filters. */
export function filteredPageQuery<F extends Record<string, object>>(filters: F) {
  return { type: 'object', properties: { ...pageQuery.properties, ...filters } } as const;
}


export const routesQuery = {
  type: 'object',
  properties: {
    format: {
      type: 'string', enum: ROUTE_FORMATS, default: 'json',
      description: 'json: {routes, neighbors, fdb}; text: `ip route show` lines; script: an `ip -batch` file; fdb-script: a `bridge -batch` file of the VXLAN FDB entries',
    },
    table: {
      type: 'string', enum: TABLE_NAMES, default: 'main',
      description: "main: the main table; local: the kernel's local table (local, broadcast and anycast entries, as `ip route show table local` prints them; the kernel makes them itself, so the scripts leave them out); all: both, as `ip route show table all`",
    },
  },
  additionalProperties: false,
} as const;

/** A 204: the DELETEs' answer. */
export const noContent = { 204: { description: 'Deleted: no content', type: 'null' } } as const;

/** GET …/routes: JSON by default; the text formats are text/plain. */
export function routeTableResponse(jsonSchema: object) {
  return {
    200: {
      description: 'format=json: the table as JSON; format=text|script|fdb-script: text/plain (`ip route show` lines, an `ip -batch` file, a `bridge -batch` file)',
      content: { 'application/json': { schema: jsonSchema }, 'text/plain': { schema: { type: 'string' } } },
    },
  } as const;
}

/** The problems a change may answer (the OpenAPI document adds 413 and 415 for bodies). */
export const errorResponses = {
  400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema,
  409: problemSchema, 422: problemSchema, 503: problemSchema,
} as const;

/** The problems a read of one resource (or of a cluster's list) may answer. */
export const readErrors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema, 503: problemSchema } as const;

/** The problems a top-level list may answer (nothing there to be missing). */
export const listErrors = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 503: problemSchema } as const;

/**
 * Sends JSON text rendered by the service (large clusters are rendered once
 * per version and cached); the response schema documents its shape.
 */
export function sendJson(reply: FastifyReply, json: string | Buffer): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}

/** Below this, pieces are sent as one buffer (one copy is cheaper than a stream). */
const PIECES_AS_STREAM_ABOVE = 64 * 1024;

/**
 * Sends JSON made of byte pieces (JsonPieces: slices of data the service
 * keeps) as they are, one after another, with its length: no buffer of the
 * whole answer is made per request. The pieces must end with the newline.
 */
export function sendJsonPieces(reply: FastifyReply, json: JsonPieces): FastifyReply {
  reply.type('application/json; charset=utf-8');
  if (json.length <= PIECES_AS_STREAM_ABOVE) return reply.send(json.bytes());
  return reply.header('content-length', json.length).send(Readable.from(json.pieces, { objectMode: false }));
}

/**
 * Whether an Accept-Encoding header (RFC 9110 §12.5.3) accepts gzip: `gzip`
 * (or `x-gzip`, or `*`) listed without `q=0`. An absent header accepts
 * anything, but a client that sends none is usually a script: it gets
 * identity.
 */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  let star = false;
  for (const part of header.split(',', 64)) {
    const [token = '', ...params] = part.split(';');
    const name = token.trim().toLowerCase();
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    const ok = Number.isFinite(weight) && weight > 0;
    if (name === 'gzip' || name === 'x-gzip') return ok;
    if (name === '*') star = ok;
  }
  return star;
}

/**
 * Sends a cluster's cached view: text as it is; a gzip as it is to a client
 * that accepts gzip, else decompressed as a stream (zlib's thread pool, not
 * the event loop). `Vary` on every answer, since the encoding depends on the request.
 */
export function sendView(req: FastifyRequest, reply: FastifyReply, body: ViewBody): FastifyReply {
  // Vary always: the same URL answers gzip once a large view is compressed.
  reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
  if (body.text !== undefined) return reply.send(body.text);
  if (acceptsGzip(req.headers['accept-encoding'])) return reply.header('content-encoding', 'gzip').send(body.gzip);
  return reply.send(Readable.from([body.gzip]).pipe(createGunzip()));
}

/**
 * A created object: 201 with its `Location` (RFC 9110 §15.3.2), or 200 for a
 * dry run, which stored nothing there is to point at.
 */
export function sendCreated(reply: FastifyReply, dryRun: boolean, body: object, ...segments: string[]): FastifyReply {
  if (dryRun) return reply.code(200).send(body);
  return reply.code(201).header('location', `/${segments.map(encodeURIComponent).join('/')}`).send(body);
}

/** POST of one node or pod into a cluster: allocates, answers 201 with its Location (200 for a dry run). */
export function addRoute<V extends object>(app: FastifyInstance, spec: {
  url: string; tag: string; summary: string; body: object; answer: object;
  add(cluster: string, body: unknown, dryRun: boolean): Promise<V>;
  location(cluster: string, added: V): string[];
}): void {
  app.post<{ Params: { name: string }; Querystring: { dryRun: boolean } }>(spec.url, {
    config: { scope: 'write' },
    schema: { tags: [spec.tag], summary: spec.summary, params: clusterParams, querystring: dryRunQuery, body: spec.body, response: { 200: spec.answer, 201: spec.answer, ...errorResponses } },
  }, async (req, reply) => {
    const added = await spec.add(req.params.name, req.body, req.query.dryRun);
    return sendCreated(reply, req.query.dryRun, added, 'v1', 'clusters', req.params.name, ...spec.location(req.params.name, added));
  });
}

export interface RoutesQuery { format: RouteFormat; table: TableName }

export function sendRouteTable(reply: FastifyReply, t: RouteTable, { format, table }: RoutesQuery): FastifyReply | RouteTable | object {
  switch (format) {
    case 'text':
      return reply.type('text/plain; charset=utf-8').send(formatRoutesText(t, table));
    case 'script':
      return reply.type('text/plain; charset=utf-8').send(formatRoutesScript(t, table));
    case 'fdb-script':
      return reply.type('text/plain; charset=utf-8').send(formatFdbScript(t, table));
    default:
      return reply.type('application/json; charset=utf-8').send(formatRoutesJson(t, table));
  }
}
