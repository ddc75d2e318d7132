// Prometheus metrics at /metrics: request latency, allocations, and the
// utilisation of every cluster this instance holds a snapshot of.
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ClusterService } from '../service/clusters.js';

export function registerMetrics(app: FastifyInstance, service: ClusterService): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'podnet_' });
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
  new Gauge({
    name: 'podnet_cluster_utilization',
    help: 'Share of node blocks in use per cluster and family (clusters this instance has loaded)',
    labelNames: ['cluster', 'family'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const u of service.utilization()) this.set({ cluster: u.cluster, family: u.family }, u.utilization);
    },
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    latency.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
  app.get('/metrics', {
    config: { scope: 'public' },
    schema: {
      tags: ['service'], summary: 'Prometheus metrics: request latency, allocations, utilization of every cluster',
      response: { 200: { description: 'The Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  }, async (_req, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()));
  return registry;
}
