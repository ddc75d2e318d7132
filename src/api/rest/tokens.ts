import type { FastifyPluginAsync } from 'fastify';
import type { TokenService } from '../../service/tokens.js';
import { errorResponses } from './common.js';

const tokenBody = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 63 }, scope: { type: 'string', enum: ['read', 'write', 'admin'] } },
  required: ['name', 'scope'],
  additionalProperties: false,
} as const;

export const tokenRoutes: FastifyPluginAsync<{ tokens: TokenService }> = async (app, { tokens }) => {
  app.post<{ Body: { name: string; scope: string } }>('/v1/tokens', {
    config: { scope: 'admin' },
    schema: { tags: ['tokens'], summary: 'Create a token; the secret is shown once (admin)', body: tokenBody, response: errorResponses },
  }, async (req, reply) => {
    return reply.code(201).send(await tokens.create(req.body.name, req.body.scope));
  });
  app.get('/v1/tokens', {
    config: { scope: 'admin' },
    schema: { tags: ['tokens'], summary: 'List tokens (never their secrets) (admin)', response: errorResponses },
  }, async () => ({ items: await tokens.list() }));
  app.delete<{ Params: { name: string } }>('/v1/tokens/:name', {
    config: { scope: 'admin' },
    schema: { tags: ['tokens'], summary: 'Revoke a token (admin)', params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] }, response: errorResponses },
  }, async (req, reply) => {
    await tokens.revoke(req.params.name);
    return reply.code(204).send();
  });
};
