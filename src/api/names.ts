import type { FastifyInstance } from 'fastify';
import { AppError } from '../service/errors.js';

// Names as they may appear in a URL path, checked by the route's params
// schema before any handler runs: a name that no definition could hold (a NUL
// byte, uppercase, a space) is 400 at the edge and never reaches PostgreSQL.
// The patterns accept exactly what the definition reader accepts
// (src/net/names.ts, proven equal in test/api/names.test.ts), so every stored
// object can be addressed.

/** DNS-1123 label: a cluster, a namespace, a subnet. */
export const LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';

/** DNS-1123 subdomain (Kubernetes' own regex, in one group): a node, a pod. */
export const SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** An API token's name (src/service/tokens.ts). */
export const TOKEN_NAME_PATTERN = '^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$';

export const labelParam = { type: 'string', maxLength: 63, pattern: LABEL_PATTERN, description: 'DNS-1123 label' } as const;
export const subdomainParam = { type: 'string', maxLength: 253, pattern: SUBDOMAIN_PATTERN, description: 'DNS-1123 subdomain' } as const;
export const tokenNameParam = { type: 'string', maxLength: 63, pattern: TOKEN_NAME_PATTERN } as const;

/**
 * No URL carries a NUL character (`%00`) to a handler: PostgreSQL cannot
 * store one, and no name, cursor or endpoint may hold one.
 */
export function refuseNulInUrls(app: FastifyInstance): void {
  app.addHook('onRequest', async (req) => {
    if (/%00/i.test(req.url) || req.url.includes('\u0000')) throw new AppError('BAD_REQUEST', 'the URL contains a NUL character (%00)');
  });
}
