// HTTP conventions every route keeps (SPEC §4): a query parameter the route
// does not know is 400 UNKNOWN_PARAMETER naming the ones it knows; a known
// path asked with a method it does not serve is 405 with `Allow`; `GET /`
// and `GET /v1` answer links to what is there.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../service/errors.js';
import { clip, QUOTED_MAX } from '../../net/clip.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The methods registered for each route template (405 answers list them in `Allow`). */
    routeMethods: RouteMethods;
  }
}

/** Route templates (`/v1/clusters/:name`) with their methods, matched against concrete paths. */
export class RouteMethods {
  private readonly routes: { url: string; pattern: RegExp; methods: Set<string> }[] = [];

  add(url: string, methods: readonly string[]): void {
    let r = this.routes.find((x) => x.url === url);
    if (!r) {
      // `:param` matches one segment; `*` (plugins' static files) the rest.
      const source = url.split('/').map((seg) => (seg.startsWith(':') ? '[^/]+' : seg === '*' ? '.*' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/');
      r = { url, pattern: new RegExp(`^${source}$`), methods: new Set() };
      this.routes.push(r);
    }
    for (const m of methods) r.methods.add(m);
  }

  /** The methods some route serves at `path`, sorted; empty when no route has that path. */
  allowed(path: string): string[] {
    const out = new Set<string>();
    for (const r of this.routes) if (r.pattern.test(path)) for (const m of r.methods) out.add(m);
    return [...out].sort();
  }
}

/** Media types a request body may have (the content-type parsers' list). */
export const BODY_MEDIA_TYPES = ['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml'] as const;

/** Routes whose query strings belong to a third-party plugin (static assets). */
const foreignQuery = (url: string) => url === '/docs' || url.startsWith('/docs/') || url === '/graphiql' || url.startsWith('/graphiql/');

/** 400 UNKNOWN_PARAMETER for a query parameter the matched route does not declare. */
export function checkQueryParameters(req: FastifyRequest): void {
  const url = req.routeOptions.url;
  if (url === undefined || foreignQuery(url)) return;
  const declared = (req.routeOptions.schema?.querystring as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
  const given = Object.keys((req.query ?? {}) as Record<string, unknown>);
  const unknown = given.filter((k) => !Object.hasOwn(declared, k));
  if (unknown.length === 0) return;
  const accepted = Object.keys(declared);
  const which = unknown.map((k) => JSON.stringify(k)).join(', ');
  throw new AppError('UNKNOWN_PARAMETER',
    `unknown query parameter${unknown.length > 1 ? 's' : ''} ${which}; ${req.method} ${url} accepts ${accepted.length > 0 ? accepted.join(', ') : 'none'}`,
    { extra: { accepted }, errors: unknown.map((k) => ({ path: `query.${k}`, message: `unknown parameter; accepted: ${accepted.join(', ') || 'none'}` })) });
}

/** For the not-found handler: a 405 when the path exists with other methods, else null. */
export function methodNotAllowed(app: FastifyInstance, req: FastifyRequest, reply: FastifyReply): AppError | null {
  const path = req.url.split('?')[0]!;
  const allowed = app.routeMethods.allowed(path);
  // No route for the path, or a route of this very method that found nothing
  // (a static file under a wildcard that is not there): a 404, not a 405.
  if (allowed.length === 0 || allowed.includes(req.method)) return null;
  reply.header('allow', allowed.join(', '));
  return new AppError('METHOD_NOT_ALLOWED', `${req.method} is not supported on ${path}; allowed: ${allowed.join(', ')}`, { extra: { allowed } });
}

/** 415 naming the body's media type and the accepted ones (also sent as `Accept`, RFC 9110 §15.5.16). */
export function unsupportedMediaType(reply: FastifyReply, given: string | undefined): AppError {
  const accepted = [...BODY_MEDIA_TYPES];
  reply.header('accept', accepted.join(', '));
  const type = given?.split(';')[0]?.trim() || '(none)';
  return new AppError('UNSUPPORTED_MEDIA_TYPE', `a body of media type ${JSON.stringify(type)} is not supported; send one of ${accepted.join(', ')}`, { extra: { accepted } });
}

/**
 * `nodes[245].address` → `nodes[245] (node-245).address`: a field error inside
 * a definition's nodes or pods also names the object (SPEC §4), read from the
 * body the client sent. The detail, which starts with the first path, too.
 */
export function nameObjectPaths(err: AppError, body: unknown): AppError {
  if (!err.errors || body === null || typeof body !== 'object') return err;
  const lists = body as { nodes?: unknown; pods?: unknown };
  const named = (path: string): string => path.replace(/^(nodes|pods)\[(\d+)\](?! \()/, (whole, list: 'nodes' | 'pods', i: string) => {
    const items = lists[list];
    const item = Array.isArray(items) ? (items[Number(i)] as { name?: unknown; namespace?: unknown } | undefined) : undefined;
    if (!item || typeof item.name !== 'string' || item.name === '') return whole;
    const name = list === 'pods' ? `${typeof item.namespace === 'string' && item.namespace !== '' ? item.namespace : 'default'}/${item.name}` : item.name;
    return `${whole} (${clip(name, QUOTED_MAX)})`;
  });
  const errors = err.errors.map((e) => ({ ...e, path: named(e.path) }));
  if (errors.every((e, i) => e.path === err.errors![i]!.path)) return err;
  const first = err.errors[0]!.path;
  const detail = err.message.startsWith(`${first}:`) ? `${errors[0]!.path}${err.message.slice(first.length)}` : err.message;
  return new AppError(err.code, detail, { errors, ...(err.extra ? { extra: err.extra } : {}) });
}

const linkSchema = {
  type: 'object',
  required: ['name', 'links'],
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    links: { type: 'object', additionalProperties: { type: 'object', required: ['href'], properties: { href: { type: 'string' }, title: { type: 'string' } } } },
  },
} as const;

const ROOT_LINKS = {
  docs: { href: '/docs', title: 'API documentation (Swagger UI)' },
  openapi: { href: '/openapi.json', title: 'The OpenAPI document' },
  graphiql: { href: '/graphiql', title: 'GraphQL in the browser' },
  graphql: { href: '/graphql', title: 'The GraphQL endpoint' },
  ui: { href: '/ui', title: 'The web console' },
  v1: { href: '/v1', title: 'The REST API' },
  health: { href: '/healthz', title: 'Liveness' },
  metrics: { href: '/metrics', title: 'Prometheus metrics' },
};

const V1_LINKS = {
  clusters: { href: '/v1/clusters', title: 'Clusters' },
  tokens: { href: '/v1/tokens', title: 'API tokens (admin)' },
};

function htmlLinks(title: string, links: Record<string, { href: string; title: string }>): string {
  const items = Object.values(links).map((l) => `<li><a href="${l.href}">${l.href}</a> ${l.title}</li>`).join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>\n<body><h1>${title}</h1>\n<ul>\n${items}\n</ul></body></html>\n`;
}

/** Call before any route is registered: the route table and the query check cover every route. */
export function registerRestConventions(app: FastifyInstance): void {
  app.decorate('routeMethods', new RouteMethods());
  app.addHook('onRoute', (route) => {
    app.routeMethods.add(route.url, [route.method].flat());
  });
  app.addHook('preValidation', async (req) => checkQueryParameters(req));
}

/** `GET /` and `GET /v1`: where things are. */
export function registerRootLinks(app: FastifyInstance): void {
  for (const [url, name, description, links] of [
    ['/', 'podnet', 'Network planning for Kubernetes-style pod networks', ROOT_LINKS],
    ['/v1', 'podnet REST API v1', 'Every /v1 request needs a bearer token', V1_LINKS],
  ] as const) {
    app.get(url, {
      config: { scope: 'public' },
      schema: {
        tags: ['service'], summary: `Links to what ${url} holds (HTML for a browser that asks for it)`,
        response: { 200: { description: 'The links', content: { 'application/json': { schema: linkSchema }, 'text/html': { schema: { type: 'string' } } } } },
      },
    }, async (req, reply) => {
      // A browser asks for text/html first; API clients for JSON or anything.
      const accept = req.headers.accept ?? '';
      if (accept.includes('text/html') && !accept.includes('application/json')) {
        return reply.type('text/html; charset=utf-8').send(htmlLinks(name, links));
      }
      return { name, description, links };
    });
  }
}
