// The podnet HTTP application as a factory: it never listens (server.ts does)
// so tests drive it through supertest against a real PostgreSQL.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import YAML from 'yaml';
import type { Config } from './config.js';
import { AppError, codeForStatus, toAppError } from './service/errors.js';
import type { Db } from './store/db.js';
import { healthRoutes } from './api/rest/health.js';
import { sendProblem } from './api/rest/problem.js';
import { registerApi } from './api/register.js';
import { registerOpenApi } from './api/openapi.js';
import { methodNotAllowed, registerRestConventions, registerRootLinks, unsupportedMediaType } from './api/rest/conventions.js';
import { registerAuth } from './api/auth.js';
import { TokenService } from './service/tokens.js';
import { TokenStore } from './store/tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body as received, for JSON and YAML bodies. */
    rawBody?: string;
  }
}

export interface AppDeps {
  config: Config;
  db: Db;
}

export async function buildApp(deps: AppDeps, opts: { logger?: FastifyServerOptions['logger'] } = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: opts.logger ?? { level: deps.config.logLevel },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: 64 * 1024 * 1024,
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  });

  // First, so that every route registered after it (plugins' too) must declare its scope.
  const tokens = new TokenService(new TokenStore(deps.db.prisma));
  registerAuth(app, tokens, deps.config.auth);
  registerRestConventions(app);

  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  // JSON as Fastify parses it (prototype poisoning refused), keeping the text
  // so an apply can recognise a body it has already applied (see ClusterService.apply).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    req.rawBody = body as string;
    parseJson(req, body as string, done);
  });

  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (req, body, done) => {
    try {
      req.rawBody = body as string;
      done(null, YAML.parse(body as string, { maxAliasCount: 100 }));
    } catch (err) {
      done(new AppError('MALFORMED_BODY', `the YAML body does not parse: ${(err as Error).message.split('\n')[0]}`), undefined);
    }
  });

  // Bodies are JSON or YAML only: a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err, req, reply) => {
    let appErr = classifyFastifyError(err) ?? toAppError(err);
    if (appErr.code === 'UNSUPPORTED_MEDIA_TYPE') appErr = unsupportedMediaType(reply, req.headers['content-type']);
    if (appErr.status >= 500 && appErr.code !== 'DATABASE_UNAVAILABLE') req.log.error({ err }, 'request failed');
    else if (appErr.code === 'DATABASE_UNAVAILABLE') req.log.warn({ err: (err as Error).message }, 'database unavailable');
    return sendProblem(reply, appErr);
  });

  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, methodNotAllowed(app, req, reply) ?? new AppError('ROUTE_NOT_FOUND', `no route for ${req.method} ${req.url.split('?')[0]}`)),
  );

  await registerOpenApi(app);
  registerRootLinks(app);

  await app.register(healthRoutes, { db: deps.db });
  await registerApi(app, deps, tokens);
  return app;
}

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
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out === '' ? p : `.${p}`;
  return out === '' ? '(root)' : out;
}

/** Fastify's own errors (bad JSON, schema validation, size limits) as problems. */
function classifyFastifyError(err: unknown): AppError | null {
  const e = err as FastifyLikeError;
  if (e instanceof AppError) return e;
  if (e.validation) {
    const where = e.validationContext ?? 'body';
    const errors = e.validation.map((v) => {
      const missing = v.params && typeof v.params.missingProperty === 'string' ? `/${v.params.missingProperty}` : '';
      const extra = v.params && typeof v.params.additionalProperty === 'string' ? `/${v.params.additionalProperty}` : '';
      return { path: fieldPath(where, `${v.instancePath ?? ''}${missing}${extra}`), message: extra ? 'unknown field' : v.message ?? 'invalid' };
    });
    const first = errors[0];
    return new AppError(where === 'body' ? 'VALIDATION_FAILED' : 'BAD_REQUEST', first ? `${first.path}: ${first.message}` : 'invalid request', { errors });
  }
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError('MALFORMED_BODY', e.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', e.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', e.message);
  }
  const status = e.statusCode;
  if (err instanceof SyntaxError && status === 400) return new AppError('MALFORMED_BODY', e.message);
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new AppError(codeForStatus(status), e.message);
  }
  return null;
}
