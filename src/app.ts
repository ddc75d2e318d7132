// The podnet HTTP application, as Fastify's demo app shapes one: `podnetApp`
// is a plugin that never listens (server.ts does), and `buildApp` wraps it in
// a Fastify instance so tests drive it through supertest/inject against a real
// PostgreSQL. Shared services are decorators (src/plugins/).
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { randomUUID } from 'node:crypto';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { Db } from './store/db.js';
import { droppedGarbage } from './memory.js';
import { healthRoutes } from './api/rest/health.js';
import { registerBodyParsers, validatorOptions } from './api/body.js';
import { clientErrorHandler, frameworkErrors, registerErrorHandlers } from './api/errors.js';
import { serverLimits } from './api/limits.js';
import { refuseNulInUrls } from './api/names.js';
import { registerApi } from './api/register.js';
import { registerOpenApi } from './api/openapi.js';
import { registerRestConventions, registerRootLinks } from './api/rest/conventions.js';
import { consoleRoutes } from './ui/routes.js';
import { registerAuth } from './api/auth.js';
import { endOfTurn } from './api/coalesce.js';
import { databasePlugin } from './plugins/database.js';
import { servicesPlugin } from './plugins/services.js';

export interface AppDeps {
  config: Config;
  db: Db;
  /** Given: the app closes the database when it closes (podnet serve). */
  closeDb?: () => Promise<void>;
}

export interface AppLogging {
  /** Fastify's logger options (tests pass false). */
  logger?: FastifyServerOptions['logger'];
  /** A logger made earlier (podnet serve logs its start with the same one). */
  loggerInstance?: Logger;
}

/** The Fastify instance options podnet needs (request ids, limits, validation, framework errors). */
export function serverOptions(config: Config, logging: AppLogging = {}): FastifyServerOptions {
  return {
    ...(logging.loggerInstance ? { loggerInstance: logging.loggerInstance } : { logger: logging.logger ?? { level: config.logLevel } }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
    },
    ...serverLimits(config.limits),
    ...validatorOptions(),
    frameworkErrors,
    clientErrorHandler,
  };
}

export async function buildApp(deps: AppDeps, logging: AppLogging = {}): Promise<FastifyInstance> {
  const app = Fastify(serverOptions(deps.config, logging));
  await app.register(podnetApp, deps);
  return app;
}

/** Media types a terminal shows: their text answers end with a newline, so `curl` leaves the prompt on a line of its own. */
const TERMINAL_TEXT = /^(application\/(?:[\w.+-]*\+)?json|application\/yaml|text\/plain)\b/;

function endWithNewline(reply: FastifyReply, payload: unknown): unknown {
  const text = typeof payload === 'string';
  if (!text && !(payload instanceof Uint8Array)) return payload; // streams (static files) and nothing
  if (reply.getHeader('content-encoding')) return payload; // encoded bytes (a kept gzip ends with its own newline)
  if (payload.length === 0 || (text ? payload.endsWith('\n') : payload[payload.length - 1] === 0x0a)) return payload;
  const type = reply.getHeader('content-type');
  if (typeof type !== 'string' || !TERMINAL_TEXT.test(type)) return payload;
  return text ? `${payload}\n` : Buffer.concat([payload, NEWLINE]);
}

const NEWLINE = Buffer.from('\n');

/** Bodies above this count towards a collection (see droppedGarbage); smaller ones are the young generation's business. */
const LARGE_BODY = 2 ** 20;
/** What a request holds per byte of a JSON body: the text, its objects, the definition, the plan (measured ~6–10 × at k8s-5k). */
const GARBAGE_PER_BODY_BYTE = 8;

export const podnetApp = fp<AppDeps>(async (app, deps) => {
  await app.register(databasePlugin, { db: deps.db, close: deps.closeDb });
  await app.register(servicesPlugin, { dbTimeoutMs: deps.config.limits.dbTimeoutMs, soloReads: deps.config.soloReads });

  // First, so that every route registered after it (plugins' too) must declare its scope.
  registerAuth(app, app.tokens, deps.config.auth);
  registerRestConventions(app);

  app.addHook('onSend', async (req, reply, payload) => {
    reply.header('x-request-id', req.id);
    // Written with the turn's other answers (coalesce.ts).
    await endOfTurn();
    return endWithNewline(reply, payload);
  });
  // A large body's text, its parse tree and what the request built from them
  // (an apply's plan and rows) are garbage once it is answered (memory.ts).
  app.addHook('onResponse', async (req) => {
    const n = req.rawBody?.length ?? 0;
    if (n > LARGE_BODY) droppedGarbage(n * GARBAGE_PER_BODY_BYTE);
  });

  refuseNulInUrls(app);
  registerBodyParsers(app);
  registerErrorHandlers(app);

  await registerOpenApi(app);
  registerRootLinks(app);

  await app.register(healthRoutes, { db: deps.db });
  await registerApi(app, deps.config);
  await app.register(consoleRoutes, { tokens: app.tokens, auth: deps.config.auth });
}, { name: 'podnet-app' });
