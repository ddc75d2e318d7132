// Bearer-token checks for /v1 and /graphql (SPEC §8): reads need `read`,
// changes `write`, token management `admin`. GraphQL requests need `read`
// here; a mutation additionally needs `write`, checked where the document
// is known (the GraphQL plugin's preExecution hook reads request.podnetScope).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../service/errors.js';
import { scopeAllows, type Scope, type TokenService } from '../service/tokens.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's scope (admin when auth is off). */
    podnetScope: Scope;
  }
}

export function requiredScope(req: FastifyRequest): Scope | null {
  const url = req.url.split('?')[0]!;
  const isV1 = url === '/v1' || url.startsWith('/v1/');
  const isGraphql = url === '/graphql' || url.startsWith('/graphql/');
  if (!isV1 && !isGraphql) return null;
  if (url === '/graphql/schema.graphql') return null;
  if (url.startsWith('/v1/tokens')) return 'admin';
  if (isGraphql) return 'read';
  return req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write';
}

export function registerAuth(app: FastifyInstance, tokens: TokenService, enabled: boolean): void {
  app.decorateRequest('podnetScope', 'read');
  app.addHook('onRequest', async (req) => {
    if (!enabled) {
      req.podnetScope = 'admin';
      return;
    }
    const need = requiredScope(req);
    if (need === null) return;
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) throw new AppError('UNAUTHORIZED', 'missing bearer token: send Authorization: Bearer <token>');
    const scope = await tokens.scopeOf(m[1]!);
    if (!scope) throw new AppError('UNAUTHORIZED', 'invalid or revoked token');
    if (!scopeAllows(scope, need)) throw new AppError('FORBIDDEN', `this token has scope "${scope}"; ${req.method} ${req.url.split('?')[0]} needs "${need}"`);
    req.podnetScope = scope;
  });
}
