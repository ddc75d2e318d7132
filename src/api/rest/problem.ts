import type { FastifyReply } from 'fastify';
import { clip } from '../../net/clip.js';
import type { AppError, FieldProblem } from '../../service/errors.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 408: 'Request Timeout',
  409: 'Conflict', 413: 'Payload Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type',
  422: 'Unprocessable Content', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** RFC 9457 problem document: {type, title, status, detail, code, errors?, ...extra}. */
export function problemBody(err: AppError): Record<string, unknown> {
  return {
    ...withoutCount(err.extra),
    type: `https://podnet.dev/problems/${err.code.toLowerCase().replace(/_/g, '-')}`,
    title: TITLES[err.status] ?? 'Error',
    status: err.status,
    detail: clip(err.message, DETAIL_MAX),
    code: err.code,
    ...(err.errors ? listedErrors(err) : {}),
  };
}

function withoutCount(extra: Record<string, unknown> | undefined): Record<string, unknown> {
  if (!extra || !('errorCount' in extra)) return extra ?? {};
  const { errorCount: _counted, ...rest } = extra;
  return rest;
}

/** A document lists at most MAX_LISTED_ERRORS field problems, and always says how many there were. */
export const MAX_LISTED_ERRORS = 100;

/**
 * The most of a message an answer carries (code points). Messages quote
 * their input clipped already (net/clip.ts); this is the bound for the rest,
 * so that no answer is ever an echo of a large body.
 */
export const DETAIL_MAX = 1000;
const PATH_MAX = 300;

/** At most MAX_LISTED_ERRORS field problems, each with its path and message clipped. */
export function boundedProblems(all: readonly FieldProblem[]): FieldProblem[] {
  return all.slice(0, MAX_LISTED_ERRORS).map((e) =>
    e.path.length <= PATH_MAX && e.message.length <= DETAIL_MAX ? e : { ...e, path: clip(e.path, PATH_MAX), message: clip(e.message, DETAIL_MAX) });
}

function listedErrors(err: AppError): { errors: FieldProblem[]; errorCount: number } {
  const all = err.errors!;
  const counted = err.extra?.errorCount;
  return { errors: boundedProblems(all), errorCount: typeof counted === 'number' && counted > all.length ? counted : all.length };
}

export function sendProblem(reply: FastifyReply, err: AppError): FastifyReply {
  if (err.status === 503) reply.header('retry-after', '1');
  return reply.code(err.status).type('application/problem+json').send(JSON.stringify(problemBody(err)));
}

export const problemSchema = {
  type: 'object',
  properties: {
    type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' },
    detail: { type: 'string' }, code: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
  additionalProperties: true,
} as const;
