import type { FastifyPluginAsync } from 'fastify';
import type { Db } from '../../store/db.js';
import { pendingMigrations } from '../../store/migrator.js';
import { AppError, toAppError } from '../../service/errors.js';
import { problemSchema, sendProblem } from './problem.js';

const statusSchema = (status: string) => ({ type: 'object', required: ['status'], properties: { status: { type: 'string', enum: [status] } } }) as const;

export const healthRoutes: FastifyPluginAsync<{ db: Db }> = async (app, { db }) => {
  app.get('/healthz', {
    config: { scope: 'public' },
    schema: { tags: ['service'], summary: 'Liveness: the process answers', response: { 200: statusSchema('ok') } },
  }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    config: { scope: 'public' },
    schema: {
      tags: ['service'], summary: 'Readiness: the database is reachable and every migration is applied',
      response: { 200: statusSchema('ready'), 503: problemSchema },
    },
  }, async (req, reply) => {
    try {
      const pending = await withTimeout(pendingMigrations(db.sql), 2000);
      if (pending.length > 0) {
        return sendProblem(reply, new AppError('NOT_READY', `migrations not applied: ${pending.join(', ')}`));
      }
      return { status: 'ready' };
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'readiness check failed');
      const e = toAppError(err);
      return sendProblem(reply, e.status === 503 ? e : new AppError('DATABASE_UNAVAILABLE', 'the database is not reachable'));
    }
  });
};

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new AppError('DATABASE_UNAVAILABLE', 'database check timed out')), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}
