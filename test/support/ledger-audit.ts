/**
 * What the budget ledger and the effect table say about a set of runs, for chaos tests:
 * holds left, what the counters and the committed reservations charged, and how often
 * each tool effect happened. Plain Node (no jest): `bench/chaos.ts` prints the same.
 */
import type pg from 'pg';

export interface LedgerAudit {
  /** Reservations still holding budget ('reserved'), with their keys. */
  holdsLeft: Array<{ workflowId: string; activityId: string; attempt: number; reservedUsd: number }>;
  /** Sum of actual_usd over committed reservations. */
  committedUsd: number;
  committedCalls: number;
  /** The tenant counters (every day row): spent and still reserved. */
  counterSpentUsd: number;
  counterReservedUsd: number;
  /** Reservations by status. */
  byStatus: Record<string, number>;
}

/** The ledger of `tenantId` (a tenant used only by the runs under test). */
export async function auditLedger(db: pg.Pool, tenantId: string): Promise<LedgerAudit> {
  const holds = await db.query<{ workflow_id: string; activity_id: string; attempt: number; reserved_usd: string }>(
    `SELECT workflow_id, activity_id, attempt, reserved_usd FROM budget_reservations WHERE tenant_id = $1 AND status = 'reserved' ORDER BY workflow_id, activity_id, attempt`,
    [tenantId],
  );
  const committed = await db.query<{ usd: string | null; n: string }>(
    `SELECT sum(actual_usd) AS usd, count(*) AS n FROM budget_reservations WHERE tenant_id = $1 AND status = 'committed'`,
    [tenantId],
  );
  const counters = await db.query<{ spent: string | null; reserved: string | null }>(
    `SELECT sum(spent_usd) AS spent, sum(reserved_usd) AS reserved FROM budget_counters WHERE tenant_id = $1 AND kind = 'tenant' AND period LIKE 'day:%'`,
    [tenantId],
  );
  const statuses = await db.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM budget_reservations WHERE tenant_id = $1 GROUP BY status`, [tenantId]);
  return {
    holdsLeft: holds.rows.map((r) => ({ workflowId: r.workflow_id, activityId: r.activity_id, attempt: r.attempt, reservedUsd: Number(r.reserved_usd) })),
    committedUsd: Number(committed.rows[0]?.usd ?? 0),
    committedCalls: Number(committed.rows[0]?.n ?? 0),
    counterSpentUsd: Number(counters.rows[0]?.spent ?? 0),
    counterReservedUsd: Number(counters.rows[0]?.reserved ?? 0),
    byStatus: Object.fromEntries(statuses.rows.map((r) => [r.status, Number(r.n)])),
  };
}

/** How often each effect of each run happened: `{ [workflowId]: { 'execute s1': 1, … } }`. */
export async function effectCounts(db: pg.Pool, workflowIds: readonly string[]): Promise<Record<string, Record<string, number>>> {
  const { rows } = await db.query<{ workflow_id: string; kind: string; label: string; n: string }>(
    `SELECT workflow_id, kind, args->>'label' AS label, count(*) AS n FROM tool_effects WHERE workflow_id = ANY($1) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    [workflowIds],
  );
  const out: Record<string, Record<string, number>> = Object.fromEntries(workflowIds.map((id) => [id, {}]));
  for (const r of rows) out[r.workflow_id]![`${r.kind} ${r.label}`] = Number(r.n);
  return out;
}

/** The effects a run of `steps` booking steps must have made, each exactly once and none undone. */
export function expectedEffects(steps: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: steps }, (_, i) => [`execute s${i + 1}`, 1]));
}

/** Money amounts compared to a micro-dollar (numeric sums in SQL are exact; floats in JS are not). */
export function sameUsd(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-6;
}
