// Wires the resource plugins into the app; each API surface stays its own plugin.
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.js';

export async function registerApi(_app: FastifyInstance, _deps: AppDeps): Promise<void> {
  // Resource routes (clusters, nodes, pods, routes, path, verify) and GraphQL register here.
}
