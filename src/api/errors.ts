// Every answer the service gives, the framework's own included, is an RFC
// 9457 problem document with a podnet code: route handlers' errors, schema
// validation, the router's (a malformed percent-encoding, a parameter over
// the length limit), unmatched routes, and what node's HTTP parser refuses
// before fastify sees a request (a slow or malformed request).
import http from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clip, QUOTED_MAX } from '../net/clip.js';
import { AppError, codeForStatus, toAppError, type ErrorCode } from '../service/errors.js';
import { bearerChallenge } from './auth.js';
import { methodNotAllowed, nameObjectPaths, unsupportedMediaType } from './rest/conventions.js';
import { MAX_LISTED_ERRORS, problemBody, sendProblem } from './rest/problem.js';

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  validation?: { instancePath?: string; message?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
  message: string;
}


/** `/nodes/3/name` in the body → `nodes[3].name`, as the definition parser names fields. */
function fieldPath(where: string, pointer: string): string {
  const parts = pointer.split('/').filter((x) => x !== '');
  let out = where === 'body' ? '' : where === 'querystring' ? 'query' : where;
  for (const whole of parts) {
    const p = clip(whole, QUOTED_MAX); // an unknown key is the client's text
    out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  }
  return out === '' ? '(root)' : out;
}

const FRAMEWORK_CODES: Partial<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'MALFORMED_BODY',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_BAD_URL: 'BAD_URL',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
};

/** Fastify's own errors (bad JSON, schema validation, size limits, router refusals) as problems. */
export function classifyFastifyError(err: unknown): AppError | null {
  const e = err as FastifyLikeError;
  if (e instanceof AppError) return e;
  if (e.validation) {
    const where = e.validationContext ?? 'body';
    const errors = e.validation.slice(0, MAX_LISTED_ERRORS).map((v) => {
      const missing = v.params && typeof v.params.missingProperty === 'string' ? `/${v.params.missingProperty}` : '';
      const extra = v.params && typeof v.params.additionalProperty === 'string' ? `/${v.params.additionalProperty}` : '';
      const choices = v.params && Array.isArray(v.params.allowedValues) ? ` (${v.params.allowedValues.map(String).join(', ')})` : '';
      return { path: fieldPath(where, `${v.instancePath ?? ''}${missing}${extra}`), message: extra ? 'unknown field' : `${v.message ?? 'invalid'}${choices}` };
    });
    const first = errors[0];
    const more = e.validation.length > 1 ? ` (and ${e.validation.length - 1} more; see errors)` : '';
    return new AppError(where === 'body' ? 'VALIDATION_FAILED' : 'BAD_REQUEST', first ? `${first.path}: ${first.message}${more}` : 'invalid request', {
      errors, extra: { errorCount: e.validation.length },
    });
  }
  const known = e.code ? FRAMEWORK_CODES[e.code] : undefined;
  if (known) return new AppError(known, e.message);
  const status = e.statusCode;
  if (err instanceof SyntaxError && status === 400) return new AppError('MALFORMED_BODY', e.message);
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(codeForStatus(status), e.message);
  }
  return null;
}

function answer(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  let appErr = classifyFastifyError(err) ?? toAppError(err);
  // Fastify's refusal of a media type gets the accepted ones; podnet's own 415s (a Content-Encoding) say their own.
  if (appErr.code === 'UNSUPPORTED_MEDIA_TYPE' && !(err instanceof AppError)) appErr = unsupportedMediaType(reply, req.headers['content-type']);
  appErr = nameObjectPaths(appErr, req.body);
  if (appErr.status >= 500 && appErr.code !== 'DATABASE_UNAVAILABLE') req.log.error({ err }, 'request failed');
  else if (appErr.code === 'DATABASE_UNAVAILABLE') req.log.warn({ err: (err as Error).message }, 'database unavailable');
  bearerChallenge(reply, appErr.code);
  return sendProblem(reply, appErr);
}

/** For Fastify's `frameworkErrors` option: the router's refusals (bad percent-encoding, long parameters). */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  void answer(err, req, reply);
}

const CLIENT_ERRORS: Partial<Record<string, [code: ErrorCode, detail: string]>> = {
  ERR_HTTP_REQUEST_TIMEOUT: ['REQUEST_TIMEOUT', 'the request was not received in time'],
  HPE_HEADER_OVERFLOW: ['HEADERS_TOO_LARGE', 'the request headers are too large'],
};

/**
 * For Fastify's `clientErrorHandler` option: what node's HTTP parser refuses
 * (malformed requests, headers or body too slow). The connection is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, detail] = CLIENT_ERRORS[err.code ?? ''] ?? ['MALFORMED_REQUEST', 'the request is not valid HTTP/1.1'];
  const problem = new AppError(code, detail);
  const status = problem.status;
  const body = JSON.stringify(problemBody(problem));
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}

/** The error and not-found handlers of the whole app. */
export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err, req, reply) => answer(err, req, reply));
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, methodNotAllowed(app, req, reply) ?? new AppError('ROUTE_NOT_FOUND', `no route for ${req.method} ${req.url.split('?')[0]}`)),
  );
}
