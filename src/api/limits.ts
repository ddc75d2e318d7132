// The server-level bounds on what one client can hold: how long it may take
// to send its headers and its body, how long an idle connection stays, how
// big a body and a path parameter may be. Slow clients (slowloris, a body
// trickled a byte at a time) are cut by the timeouts, which node checks every
// CHECK_INTERVAL_MS; the handler's own time is not limited here (a 65,000-node
// apply takes as long as it takes once its body has arrived).
import type { ServerOptions } from 'node:http';
import type { FastifyServerOptions } from 'fastify';
import type { Limits } from '../config.js';

/** How often node looks for requests over their headers/request timeout. */
const CHECK_INTERVAL_MS = 250;

/**
 * A DNS-1123 subdomain (a node or pod name) is up to 253 characters; a
 * percent-encoded one may be longer on the wire but the router measures the
 * decoded parameter. Longer parameters are 414 URI_TOO_LONG.
 */
export const MAX_PARAM_LENGTH = 300;

type LimitOptions = Pick<FastifyServerOptions, 'bodyLimit' | 'requestTimeout' | 'keepAliveTimeout' | 'connectionTimeout' | 'routerOptions'> & { http: ServerOptions };

export function serverLimits(limits: Limits): LimitOptions {
  const requestTimeout = limits.requestTimeoutMs;
  // node refuses a headers timeout above the request timeout.
  const headersTimeout = Math.min(limits.headersTimeoutMs, requestTimeout);
  return {
    bodyLimit: limits.bodyLimit,
    requestTimeout,
    keepAliveTimeout: limits.idleTimeoutMs,
    // Socket inactivity is not bounded separately: a long apply is silent on the socket.
    connectionTimeout: 0,
    http: { headersTimeout, requestTimeout, connectionsCheckingInterval: CHECK_INTERVAL_MS },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
  };
}
