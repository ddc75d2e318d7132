// Wires the resource plugins into the app; each API surface stays its own plugin.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';
import { ClusterService } from '../service/clusters.js';
import { graphqlPlugin } from './graphql/index.js';
import { clusterRoutes } from './rest/clusters.js';
import { networkRoutes } from './rest/network.js';
import { auditRoutes } from './rest/audit.js';
import { nodeRoutes } from './rest/nodes.js';
import { podRoutes } from './rest/pods.js';
import { tokenRoutes } from './rest/tokens.js';
import { registerMetrics } from './metrics.js';
import { TokenService } from '../service/tokens.js';
import { ClusterStore } from '../store/clusters.js';
import { TokenStore } from '../store/tokens.js';

/** `tokens` is the instance the auth hook checks with, so a revocation takes effect at once. */
export async function registerApi(app: FastifyInstance, deps: AppDeps, tokens = new TokenService(new TokenStore(deps.db.prisma))): Promise<ClusterService> {
  const service = new ClusterService(new ClusterStore(deps.db));
  registerMetrics(app, service, { auth: deps.config.metricsAuth });
  await app.register(tokenRoutes, { tokens });
  await app.register(clusterRoutes, { service });
  await app.register(nodeRoutes, { service });
  await app.register(auditRoutes, { service });
  await app.register(podRoutes, { service });
  await app.register(networkRoutes, { service });
  await app.register(graphqlPlugin, { service });
  return service;
}
