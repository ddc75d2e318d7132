import type { FastifyPluginAsync } from 'fastify';
import type { TokenService } from '../../service/tokens.js';
import { errorResponses, listErrors, noContent, readErrors, sendCreated } from './common.js';
import { tokenNameParam } from '../names.js';

const tokenBody = {
  type: 'object',
  properties: { name: { type: 'string', maxLength: 63 }, scope: { type: 'string', enum: ['read', 'write', 'admin'] } },
  required: ['name', 'scope'],
  additionalProperties: false,
} as const;

const tokenSchema = {
  type: 'object',
  required: ['name', 'scope', 'createdAt', 'lastUsed'],
  properties: {
    name: { type: 'string' }, scope: { type: 'string', enum: ['read', 'write', 'admin'] },
    createdAt: { type: 'string', format: 'date-time' }, lastUsed: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

const createdTokenSchema = {
  ...tokenSchema,
  required: [...tokenSchema.required, 'token'],
  properties: { ...tokenSchema.properties, token: { type: 'string', description: 'The secret: shown only in this answer' } },
} as const;

export const tokenRoutes: FastifyPluginAsync<{ tokens: TokenService }> = async (app, { tokens }) => {
  app.post<{ Body: { name: string; scope: string } }>('/v1/tokens', {
    config: { scope: 'admin' },
    schema: { tags: ['tokens'], summary: 'Create a token; the secret is shown once (admin)', body: tokenBody, response: { 201: createdTokenSchema, ...errorResponses } },
  }, async (req, reply) => {
    const created = await tokens.create(req.body.name, req.body.scope);
    return sendCreated(reply, false, created, 'v1', 'tokens', created.name);
  });
  app.get('/v1/tokens', {
    config: { scope: 'admin' },
    schema: { tags: ['tokens'], summary: 'List tokens (never their secrets) (admin)', response: { 200: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: tokenSchema } } }, ...listErrors } },
  }, async () => ({ items: await tokens.list() }));
  app.delete<{ Params: { name: string } }>('/v1/tokens/:name', {
    config: { scope: 'admin' },
    schema: { tags: ['tokens'], summary: 'Revoke a token (admin)', params: { type: 'object', properties: { name: tokenNameParam }, required: ['name'] }, response: { ...noContent, ...readErrors } },
  }, async (req, reply) => {
    await tokens.revoke(req.params.name);
    return reply.code(204).send();
  });
};
