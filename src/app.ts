// The podnet HTTP application as a factory: it never listens (server.ts does)
// so tests drive it through supertest against a real PostgreSQL.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { Config } from './config.js';
import type { Db } from './store/db.js';
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
import { TokenService } from './service/tokens.js';
import { TokenStore } from './store/tokens.js';

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
    ...serverLimits(deps.config.limits),
    ...validatorOptions(),
    frameworkErrors,
    clientErrorHandler,
  });

  // First, so that every route registered after it (plugins' too) must declare its scope.
  const tokens = new TokenService(new TokenStore(deps.db.prisma));
  registerAuth(app, tokens, deps.config.auth);
  registerRestConventions(app);

  app.addHook('onSend', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });

  refuseNulInUrls(app);
  registerBodyParsers(app);
  registerErrorHandlers(app);

  await registerOpenApi(app);
  registerRootLinks(app);

  await app.register(healthRoutes, { db: deps.db });
  await registerApi(app, deps, tokens);
  await app.register(consoleRoutes, { tokens, auth: deps.config.auth });
  return app;
}
