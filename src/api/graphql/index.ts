// GraphQL at /graphql (GraphiQL at /graphiql, the SDL at
// /graphql/schema.graphql). Documents are bounded before anything executes:
// in tokens (parser), in depth and in cost (validation rules below), each
// refusal with its own extensions.code. Errors carry the REST codes.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  GraphQLError, Kind, type ASTVisitor, type ExecutionResult, type FragmentDefinitionNode, type SelectionSetNode,
  type ValidationContext, type ValidationRule,
} from 'graphql';
import mercurius, { type MercuriusContext } from 'mercurius';
import { readFileSync } from 'node:fs';
import type { ClusterService } from '../../service/clusters.js';
import { AppError, toAppError } from '../../service/errors.js';
import { scopeAllows } from '../../service/tokens.js';
import { bearerChallenge } from '../auth.js';
import { boundedProblems, DETAIL_MAX } from '../rest/problem.js';
import { clip } from '../../net/clip.js';
import { checkNesting, checkVariables, noNulStringsRule } from './bounds.js';
import { documentCost, knownCost } from './cost.js';
import { PathFastPath, type FastPathStats } from './fast-path.js';
import { graphiqlRoutes } from './graphiql.js';
import { buildResolvers, clustersOf } from './resolvers.js';

/** The SDL, served verbatim. */
export const schemaSdl = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');

/**
 * Limits. Depth counts fields from the root (`cluster { nodes { name } }` is 3),
 * not introspection, which graphql-js bounds itself (MaxIntrospectionDepthRule).
 * Cost is priced by the real sizes of the clusters a query names (see
 * cost.ts): roughly, the fields it would resolve. `{ cluster(name: "demo")
 * { nodes { name routeTable } } }` on a 4-node cluster costs 37, but every
 * route table of a 5,000-node cluster (25M routes) is refused. Big
 * definitions go in variables, which the token limit ignores.
 */
export const LIMITS = { maxDepth: 8, maxCost: 50_000, maxTokens: 10_000 } as const;

export const graphqlPlugin: FastifyPluginAsync<{ service: ClusterService; fastPath?: boolean; fastPathStats?: FastPathStats }> = async (app, { service, fastPath = true, fastPathStats }) => {
  let fast: PathFastPath | null = null;
  /** A `path` query mercurius has run twice is answered by fast-path.ts, or handed on to mercurius's handler. */
  const pathFastPath = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!fast || req.method !== 'POST' || req.validationError) return;
    const body = req.body as { query?: unknown; operationName?: unknown; variables?: unknown } | null;
    if (body === null || typeof body !== 'object' || typeof body.query !== 'string' || !fast.knows(body.query)) return;
    const answer = await fast.run(body.query, body.operationName, body.variables, { app, reply });
    if (answer === null) return;
    return reply.type('application/json; charset=utf-8').send(answer);
  };
  await app.register(mercurius, {
    schema: schemaSdl,
    resolvers: buildResolvers(service),
    path: '/graphql',
    // GET and POST /graphql need a read token; mutations also need write (preExecution below).
    additionalRouteOptions: { config: { scope: 'read' }, ...(fastPath ? { preHandler: pathFastPath } : {}) },
    graphiql: false, // its page loads React and GraphiQL from a CDN: graphiql.ts serves ours
    jit: 1,
    validationRules: [queryLimitsRule, noNulStringsRule],
    graphql: { parseOptions: { maxTokens: LIMITS.maxTokens } },
    errorFormatter: formatGraphqlErrors,
  });

  if (fastPath) {
    fast = new PathFastPath(app.graphql.schema, fastPathStats, (err) =>
      app.log.warn({ err }, 'graphql path executor: an unexpected error; the request went to mercurius'));
  }

  app.graphql.addHook('preParsing', async (_schema, source) => { checkNesting(source); });

  // HTTP-level auth let the request in with at least `read`; a document that
  // holds a mutation also needs `write` (SPEC §8).
  app.graphql.addHook('preExecution', async (schema, document, context, variables) => {
    checkVariables(variables);
    const mutates = document.definitions.some((d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === 'mutation');
    const scope = context.reply.request.podnetScope;
    if (mutates && !scopeAllows(scope, 'write')) {
      throw new AppError('FORBIDDEN', `this token has scope "${scope}"; mutations need "write"`);
    }
    // Priced here, not in validation: the price depends on the clusters' sizes,
    // loaded through the request's loader (the resolvers reuse what it loads).
    // A document priced before that names no cluster (every `path` query) costs what it cost then: no loader, no await.
    const cost = knownCost(document) ?? await documentCost(schema, document, variables, clustersOf(context, service));
    if (cost > LIMITS.maxCost) {
      throw new GraphQLError(`the operation costs ${cost}; the limit is ${LIMITS.maxCost} (each field counts once per object it is resolved on: ask for fewer fields or shorter lists)`, {
        extensions: { code: 'QUERY_TOO_COMPLEX', cost, limit: LIMITS.maxCost },
      });
    }
    // Parsed, validated and priced within the limits: fast-path.ts takes a `path` document after mercurius' second run of it.
    fast?.learn((context as { __currentQuery?: unknown }).__currentQuery, document);
  });

  await app.register(graphiqlRoutes);

  app.get('/graphql/schema.graphql', {
    config: { scope: 'public' },
    schema: {
      tags: ['graphql'], summary: 'The GraphQL schema (SDL)',
      response: { 200: { description: 'The SDL', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  }, async (_req, reply) =>
    reply.type('text/plain; charset=utf-8').send(schemaSdl),
  );
};

// What one query may cost: depth, aliases and the priced size, checked before it runs.

const isIntrospection = (name: string): boolean => name === '__schema' || name === '__type';

/** Refuses an operation deeper than LIMITS.maxDepth (its cost is judged before execution, see preExecution). */
export const queryLimitsRule: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  OperationDefinition(op) {
    const fragment = (name: string) => context.getFragment(name);
    const label = op.name ? `operation "${op.name.value}"` : 'the operation';
    const depth = depthOf(op.selectionSet, fragment);
    if (depth > LIMITS.maxDepth) {
      context.reportError(new GraphQLError(`${label} is ${depth} levels deep; the limit is ${LIMITS.maxDepth}`, {
        nodes: [op], extensions: { code: 'QUERY_TOO_DEEP', depth, limit: LIMITS.maxDepth },
      }));
    }
    return false;
  },
});

type FragmentLookup = (name: string) => FragmentDefinitionNode | null | undefined;

/** Fields from the root to the deepest leaf; fragments expanded (memoised), introspection not counted. */
function depthOf(root: SelectionSetNode, fragment: FragmentLookup): number {
  const memo = new Map<string, number>();
  const walk = (set: SelectionSetNode): number => {
    let max = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (!isIntrospection(sel.name.value)) max = Math.max(max, 1 + (sel.selectionSet ? walk(sel.selectionSet) : 0));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        max = Math.max(max, walk(sel.selectionSet));
      } else {
        const name = sel.name.value;
        if (!memo.has(name)) {
          memo.set(name, 0); // a cycle counts nothing more: NoFragmentCyclesRule reports it
          const def = fragment(name);
          memo.set(name, def ? walk(def.selectionSet) : 0);
        }
        max = Math.max(max, memo.get(name)!);
      }
    }
    return max;
  };
  return walk(root);
}

// Errors as GraphQL answers them: the problem's code and fields in `extensions`.

type FormattedError = ReturnType<GraphQLError['toJSON']>;

const FASTIFY_CODES: Record<string, string> = {
  // The request is not a GraphQL request: no query, a query that is not a string, variables that are not JSON.
  FST_ERR_VALIDATION: 'MALFORMED_QUERY',
  MER_ERR_GQL_VALIDATION: 'MALFORMED_QUERY',
  MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND: 'MALFORMED_QUERY',
  MER_ERR_METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'MALFORMED_BODY',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'MALFORMED_BODY',
};

interface RequestProblem { code?: unknown; statusCode?: unknown; errors?: unknown }

/**
 * Every error gets `extensions.code`: the REST code for what resolvers throw
 * (AppError, NetError), a GraphQL code for what is wrong with the document.
 * Unexpected errors are logged and shown as `internal error` / INTERNAL.
 * The status is 200 whenever execution started, else 400 (or the request
 * error's own 4xx): bad input is never a 500.
 */
export function formatGraphqlErrors(execution: ExecutionResult & { errors: readonly GraphQLError[] }, ctx: MercuriusContext): { statusCode: number; response: ExecutionResult } {
  const log = ctx.reply?.log ?? ctx.app.log;
  let status = 200;
  let executed = execution.data !== undefined && execution.data !== null;
  const errors: FormattedError[] = [];
  for (const err of execution.errors.flatMap(expandRequestError)) {
    // graphql-jit's errors have no extensions unless the original had some.
    const orig = err.originalError as (Error & RequestProblem) | undefined;
    const given = err.extensions?.code;
    if (err.path) executed = true;
    if (typeof given === 'string') {
      errors.push(withCode(err, err.message, { ...err.extensions }));
    } else if (!orig || isGraphQLError(orig)) {
      const code = err.message.startsWith('Syntax Error: Document contains more that') ? 'QUERY_TOO_LARGE'
        : err.message.startsWith('Syntax Error') ? 'GRAPHQL_PARSE_FAILED' : 'GRAPHQL_VALIDATION_FAILED';
      errors.push(withCode(err, err.message, { code }));
    } else if (typeof orig.code === 'string' && /^(MER|FST)_ERR_/.test(orig.code) && typeof orig.statusCode === 'number' && orig.statusCode < 500) {
      status = orig.statusCode;
      // A mutation sent by GET: only POST may carry it (RFC 9110 §15.5.6: a 405 names what is allowed).
      if (orig.code === 'MER_ERR_METHOD_NOT_ALLOWED') ctx.reply?.header('allow', 'POST');
      errors.push(withCode(err, err.message, { code: FASTIFY_CODES[orig.code] ?? 'BAD_REQUEST' }));
    } else {
      const app = toAppError(orig);
      if (app.status >= 500) log.error({ err: orig }, 'graphql resolver failed');
      if (app.code === 'UNAUTHORIZED' || app.code === 'FORBIDDEN') {
        status = app.status;
        if (ctx.reply) bearerChallenge(ctx.reply, app.code);
      }
      const listed = app.errors ? { errors: boundedProblems(app.errors), errorCount: app.errors.length, ...app.extra } : app.extra;
      errors.push(withCode(err, app.message, { ...listed, code: app.code }));
    }
  }
  if (!executed && status === 200) status = 400;
  return { statusCode: status, response: { data: execution.data ?? null, errors: errors as unknown as GraphQLError[] } };
}

/** mercurius wraps every parse/validation error of a request in one MER_ERR_GQL_VALIDATION holding them in `.errors`. */
function expandRequestError(err: GraphQLError): GraphQLError[] {
  const orig = err.originalError as RequestProblem | undefined;
  const inner = orig?.code === 'MER_ERR_GQL_VALIDATION' ? orig.errors : undefined;
  if (!Array.isArray(inner) || inner.length === 0) return [err];
  return inner.map((e: Error) => (isGraphQLError(e) ? e : new GraphQLError(e.message, { originalError: e })));
}

/**
 * By name, not instanceof: under tsx this module may load graphql's ESM build
 * while mercurius requires the CommonJS one, two distinct GraphQLError classes.
 */
function isGraphQLError(e: unknown): e is GraphQLError {
  return e instanceof Error && e.name === 'GraphQLError';
}

function withCode(err: GraphQLError, message: string, extensions: Record<string, unknown>): FormattedError {
  const locations = err.locations && err.locations.length > 0 ? { locations: err.locations } : {};
  // Bounded: graphql-js quotes a bad variable's value whole.
  return { message: clip(message, DETAIL_MAX), ...locations, ...(err.path ? { path: err.path } : {}), extensions };
}
