// The two ways podnet talks to PostgreSQL: Prisma for typed single-row reads
// and simple writes, postgres.js for set-based bulk writes and the
// transactions that allocate (it is measured faster for both).
import { PrismaPg } from '@prisma/adapter-pg';
import postgres, { type Sql } from 'postgres';
import { PrismaClient } from '../generated/prisma/client.js';

export interface Db {
  sql: Sql;
  /** Statements sent through `sql` so far (tests use it to prove there is no N+1). */
  readonly queries: { count: number };
  prisma: PrismaClient;
  url: string;
  close(): Promise<void>;
}

export function connectDb(url: string, opts: { max?: number } = {}): Db {
  const queries = { count: 0 };
  const sql = postgres(url, {
    debug: () => {
      queries.count++;
    },
    max: opts.max ?? 10,
    onnotice: () => {},
    idle_timeout: 30,
    connect_timeout: 5,
    // bigint columns (cluster.version) arrive as JS strings otherwise.
    types: { bigint: postgres.BigInt },
  });
  const adapter = new PrismaPg({ connectionString: url, max: opts.max ?? 5, connectionTimeoutMillis: 5000 });
  const prisma = new PrismaClient({ adapter });
  return {
    sql,
    queries,
    prisma,
    url,
    async close() {
      await Promise.allSettled([sql.end({ timeout: 5 }), prisma.$disconnect()]);
    },
  };
}
