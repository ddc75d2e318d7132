// Wires the resource plugins into the app; each API surface stays its own
// plugin, handed the shared services the app decorated itself with.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { graphqlPlugin } from './graphql/index.js';
import { clusterRoutes } from './rest/clusters.js';
import { networkRoutes } from './rest/network.js';
import { auditRoutes } from './rest/audit.js';
import { nodeRoutes } from './rest/nodes.js';
import { podRoutes } from './rest/pods.js';
import { tokenRoutes } from './rest/tokens.js';
import { registerMetrics } from './metrics.js';

export async function registerApi(app: FastifyInstance, config: Config): Promise<void> {
  const service = app.clusters;
  const fastPathStats = { served: 0, fellBack: 0 };
  registerMetrics(app, service, { auth: config.metricsAuth, fastPath: fastPathStats });
  await app.register(tokenRoutes, { tokens: app.tokens });
  await app.register(clusterRoutes, { service });
  await app.register(nodeRoutes, { service });
  await app.register(auditRoutes, { service });
  await app.register(podRoutes, { service });
  await app.register(networkRoutes, { service });
  await app.register(graphqlPlugin, { service, fastPath: config.graphqlFastPath, fastPathStats });
}
