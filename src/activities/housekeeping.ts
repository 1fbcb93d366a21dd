/**
 * Housekeeping: deletes rows the policies no longer need. Run by the `housekeeping`
 * workflow from the schedule every worker makes sure of at start-up (HOUSEKEEPING_EVERY,
 * default hourly), or one created by hand (`durable-agents schedule create … --housekeeping`).
 * Each step calls the owning policy module's own prune, so what "expired" means stays
 * defined in one place:
 *
 * - response cache: `ResponseCache.prune()` (src/policies/cache) per namespace — deletes
 *   expired rows and evicts beyond the row cap, oldest first;
 * - budget ledger: `BudgetLedger.releaseStale()` frees holds of attempts that never came
 *   back (a terminated run, a lost worker without retries), then `BudgetLedger.prune()`
 *   deletes settled reservations (committed, released, superseded) older than the
 *   retention; counters stay;
 * - audit trail (when the worker has a retention, AUDIT_RETENTION_DAYS): `archiveAndPrune()`
 *   (src/audit/retention.ts) archives each tenant's old rows to JSONL and leaves an anchor.
 */
import type pg from 'pg';
import { archiveAndPrune, type AuditRetention } from '../audit/retention';
import { BudgetLedger, parseBudgetConfig } from '../policies/budget';
import { ResponseCache } from '../policies/cache';
import type { HousekeepingInput, HousekeepingResult } from '../shared/housekeeping-types';
import type { ActivityDeps } from './index';
import { atActivityBoundary } from './activity-edge';

const DEFAULT_RETENTION_HOURS = 7 * 24;
/**
 * Three times callModel's start-to-close timeout (10 minutes): a live attempt's hold is
 * settled or superseded by then, so a hold this old belongs to an attempt that never came
 * back. Raise it (`staleHoldMinutes`) with any model step allowed to run longer.
 */
export const DEFAULT_STALE_HOLD_MINUTES = 30;

async function tableExists(db: pg.Pool, table: string): Promise<boolean> {
  const { rows } = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]);
  return rows[0]?.t != null;
}

/** Prunes each cache namespace through the cache module; returns rows deleted. */
export async function pruneCache(db: pg.Pool, input: Pick<HousekeepingInput, 'cacheNamespaces' | 'cacheMaxRows'>): Promise<number> {
  const namespaces = input.cacheNamespaces ?? (await db.query<{ namespace: string }>('SELECT DISTINCT namespace FROM response_cache')).rows.map((r) => r.namespace);
  let deleted = 0;
  for (const namespace of namespaces) {
    // prune() reports errors through onError and returns 0; a housekeeping pass must fail (and retry) instead.
    let failure: unknown;
    const cache = new ResponseCache({ pool: db, namespace, l1MaxEntries: 0, ...(input.cacheMaxRows ? { l2MaxRows: input.cacheMaxRows } : {}), onError: (err) => (failure = err) });
    deleted += await cache.prune();
    if (failure) throw failure;
  }
  return deleted;
}

/** Releases holds older than `staleBefore`, then deletes settled reservations older than `olderThan`. */
export async function pruneLedger(db: pg.Pool, staleBefore: Date, olderThan: Date): Promise<{ released: number; deleted: number }> {
  // Neither reads limits; an empty config is enough to build the ledger.
  const ledger = new BudgetLedger({ pool: db, config: parseBudgetConfig({}) });
  const released = await ledger.releaseStale(staleBefore);
  return { released, deleted: await ledger.prune(olderThan) };
}

/** One housekeeping pass: expired cache rows, old ledger reservations, then old audit rows. */
async function prune(db: pg.Pool, input: HousekeepingInput, auditRetention?: AuditRetention): Promise<HousekeepingResult> {
  const result: HousekeepingResult = { cacheRows: 0, released: 0, reservations: 0, skipped: [] };
  if (await tableExists(db, 'response_cache')) result.cacheRows = await pruneCache(db, input);
  else result.skipped.push('response_cache');
  if (await tableExists(db, 'budget_reservations')) {
    const hours = input.reservationRetentionHours ?? DEFAULT_RETENTION_HOURS;
    const staleMinutes = input.staleHoldMinutes ?? DEFAULT_STALE_HOLD_MINUTES;
    const ledger = await pruneLedger(db, new Date(Date.now() - staleMinutes * 60_000), new Date(Date.now() - hours * 3_600_000));
    result.released = ledger.released;
    result.reservations = ledger.deleted;
  } else {
    result.skipped.push('budget_reservations');
  }
  if (auditRetention) {
    if (await tableExists(db, 'audit_log')) {
      const audit = await archiveAndPrune(db, auditRetention);
      result.audit = { archived: audit.archived, pruned: audit.pruned, refused: audit.refused };
      // A broken chain is kept as it is, for `durable-agents audit verify` to show; pruning it would hide the break.
      if (audit.refused.length) throw new Error(`audit rows not pruned: the chain is broken (${audit.refused.map((r) => `tenant ${r.tenantId} row ${r.seq}: ${r.problem}`).join('; ')}); run durable-agents audit verify`);
    } else {
      result.skipped.push('audit_log');
    }
  }
  return result;
}

export function createHousekeepingActivities({ db, auditRetention }: Pick<ActivityDeps, 'db' | 'auditRetention'>) {
  return {
    /** One housekeeping pass: expired cache rows, old ledger reservations, old audit rows. */
    async pruneExpired(input: HousekeepingInput = {}): Promise<HousekeepingResult> {
      return atActivityBoundary(() => prune(db, input, auditRetention));
    },
  };
}
