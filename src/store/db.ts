// The two clients podnet talks to PostgreSQL with, one job each: Prisma
// Client for every row-at-a-time read and write (tokens, single nodes and
// pods, the cluster list), postgres.js for the set-based paths (apply's bulk
// writes, the snapshot load, the version probe) and the migrator.
import { PrismaPg } from '@prisma/adapter-pg';
import { randomBytes } from 'node:crypto';
import postgres, { type Sql } from 'postgres';
import { PrismaClient } from '../generated/prisma/client.js';
import { postgresJsTarget } from './db-url.js';

export interface Db {
  sql: Sql;
  /** Statements sent through `sql` so far (tests use it to prove there is no N+1). */
  readonly queries: { count: number };
  prisma: PrismaClient;
  url: string;
  /**
   * This client's name in PostgreSQL (`application_name` of every connection
   * both clients open, unique per connectDb): how the solo-reads guard tells
   * this instance's own writes from anyone else's (solo-lease.ts).
   */
  readonly instance: string;
  close(): Promise<void>;
}

/** `podnet ` and 16 random hex digits: what pg_stat_activity shows for every connection of one connectDb. */
export function newInstanceName(): string {
  return `podnet ${randomBytes(8).toString('hex')}`;
}

/**
 * `url` without an `application_name` parameter, which both clients would
 * otherwise let win over the one podnet sets (and two instances sharing one
 * name would be one instance to the solo-reads guard). A URL the WHATWG
 * parser refuses comes back as it is; the lease then sees the names differ
 * and stays off.
 */
export function withoutApplicationName(url: string): string {
  try {
    const u = new URL(url);
    if (!u.searchParams.has('application_name')) return url;
    u.searchParams.delete('application_name');
    return u.toString();
  } catch {
    return url;
  }
}

/** `connectTimeoutMs` bounds a connection attempt (PODNET_DB_TIMEOUT_MS), so a request during an outage is answered, not held. */
export function connectDb(givenUrl: string, opts: { max?: number; connectTimeoutMs?: number } = {}): Db {
  const queries = { count: 0 };
  const instance = newInstanceName();
  const url = withoutApplicationName(givenUrl);
  const sql = connectPostgresJs(url, {
    connection: { application_name: instance },
    debug: () => {
      queries.count++;
    },
    max: opts.max ?? 10,
    onnotice: () => {},
    idle_timeout: 30,
    connect_timeout: Math.max(1, Math.round((opts.connectTimeoutMs ?? 5000) / 1000)),
    // bigint columns (cluster.version) arrive as JS strings otherwise.
    types: { bigint: postgres.BigInt },
  });
  // pg's timeout also bounds the wait for a free pooled connection, which
  // postgres.js does not bound: 15 s, not 5, so a busy pool is not "unreachable".
  const adapter = new PrismaPg({ connectionString: url, max: opts.max ?? 5, connectionTimeoutMillis: 15_000, application_name: instance });
  const prisma = new PrismaClient({ adapter });
  return {
    sql,
    queries,
    prisma,
    url: givenUrl,
    instance,
    async close() {
      await Promise.allSettled([sql.end({ timeout: 5 }), prisma.$disconnect()]);
    },
  };
}

/**
 * A postgres.js client for the server `url` names as libpq reads it (a
 * `host` or `port` parameter, a Unix-domain socket: see postgresJsTarget),
 * so that it reaches the server node-postgres, Prisma's adapter, reaches.
 */
export function connectPostgresJs(url: string, options: postgres.Options<Record<string, postgres.PostgresType>> = {}): Sql {
  const target = postgresJsTarget(url);
  return target.path !== null ? postgres(target.url, { ...options, path: target.path }) : postgres(target.url, options);
}

/** The same server URL naming another database. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
