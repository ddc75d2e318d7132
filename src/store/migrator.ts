// Applies prisma/migrations/<ts>_<name>/migration.sql in order and records
// each in _prisma_migrations exactly as `prisma migrate deploy` does (same
// table, sha256 checksum of the file), so Prisma's own tools agree with us on
// machines that can run them. An advisory lock keeps two instances starting
// at once from applying the same migration twice.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from 'postgres';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prisma/migrations');

/** Arbitrary constant: "podnet" in ASCII, the key of the migration advisory lock. */
const MIGRATION_LOCK_KEY = 0x706f646e6574;

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export function readMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort()
    .map((name) => {
      const buf = fs.readFileSync(path.join(dir, name, 'migration.sql'));
      return { name, sql: buf.toString('utf8'), checksum: createHash('sha256').update(buf).digest('hex') };
    });
}

const CREATE_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`.replace(' UNSIGNED', '');

export class MigrationError extends Error {}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export interface MigrateResult {
  applied: string[];
  checksumMismatches: string[];
}

export async function migrate(sql: Sql, dir = MIGRATIONS_DIR): Promise<MigrateResult> {
  const files = readMigrations(dir);
  const reserved = await sql.reserve();
  try {
    await reserved`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await reserved.unsafe(CREATE_TABLE);
      const rows = await reserved<AppliedRow[]>`
        SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`;
      const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
      if (failed) {
        throw new MigrationError(`migration ${failed.migration_name} failed earlier; resolve it (prisma migrate resolve) before starting`);
      }
      const done = new Map(rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => [r.migration_name, r]));
      const result: MigrateResult = { applied: [], checksumMismatches: [] };
      for (const m of files) {
        const prev = done.get(m.name);
        if (prev) {
          if (prev.checksum !== m.checksum) result.checksumMismatches.push(m.name);
          continue;
        }
        const id = randomUUID();
        // Each migration in its own transaction on the locked connection.
        await reserved.unsafe('BEGIN');
        try {
          await reserved`INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
                         VALUES (${id}, ${m.checksum}, ${m.name}, now(), 0)`;
          await reserved.unsafe(m.sql);
          await reserved`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = ${id}`;
          await reserved.unsafe('COMMIT');
        } catch (err) {
          await reserved.unsafe('ROLLBACK').catch(() => {});
          throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`);
        }
        result.applied.push(m.name);
      }
      return result;
    } finally {
      await reserved`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    reserved.release();
  }
}

/** Names of migrations present on disk but not (successfully) applied. */
export async function pendingMigrations(sql: Sql, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = readMigrations(dir);
  const exists = await sql`SELECT to_regclass('"_prisma_migrations"') AS t`;
  if (!exists[0]?.t) return files.map((f) => f.name);
  const rows = await sql<{ migration_name: string }[]>`
    SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
  const done = new Set(rows.map((r) => r.migration_name));
  return files.map((f) => f.name).filter((n) => !done.has(n));
}
