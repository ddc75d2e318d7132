// Prometheus metrics at /metrics: request latency, allocations, and the
// node-block utilisation of every stored cluster. /metrics needs a read token
// (Prometheus sends it with `authorization: {credentials: …}` in its scrape
// config), since its labels name the clusters; PODNET_METRICS_AUTH=off makes
// it public.
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ClusterService } from '../service/clusters.js';
import type { FastPathStats } from './graphql/fast-path.js';
import type { FamilyUtilization } from '../service/views.js';

/** Scrapes within this window share one aggregate read of every cluster's usage. */
export const UTILIZATION_TTL_MS = 5_000;

/**
 * prom-client's default collector also exports these gauges with a `_total`
 * suffix, which Prometheus keeps for counters (promtool check metrics): the
 * same figures remain, per type, in the metrics without it.
 */
const TOTAL_GAUGES = ['podnet_nodejs_active_handles_total', 'podnet_nodejs_active_requests_total', 'podnet_nodejs_active_resources_total'];

/** The last utilisation read, reused for UTILIZATION_TTL_MS (and kept when a read fails). */
export class UtilizationCache {
  private last: { at: number; rows: FamilyUtilization[] } | null = null;
  private pending: Promise<FamilyUtilization[]> | null = null;

  constructor(private readonly service: ClusterService, private readonly now: () => number = Date.now) {}

  async rows(onError: (err: unknown) => void): Promise<FamilyUtilization[]> {
    if (this.last && this.now() - this.last.at < UTILIZATION_TTL_MS) return this.last.rows;
    this.pending ??= this.service.utilization().then(
      (rows) => {
        this.last = { at: this.now(), rows };
        return rows;
      },
      (err) => {
        onError(err);
        return this.last?.rows ?? [];
      },
    ).finally(() => { this.pending = null; });
    return this.pending;
  }
}

export function registerMetrics(app: FastifyInstance, service: ClusterService, opts: { auth: boolean; fastPath?: FastPathStats }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'podnet_' });
  for (const name of TOTAL_GAUGES) registry.removeSingleMetric(name);
  const latency = new Histogram({
    name: 'podnet_http_request_duration_seconds',
    help: 'HTTP request latency by route template',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Counter({
    name: 'podnet_allocations_total',
    help: 'Pod CIDR blocks (kind=node) and pod IPs (kind=pod) allocated by this instance',
    labelNames: ['kind'] as const,
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ kind: 'node' }, service.stats.nodesAllocated);
      this.inc({ kind: 'pod' }, service.stats.podsAllocated);
    },
  });
  const fastPath = opts.fastPath;
  if (fastPath) {
    new Counter({
      name: 'podnet_graphql_fast_path_total',
      help: 'GraphQL path queries answered by the path executor (outcome=served), or handed to mercurius (outcome=fallback: an error, a variable that does not coerce)',
      labelNames: ['outcome'] as const,
      registers: [registry],
      collect() {
        this.reset();
        this.inc({ outcome: 'served' }, fastPath.served);
        this.inc({ outcome: 'fallback' }, fastPath.fellBack);
      },
    });
  }
  const lease = app.soloLease;
  new Gauge({
    name: 'podnet_solo_reads',
    help: '1 while this instance is the only one attached to its database and answers reads without a version probe (PODNET_SOLO_READS), else 0',
    registers: [registry],
    collect() {
      this.set(lease?.isSolo ? 1 : 0);
    },
  });
  new Counter({
    name: 'podnet_snapshot_reads_unprobed_total',
    help: 'Reads of a stored cluster answered from its snapshot without a version probe (solo reads)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(service.cache.stats.unprobed);
    },
  });
  const utilization = new UtilizationCache(service);
  const onError = (err: unknown) => app.log.warn({ err: (err as Error).message }, 'metrics: cluster utilization not read');
  new Gauge({
    name: 'podnet_cluster_utilization',
    help: 'Share of node blocks in use (0..1) per cluster and address family, for every stored cluster',
    labelNames: ['cluster', 'family'] as const,
    registers: [registry],
    async collect() {
      const rows = await utilization.rows(onError);
      this.reset();
      for (const u of rows) this.set({ cluster: u.cluster, family: u.family }, u.utilization);
    },
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    latency.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', {
    config: { scope: opts.auth ? 'read' : 'public' },
    schema: {
      tags: ['service'],
      summary: 'Prometheus metrics: request latency, allocations, utilization of every cluster',
      description: 'Needs a read token; public with PODNET_METRICS_AUTH=off.',
      response: { 200: { description: 'The Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  }, async (_req, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()));
  return registry;
}
