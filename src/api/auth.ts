// Bearer-token checks (SPEC §8). The scope a request needs is a property of
// the route the router matched (`config: { scope }`), never of the URL text:
// the router decodes and normalises paths (`/%761/tokens` is `/v1/tokens`),
// so any decision taken on the raw URL can be spelled around. Every route must
// declare its scope; one that does not stops the app at registration, so an
// unguarded route cannot ship. GraphQL's routes need `read`; a mutation also
// needs `write`, checked where the document is known (the GraphQL plugin's
// preExecution hook reads request.podnetScope).
import type { FastifyInstance, FastifyReply, RouteOptions } from 'fastify';
import { AppError } from '../service/errors.js';
import { scopeAllows, type Scope, type TokenService } from '../service/tokens.js';

/** What a route needs: a token of at least this scope, or nothing (`public`). */
export type RouteScope = Scope | 'public';
const ROUTE_SCOPES: readonly RouteScope[] = ['public', 'read', 'write', 'admin'];

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: RouteScope;
  }
  interface FastifyRequest {
    /** The caller's scope (admin when auth is off). */
    podnetScope: Scope;
  }
  interface FastifyInstance {
    /** Every route registered so far with the scope it needs (tests walk it). */
    routeScopes: RouteScopeEntry[];
  }
}

export interface RouteScopeEntry { method: string; url: string; scope: RouteScope }

/**
 * Routes that third-party plugins register without our config: the Swagger UI
 * and GraphiQL assets. Matched on the registered route template, at
 * registration, so no request URL is ever compared here.
 */
function pluginRouteScope(url: string): RouteScope | undefined {
  if (url === '/docs' || url.startsWith('/docs/')) return 'public';
  if (url === '/graphiql' || url.startsWith('/graphiql/')) return 'public';
  return undefined;
}

/** Fails the app's registration when a route says nothing (or nonsense) about its scope. */
export function assignRouteScope(route: RouteOptions): RouteScope {
  const declared = route.config?.scope ?? pluginRouteScope(route.url);
  if (declared === undefined || !ROUTE_SCOPES.includes(declared)) {
    const methods = Array.isArray(route.method) ? route.method.join(',') : route.method;
    throw new Error(`route ${methods} ${route.url} declares no valid config.scope (one of ${ROUTE_SCOPES.join(', ')}); every route must say who may call it`);
  }
  route.config = { ...route.config, scope: declared };
  return declared;
}

/** Per RFC 6750 §3: a 401 says which scheme to use, a 403 says why. */
export function bearerChallenge(reply: FastifyReply, code: string): void {
  if (code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer realm="podnet"');
  else if (code === 'FORBIDDEN') reply.header('www-authenticate', 'Bearer realm="podnet", error="insufficient_scope"');
}

/** Call before any route or route-registering plugin, so every route passes through the check. */
export function registerAuth(app: FastifyInstance, tokens: TokenService, enabled: boolean): void {
  app.decorateRequest('podnetScope', 'read');
  app.decorate('routeScopes', [] as RouteScopeEntry[]);
  app.addHook('onRoute', (route) => {
    const scope = assignRouteScope(route);
    for (const method of [route.method].flat()) app.routeScopes.push({ method, url: route.url, scope });
  });
  app.addHook('onRequest', async (req, reply) => {
    if (!enabled) {
      req.podnetScope = 'admin';
      return;
    }
    // An unmatched request (the not-found handler) reaches no handler and no data.
    if (req.routeOptions.url === undefined) return;
    const need = req.routeOptions.config.scope;
    if (need === 'public') return;
    try {
      if (need === undefined) throw new AppError('FORBIDDEN', 'this route declares no scope');
      const header = req.headers.authorization;
      const m = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
      if (!m) throw new AppError('UNAUTHORIZED', 'missing bearer token: send Authorization: Bearer <token>');
      const scope = await tokens.scopeOf(m[1]!);
      if (!scope) throw new AppError('UNAUTHORIZED', 'invalid or revoked token');
      if (!scopeAllows(scope, need)) throw new AppError('FORBIDDEN', `this token has scope "${scope}"; ${req.method} ${req.routeOptions.url} needs "${need}"`);
      req.podnetScope = scope;
    } catch (err) {
      if (err instanceof AppError) bearerChallenge(reply, err.code);
      throw err;
    }
  });
}
