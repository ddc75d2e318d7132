// The use cases every route plugin shares, one instance each per app:
// `app.clusters` (with its snapshot cache) and `app.tokens` (with its
// verified-token cache, which the auth hook and the token routes must share
// so that a revocation takes effect at once).
import fp from 'fastify-plugin';
import { ClusterService } from '../service/clusters.js';
import { TokenService } from '../service/tokens.js';
import { ClusterStore } from '../store/clusters.js';
import { TokenStore } from '../store/tokens.js';

declare module 'fastify' {
  interface FastifyInstance {
    clusters: ClusterService;
    tokens: TokenService;
  }
}

export const servicesPlugin = fp<{ dbTimeoutMs?: number }>(
  async (app, opts) => {
    app.decorate('clusters', new ClusterService(new ClusterStore(app.db, { probeTimeoutMs: opts.dbTimeoutMs })));
    app.decorate('tokens', new TokenService(new TokenStore(app.db.prisma)));
  },
  { name: 'podnet-services', dependencies: ['podnet-database'] },
);
