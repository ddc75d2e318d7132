// The database connections as a decorator (`app.db`). When the app was handed
// the means to close them (`close`: podnet serve), it closes them when it
// closes; a test that brings its own database keeps closing it itself.
import fp from 'fastify-plugin';
import type { Db } from '../store/db.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
  }
}

export interface DatabaseOptions {
  db: Db;
  /** Closes the connections (and whatever server they run on). */
  close?: () => Promise<void>;
}

export const databasePlugin = fp<DatabaseOptions>(
  async (app, { db, close }) => {
    app.decorate('db', db);
    if (close) app.addHook('onClose', close);
  },
  { name: 'podnet-database' },
);
