/**
 * `durable-agents audit verify | export`: read the audit trail straight from Postgres
 * (DATABASE_URL, else the embedded server of `durable-agents dev`), as the workers' role:
 * reading is all either needs. No Temporal connection.
 */
import type pg from 'pg';
import { auditRows, verifyAudit } from '../audit/log';
import type { Config } from '../infra/config';
import { createPool, embeddedDatabaseUrl } from '../infra/postgres';
import { durationMs, isDuration } from '../shared/duration';
import type { Out } from './commands';
import { UsageError } from './errors';
import { postgresError } from './postgres-errors';

export interface AuditOptions {
  tenant?: string;
  since?: string;
}

/** `--since`: an ISO date or time, or a duration back from now (`7d`, `12h`). */
export function parseSince(since: string | undefined, now = Date.now()): Date | undefined {
  if (since === undefined) return undefined;
  if (isDuration(since)) return new Date(now - durationMs(since));
  const t = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(since) ? Date.parse(since) : NaN;
  if (Number.isNaN(t)) throw new UsageError(`--since must be an ISO date or time (2025-01-31, 2025-01-31T12:00:00Z) or a duration like 7d or 12h, not "${since}"`);
  return new Date(t);
}

/** Runs `audit <sub> …`. */
export async function auditCommand(config: Config, sub: string | undefined, args: string[], o: AuditOptions, out: Out): Promise<number> {
  if ((sub !== 'verify' && sub !== 'export') || args.length) throw new UsageError('expected: npx durable-agents audit verify [--tenant T] | audit export [--tenant T] [--since WHEN]');
  if (sub === 'verify' && o.since !== undefined) throw new UsageError('audit verify checks whole chains: --since is for audit export');
  const since = parseSince(o.since);
  return withPool(config, (pool) => (sub === 'verify' ? verify(pool, o.tenant, out) : exportRows(pool, o.tenant, since, out)));
}

async function verify(pool: pg.Pool, tenant: string | undefined, out: Out): Promise<number> {
  const { intact, broken } = await verifyAudit(pool, tenant);
  if (!intact.length && !broken.length) {
    out(`no audit rows${tenant !== undefined ? ` for tenant ${tenant}` : ''}`);
    return 0;
  }
  for (const c of intact) {
    const pruned = c.pruned ? ` after an anchor for ${c.pruned} pruned` : '';
    out(`✓ tenant ${c.tenantId}: ${c.rows} rows intact${pruned}; head ${c.head.seq} ${c.head.hash}`);
  }
  for (const b of broken) out(`✗ tenant ${b.tenantId}: broken at row ${b.seq}: ${b.problem}`);
  return broken.length ? 1 : 0;
}

async function exportRows(pool: pg.Pool, tenant: string | undefined, since: Date | undefined, out: Out): Promise<number> {
  for await (const row of auditRows(pool, { ...(tenant !== undefined ? { tenantId: tenant } : {}), ...(since ? { since } : {}) })) out(JSON.stringify(row));
  return 0;
}

async function withPool(config: Config, fn: (pool: pg.Pool) => Promise<number>): Promise<number> {
  const pool = createPool({ connectionString: config.DATABASE_URL ?? embeddedDatabaseUrl(config.EMBEDDED_POSTGRES_PORT), max: 1 });
  try {
    return await fn(pool);
  } catch (err) {
    throw postgresError(config, err, 'the audit tables');
  } finally {
    await pool.end();
  }
}
