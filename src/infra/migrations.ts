/**
 * Versioned SQL migrations from migrations/NNN_name.sql, applied in order at start-up.
 * An advisory lock serialises concurrent starters (several workers booting at once);
 * each file runs in its own transaction with its version row, so a failed migration
 * leaves nothing half-applied. The SHA-256 of each applied file is kept: editing a
 * migration after it ran is refused with the file named, instead of surfacing later as
 * a missing column or function.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import type { Logger } from './logger';
import { transactionOn } from './transaction';
import { PROJECT_ROOT } from './paths';

const LOCK_ID = 7_233_001;

export function migrationsDir(): string {
  return path.join(PROJECT_ROOT, 'migrations');
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
  sha256: string;
}

export function readMigrations(dir = migrationsDir()): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d+_[\w-]+\.sql$/.test(f))
    .map((f) => {
      const sql = fs.readFileSync(path.join(dir, f), 'utf8');
      return { version: Number(f.split('_')[0]), name: f, sql, sha256: createHash('sha256').update(sql).digest('hex') };
    })
    .sort((a, b) => a.version - b.version);
}

/** Applies pending migrations; returns the names applied by this call. */
export async function migrate(pool: pg.Pool, log: Logger, dir = migrationsDir()): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    // Only when missing: a role that may not change the schema (the workers') can still
    // check that everything is applied.
    const { rows: has } = await client.query<{ sha: boolean | null }>(
      "SELECT (SELECT true FROM pg_attribute WHERE attrelid = to_regclass('schema_migrations') AND attname = 'sha256' AND NOT attisdropped) AS sha",
    );
    if (!has[0]?.sha) {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      // Databases migrated before checksums were kept get the column; their rows stay NULL (unchecked).
      await client.query('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS sha256 text');
    }
    const rows = (await client.query<{ version: number; sha256: string | null }>('SELECT version, sha256 FROM schema_migrations')).rows;
    const done = new Map(rows.map((r) => [r.version, r.sha256]));
    for (const m of readMigrations(dir)) {
      if (done.has(m.version)) {
        const recorded = done.get(m.version);
        if (recorded && recorded !== m.sha256) {
          throw new Error(`migration ${m.name} was changed after it was applied to this database; add a new migration instead (or recreate a development database)`);
        }
        continue;
      }
      try {
        await transactionOn(client, async (tx) => {
          await tx.query(m.sql);
          await tx.query('INSERT INTO schema_migrations (version, name, sha256) VALUES ($1, $2, $3)', [m.version, m.name, m.sha256]);
        });
      } catch (err) {
        // 42501: insufficient privilege — the role is not the tables' owner.
        const hint = (err as { code?: string }).code === '42501' ? ` (role ${(await client.query<{ r: string }>('SELECT current_user AS r')).rows[0]?.r} may not change the schema: run migrations as the tables' owner, MIGRATION_DATABASE_URL)` : '';
        throw new Error(`migration ${m.name} failed: ${(err as Error).message}${hint}`);
      }
      applied.push(m.name);
      log.info('migration applied', { migration: m.name });
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => undefined);
    client.release();
  }
  return applied;
}
