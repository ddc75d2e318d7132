import type { FastifyPluginAsync } from 'fastify';
import type { Db } from '../../store/db.js';
import { pendingMigrations } from '../../store/migrator.js';
import { AppError, toAppError } from '../../service/errors.js';
import { sendProblem } from './problem.js';

export const healthRoutes: FastifyPluginAsync<{ db: Db }> = async (app, { db }) => {
  app.get('/healthz', { config: { scope: 'public' }, schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { scope: 'public' }, schema: { hide: true } }, async (req, reply) => {
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
