// Small pieces shared by the resource plugins: query schemas and formats.
import type { FastifyReply } from 'fastify';
import { TABLE_NAMES, type RouteTable, type TableName, formatFdbScript, formatRoutesJson, formatRoutesScript, formatRoutesText } from '../../net/routes.js';
import { problemSchema } from './problem.js';
import { labelParam } from '../names.js';

/** `{name}`: the cluster a sub-resource route belongs to. */
export const clusterParams = { type: 'object', properties: { name: labelParam }, required: ['name'] } as const;

export const dryRunQuery = {
  type: 'object',
  properties: { dryRun: { type: 'boolean', default: false, description: 'Plan only: nothing is stored.' } },
  additionalProperties: false,
} as const;

export const pageQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 10000, default: 500 },
    cursor: { type: 'string', maxLength: 512 },
  },
} as const;

export const ROUTE_FORMATS = ['json', 'text', 'script', 'fdb-script'] as const;
export type RouteFormat = (typeof ROUTE_FORMATS)[number];

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
export function sendJson(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
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
