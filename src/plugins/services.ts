// The use cases every route plugin shares, one instance each per app:
// `app.clusters` (with its snapshot cache) and `app.tokens` (with its
// verified-token cache, which the auth hook and the token routes must share
// so that a revocation takes effect at once).
import type { FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';
import { ClusterService } from '../service/clusters.js';
import { TokenService } from '../service/tokens.js';
import { ClusterStore } from '../store/clusters.js';
import type { Db } from '../store/db.js';
import { SoloLease } from '../store/solo-lease.js';
import { TokenStore } from '../store/tokens.js';

declare module 'fastify' {
  interface FastifyInstance {
    clusters: ClusterService;
    tokens: TokenService;
    /** This instance's solo-reads lease (store/solo-lease.ts), or null when off. */
    soloLease: SoloLease | null;
  }
}

/**
 * The lease of each Db's service, or 'shared' once a second service uses
 * the same connections: their writes carry one application_name, so the
 * guard could not tell one's from the other's, and neither may be solo.
 */
const leases = new WeakMap<Db, SoloLease | 'shared'>();

function leaseFor(db: Db, opts: { dbTimeoutMs?: number | undefined }, log: FastifyBaseLogger): SoloLease | null {
  const had = leases.get(db);
  if (had !== undefined) {
    if (had !== 'shared') had.disable();
    leases.set(db, 'shared');
    return null;
  }
  const lease = new SoloLease({
    url: db.url,
    instance: db.instance,
    connectTimeoutMs: opts.dbTimeoutMs,
    log,
    poolNames: async () => {
      const [a] = await db.sql<{ name: string }[]>`SELECT current_setting('application_name') AS name`;
      const [b] = await db.prisma.$queryRaw<{ name: string }[]>`SELECT current_setting('application_name') AS name`;
      return [a!.name, b!.name];
    },
  });
  leases.set(db, lease);
  return lease;
}

export const servicesPlugin = fp<{ dbTimeoutMs?: number; soloReads?: boolean }>(
  async (app, opts) => {
    const lease = opts.soloReads === false ? null : leaseFor(app.db, opts, app.log.child({ component: 'solo-reads' }));
    app.decorate('soloLease', lease);
    const store = new ClusterStore(app.db, { probeTimeoutMs: opts.dbTimeoutMs });
    if (lease) store.onWriteFailed = () => lease.distrust();
    app.decorate('clusters', new ClusterService(store, lease));
    if (lease) {
      app.addHook('onReady', async () => lease.start());
      app.addHook('onClose', async () => {
        await lease.stop();
        if (leases.get(app.db) === lease) leases.delete(app.db);
      });
    }
    app.decorate('tokens', new TokenService(new TokenStore(app.db.prisma)));
  },
  { name: 'podnet-services', dependencies: ['podnet-database'] },
);
