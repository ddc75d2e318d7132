// /openapi.json and the Swagger UI at /docs, generated from the routes' own
// schemas. What is true of every route is added here, in one place, rather
// than repeated in each: errors are application/problem+json (RFC 9457), every
// body may also be YAML, public routes need no token (`security: []`), each
// operation has an operationId, and third-party asset routes are not API.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { BODY_MEDIA_TYPES } from './rest/conventions.js';
import { problemSchema } from './rest/problem.js';


const ERROR_DESCRIPTIONS: Record<string, string> = {
  400: 'Bad request: an unknown query parameter (UNKNOWN_PARAMETER), a malformed body or parameter',
  401: 'No valid bearer token (UNAUTHORIZED)',
  403: "The token's scope is too small (FORBIDDEN)",
  404: 'No such cluster, node, pod, token or endpoint',
  409: 'Conflict: it exists already, or the pod CIDR is exhausted or taken',
  413: 'The body is too large',
  415: 'The body is of an unsupported media type (the problem lists the accepted ones)',
  422: 'The definition is invalid: `errors` lists every problem with its path',
  503: 'The database is not reachable, or migrations are not applied',
};

/** operationIds by route, named as a client library would call them. */
const OPERATION_IDS: Record<string, string> = {
  'GET /': 'getRoot',
  'GET /v1': 'getApiRoot',
  'GET /healthz': 'getLiveness',
  'GET /readyz': 'getReadiness',
  'GET /metrics': 'getMetrics',
  'POST /graphql': 'postGraphql',
  'GET /graphql': 'getGraphql',
  'GET /graphql/schema.graphql': 'getGraphqlSchema',
  'POST /v1/clusters': 'createCluster',
  'GET /v1/clusters': 'listClusters',
  'GET /v1/clusters/:name': 'getCluster',
  'PUT /v1/clusters/:name': 'applyCluster',
  'DELETE /v1/clusters/:name': 'deleteCluster',
  'POST /v1/clusters/:name/import': 'importCluster',
  'POST /v1/clusters/:name/nodes': 'addNode',
  'GET /v1/clusters/:name/nodes': 'listNodes',
  'GET /v1/clusters/:name/nodes/:node': 'getNode',
  'DELETE /v1/clusters/:name/nodes/:node': 'removeNode',
  'GET /v1/clusters/:name/nodes/:node/routes': 'getNodeRoutes',
  'POST /v1/clusters/:name/nodes/:node/audit': 'auditNode',
  'POST /v1/clusters/:name/pods': 'addPod',
  'GET /v1/clusters/:name/pods': 'listPods',
  'GET /v1/clusters/:name/pods/:ns/:pod': 'getPod',
  'DELETE /v1/clusters/:name/pods/:ns/:pod': 'removePod',
  'GET /v1/clusters/:name/pods/:ns/:pod/routes': 'getPodRoutes',
  'GET /v1/clusters/:name/path': 'getPath',
  'GET /v1/clusters/:name/verify': 'verifyCluster',
  'POST /v1/tokens': 'createToken',
  'GET /v1/tokens': 'listTokens',
  'DELETE /v1/tokens/:name': 'revokeToken',
};

/** A route no table names: `GET /v1/clusters/:name/things` → `getClustersThings`. */
function derivedOperationId(method: string, url: string): string {
  const words = url.split('/').filter((s) => s !== '' && !s.startsWith(':') && s !== 'v1').flatMap((s) => s.split(/[^A-Za-z0-9]+/));
  return method.toLowerCase() + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

/** Routes that are assets of a browser page, not operations. */
const isAsset = (url: string) => url === '/graphiql' || url.startsWith('/graphiql/') || url === '/openapi.json';

type Schema = Record<string, unknown>;

/** POST|GET /graphql answer GraphQL responses, errors included (`extensions.code` holds the podnet code). */
const graphqlResponse = {
  type: 'object',
  properties: {
    data: { type: 'object', nullable: true, additionalProperties: true },
    errors: {
      type: 'array',
      items: {
        type: 'object', required: ['message'], additionalProperties: true,
        properties: { message: { type: 'string' }, extensions: { type: 'object', additionalProperties: true, properties: { code: { type: 'string' } } } },
      },
    },
  },
} as const;

const GRAPHQL_DOCS: Record<string, Schema> = {
  POST: { summary: 'A GraphQL query or mutation (the SDL is at /graphql/schema.graphql; GraphiQL at /graphiql)' },
  GET: { summary: 'A GraphQL query in the query string (no mutations)' },
};

interface TransformInput { schema: Schema | undefined; url: string; route: RouteOptions }

/** Adds to one route's documentation what is true of every route. */
export function documentRoute({ schema, url, route }: TransformInput): { schema: Schema; url: string } {
  const method = [route.method].flat()[0]!;
  const doc: Schema = { ...(schema ?? {}) };
  if (isAsset(url)) return { schema: { ...doc, hide: true }, url };
  const graphql = url === '/graphql';
  if (graphql) Object.assign(doc, { tags: ['graphql'], ...GRAPHQL_DOCS[method] });
  doc.operationId ??= OPERATION_IDS[`${method} ${url}`] ?? derivedOperationId(method, url);
  if (route.config?.scope === 'public') doc.security = [];
  if (doc.body) doc.consumes = [...BODY_MEDIA_TYPES];
  const responses: Schema = { ...((doc.response as Schema | undefined) ?? {}) };
  // Every route can refuse an unknown query parameter; every route that needs a token, a missing one.
  responses[400] ??= {};
  if (route.config?.scope !== 'public') {
    responses[401] ??= {};
    responses[403] ??= {};
  }
  if (doc.body) {
    responses[413] ??= {};
    responses[415] ??= {};
  }
  if (graphql) {
    delete responses['2xx'];
    responses[200] = { description: 'The GraphQL response', content: { 'application/json': { schema: graphqlResponse } } };
  }
  for (const status of Object.keys(responses)) {
    if (Number(status) >= 400) {
      const content = graphql ? { 'application/json': { schema: graphqlResponse } } : { 'application/problem+json': { schema: problemSchema } };
      responses[status] = { description: ERROR_DESCRIPTIONS[status] ?? 'Error', content };
    }
  }
  doc.response = responses;
  return { schema: doc, url };
}

/** The API's version (info.version): bumped when the REST contract changes. */
const API_VERSION = '0.1.0';

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'podnet',
        description: 'Network planning for Kubernetes-style pod networks: allocation, route tables, hop-by-hop paths, verification.',
        version: API_VERSION,
        license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
      },
      servers: [{ url: '/', description: 'This podnet server' }],
      tags: [
        { name: 'clusters', description: 'Cluster definitions, applied declaratively' },
        { name: 'nodes', description: 'One node at a time: its pod CIDRs' },
        { name: 'pods', description: 'One pod at a time: its IPs' },
        { name: 'routes', description: 'Generated route tables' },
        { name: 'paths', description: 'Hop-by-hop paths, simulated over the route tables' },
        { name: 'verify', description: 'Whole-cluster verification' },
        { name: 'tokens', description: 'API tokens (admin)' },
        { name: 'graphql', description: 'The same model over GraphQL' },
        { name: 'service', description: 'Liveness, readiness, metrics and links' },
      ],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: ({ schema, url, route }) => documentRoute({ schema: schema as Schema | undefined, url, route }),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { config: { scope: 'public' }, schema: { hide: true } }, async () => app.swagger());
}
