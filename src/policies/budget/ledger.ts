/**
 * The budget ledger: a model call reserves its worst-case cost before it runs and
 * commits its actual cost after, each as one call of a SQL function (`budget_reserve`,
 * `budget_commit`): they are on the path of every model step, so one round trip each.
 * Every change locks the per-scope counter rows it touches (SELECT ... FOR UPDATE in key
 * order, inside `budget_apply`), so concurrent runs can never spend the same headroom twice. Reservations are keyed by Temporal's (workflow id, activity id, attempt):
 *
 * - reserve and commit are idempotent per attempt, so a repeated call changes nothing;
 * - a new attempt supersedes the uncommitted hold of earlier attempts of the same
 *   activity, so a crashed or timed-out attempt does not hold budget until period end;
 * - a committed attempt stays charged once, whatever happens to the activity afterwards:
 *   its money was spent at the provider.
 */
import type pg from 'pg';
import { inTransaction } from '../../infra/transaction';
import type { BudgetConfig } from './config';
import {
  type AppliedCounter,
  applyCounters,
  type ApplyOutcome,
  type AppliedRow,
  type CounterState,
  ensureCounters,
  holdDelta,
  isMissingCounters,
  MissingCounters,
  outcomeOf,
  readCounters,
} from './counters';
import { BudgetExceededError } from './errors';
import { type BudgetScope, type BudgetUnit, type CounterLimits, type CounterSpec, countersFor, limitsOf, scopeId, type SpendContext } from './scopes';
import type { AttemptRef, BudgetAlert, BudgetCall, BudgetLedgerOptions, CommitResult, CounterReport, Remaining, Reservation, Spend } from './types';

type Status = Reservation['status'];

interface ReservationRow {
  attempt: number;
  tenant_id: string;
  status: Status;
  reserved_usd: string;
  reserved_tokens: string;
  actual_usd: string | null;
  actual_tokens: string | null;
  counters: Array<Omit<BudgetScope, 'tenantId'>>;
}

/** An earlier attempt's hold, superseded by a new reservation (budget_reserve refunded it exactly, in SQL). */
interface StaleHold {
  attempt: number;
  usd: number;
  tokens: number;
  counters: Array<Omit<BudgetScope, 'tenantId'>>;
}

const THRESHOLDS = [80, 100] as const;

const SELECT_ATTEMPT = `SELECT attempt, tenant_id, status, reserved_usd, reserved_tokens, actual_usd, actual_tokens, counters
  FROM budget_reservations WHERE workflow_id = $1 AND activity_id = $2 AND attempt = $3`;

export class BudgetLedger {
  private readonly pool: pg.Pool;
  private readonly config: BudgetConfig;
  private readonly clock: () => number;
  /** Off (`enabled: false`): reserve, commit and release validate their input and charge nothing; no counter is reported, so nothing limits routing either. */
  private readonly enabled: boolean;

  constructor(options: BudgetLedgerOptions) {
    this.pool = options.pool;
    this.config = options.config;
    this.clock = options.clock ?? Date.now;
    this.enabled = options.config.enabled !== false;
  }

  /**
   * Holds `estimate` on every counter the call is charged to, or throws
   * {@link BudgetExceededError} naming the first limit it would exceed (holding nothing).
   * Supersedes uncommitted reservations of earlier attempts of the same activity.
   */
  async reserve(call: BudgetCall, estimate: Spend): Promise<Reservation> {
    const usd = checkAmount(estimate.usd, 'estimate.usd');
    const tokens = Math.ceil(checkAmount(estimate.tokens ?? 0, 'estimate.tokens'));
    if (!this.enabled) return { status: 'reserved', duplicate: false, heldUsd: 0, heldTokens: 0, supersededAttempts: [], remaining: {} };
    const specs = countersFor(this.config, call, this.clock());
    const { status, stale, counters } = await this.callFunction<{ status: 'reserved' | 'duplicate' | 'refused'; stale: StaleHold[]; counters: AppliedRow[] }>(
      'budget_reserve',
      call,
      { usd, tokens },
      specs,
    );
    if (status === 'duplicate') {
      // The claim waited for any concurrent twin to finish, so its row is visible now.
      const row = await this.readAttempt(call);
      if (!row) throw new Error(`reservation of ${call.workflowId}/${call.activityId}#${call.attempt} vanished`);
      return {
        status: row.status,
        duplicate: true,
        heldUsd: Number(row.reserved_usd),
        heldTokens: Number(row.reserved_tokens),
        supersededAttempts: [],
        remaining: await this.remaining(call),
      };
    }
    const applied = outcomeOf(call.tenantId, counters);
    if (status === 'refused' || !applied.ok) {
      if (applied.ok) throw new Error('budget_reserve refused without naming a counter');
      throw exceeded(applied, specs, stale, { usd, tokens });
    }
    const remaining: Remaining = {};
    for (const { scope, limits } of specs) {
      const c = applied.counters.get(scopeId(scope));
      if (!c) continue;
      lower(remaining, 'usd', limits.usd, c.spentUsd + c.reservedUsd);
      lower(remaining, 'tokens', limits.tokens, c.spentTokens + c.reservedTokens);
    }
    return { status: 'reserved', duplicate: false, heldUsd: usd, heldTokens: tokens, supersededAttempts: stale.map((h) => h.attempt).sort((a, b) => a - b), remaining };
  }

  /**
   * Charges the attempt's actual cost once and frees its hold. Never throws for being over
   * a limit: the money is already spent. Works without a prior reservation (charges the
   * call's current counters) and after supersede or release (charges, frees nothing).
   */
  async commit(call: BudgetCall, actual: Spend): Promise<CommitResult> {
    const usd = checkAmount(actual.usd, 'actual.usd');
    const tokens = Math.ceil(checkAmount(actual.tokens ?? 0, 'actual.tokens'));
    if (!this.enabled) return { duplicate: false, chargedUsd: 0, chargedTokens: 0, alerts: [] };
    const current = countersFor(this.config, call, this.clock());
    const row = await this.callFunction<{ status: 'committed' | 'duplicate'; usd: string; tokens: string; counters: AppliedRow[] }>('budget_commit', call, { usd, tokens }, current);
    if (row.status === 'duplicate') return { duplicate: true, chargedUsd: Number(row.usd ?? 0), chargedTokens: Number(row.tokens ?? 0), alerts: [] };
    const applied = outcomeOf(call.tenantId, row.counters);
    return { duplicate: false, chargedUsd: usd, chargedTokens: tokens, alerts: applied.ok ? alertsOf(applied.counters, (scope) => limitsOf(this.config, call, scope)) : [] };
  }

  /**
   * Frees an attempt's hold without charging, e.g. after the provider refused the call.
   * Returns false when there was no hold (never reserved, already released, superseded or committed).
   */
  async release(ref: AttemptRef): Promise<boolean> {
    if (!this.enabled) return false;
    return this.withCounters([], () => inTransaction(this.pool, async (client) => {
      const row = await this.lockAttempt(client, ref);
      if (row?.status !== 'reserved') return false;
      await client.query({
        name: 'budget_release',
        text: `UPDATE budget_reservations SET status = 'released', updated_at = now() WHERE workflow_id = $1 AND activity_id = $2 AND attempt = $3`,
        values: [ref.workflowId, ref.activityId, ref.attempt],
      });
      const refunds = scopesOf(row).map((scope) => holdDelta(scope, `-${row.reserved_usd}`, -Number(row.reserved_tokens)));
      await applyCounters(client, row.tenant_id, refunds, false);
      return true;
    }));
  }

  /** Headroom the call's scopes have left now (no locks: a hint for routing, not a promise). */
  async remaining(ctx: SpendContext): Promise<Remaining> {
    const remaining: Remaining = {};
    for (const c of await this.report(ctx)) {
      lower(remaining, 'usd', c.limits.usd, c.spentUsd + c.reservedUsd);
      lower(remaining, 'tokens', c.limits.tokens, c.spentTokens + c.reservedTokens);
    }
    return remaining;
  }

  /** The counters a call in `ctx` would be charged to now, with limits, spend and holds. */
  async report(ctx: SpendContext): Promise<CounterReport[]> {
    if (!this.enabled) return [];
    const specs = countersFor(this.config, ctx, this.clock());
    const states = await readCounters(this.pool, ctx.tenantId, specs.map((s) => s.scope));
    return specs.map(({ scope, limits }) => ({ ...(states.get(scopeId(scope)) as CounterState), limits }));
  }

  /** Deletes committed, released and superseded reservations last changed before `olderThan`; returns how many. Counters are kept. */
  async prune(olderThan: Date): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM budget_reservations WHERE status IN ('committed', 'released', 'superseded') AND updated_at < $1`,
      [olderThan],
    );
    return rowCount ?? 0;
  }

  /**
   * Releases holds older than `olderThan` whose activity never came back (its workflow was
   * terminated, or its last attempt crashed). Pick `olderThan` beyond the longest model
   * activity's start-to-close timeout. Returns how many holds were freed.
   */
  async releaseStale(olderThan: Date, batch = 500): Promise<number> {
    const { rows } = await this.pool.query<{ workflow_id: string; activity_id: string; attempt: number }>(
      `SELECT workflow_id, activity_id, attempt FROM budget_reservations WHERE status = 'reserved' AND updated_at < $1 LIMIT $2`,
      [olderThan, batch],
    );
    let freed = 0;
    for (const r of rows) {
      if (await this.release({ workflowId: r.workflow_id, activityId: r.activity_id, attempt: r.attempt })) freed++;
    }
    return freed;
  }

  /** Locks one attempt's reservation row, if any, for this transaction. */
  private async lockAttempt(client: pg.PoolClient, ref: AttemptRef): Promise<ReservationRow | undefined> {
    const { rows } = await client.query<ReservationRow>({ name: 'budget_lock_attempt', text: `${SELECT_ATTEMPT} FOR UPDATE`, values: [ref.workflowId, ref.activityId, ref.attempt] });
    return rows[0];
  }

  private async readAttempt(ref: AttemptRef): Promise<ReservationRow | undefined> {
    const { rows } = await this.pool.query<ReservationRow>({ name: 'budget_read_attempt', text: SELECT_ATTEMPT, values: [ref.workflowId, ref.activityId, ref.attempt] });
    return rows[0];
  }

  /**
   * Calls `budget_reserve` or `budget_commit` (same parameters): the attempt, the amount,
   * and the counters it is charged to with their limits. Returns the function's one row.
   */
  private async callFunction<R extends pg.QueryResultRow>(fn: 'budget_reserve' | 'budget_commit', call: BudgetCall, amount: { usd: number; tokens: number }, specs: readonly CounterSpec[]): Promise<R> {
    const counters = JSON.stringify(specs.map((s) => withoutTenant(s.scope)));
    const { rows } = await this.withCounters(specs.map((s) => s.scope), () =>
      this.pool.query<R>({
        name: fn,
        text: `SELECT * FROM ${fn}($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        values: [call.workflowId, call.activityId, call.attempt, call.tenantId, call.agent ?? null, String(amount.usd), amount.tokens, counters, ...limitArrays(specs)],
      }),
    );
    return rows[0]!;
  }

  /**
   * Runs `fn` after making sure the counter rows of `scopes` exist, and again when one was
   * missing after all (creating it first, in a statement of its own).
   */
  private async withCounters<T>(scopes: readonly BudgetScope[], fn: () => Promise<T>): Promise<T> {
    if (scopes[0]) await ensureCounters(this.pool, scopes[0].tenantId, scopes);
    for (let tries = 1; ; tries++) {
      try {
        return await fn();
      } catch (err) {
        const missing = err instanceof MissingCounters ? err.scopes : isMissingCounters(err) ? scopes : [];
        if (tries >= 3 || !missing[0]) throw err;
        await ensureCounters(this.pool, missing[0].tenantId, missing, true);
      }
    }
  }
}

/** The error for a reservation `budget_apply` refused. Holds of superseded attempts were about to be freed, so they do not count as others' holds. */
function exceeded(refused: Extract<ApplyOutcome, { ok: false }>, specs: CounterSpec[], stale: StaleHold[], requested: { usd: number; tokens: number }): BudgetExceededError {
  const { counter, unit } = refused;
  const id = scopeId(counter.scope);
  const freed = stale.filter((h) => h.counters.some((c) => scopeId({ tenantId: counter.scope.tenantId, ...c }) === id));
  const limits = specs.find((s) => scopeId(s.scope) === id)?.limits ?? {};
  if (unit === 'usd') {
    const held = counter.reservedUsd - freed.reduce((sum, h) => sum + Number(h.usd), 0);
    return new BudgetExceededError(counter.scope, 'usd', limits.usd ?? 0, counter.spentUsd, held, requested.usd);
  }
  const held = counter.reservedTokens - freed.reduce((sum, h) => sum + Number(h.tokens), 0);
  return new BudgetExceededError(counter.scope, 'tokens', limits.tokens ?? 0, counter.spentTokens, held, requested.tokens);
}

/** Thresholds each counter's alert level rose past in this commit, tenant, agent, run, flow; day before month. */
function alertsOf(counters: Map<string, AppliedCounter>, limitsFor: (scope: BudgetScope) => CounterLimits): BudgetAlert[] {
  const alerts: BudgetAlert[] = [];
  const rank = (s: BudgetScope): number => ['tenant', 'agent', 'run', 'flow'].indexOf(s.kind) * 2 + (s.period.startsWith('month:') ? 1 : 0);
  for (const c of [...counters.values()].sort((a, b) => rank(a.scope) - rank(b.scope))) {
    const limits = limitsFor(c.scope);
    for (const threshold of THRESHOLDS) {
      if (c.previousAlertUsd < threshold && c.alertUsd >= threshold) alerts.push({ scope: c.scope, unit: 'usd', threshold, limit: limits.usd ?? 0, spent: c.spentUsd });
    }
    for (const threshold of THRESHOLDS) {
      if (c.previousAlertTokens < threshold && c.alertTokens >= threshold) alerts.push({ scope: c.scope, unit: 'tokens', threshold, limit: limits.tokens ?? 0, spent: c.spentTokens });
    }
  }
  return alerts;
}

/** The counters' keys and limits as the parallel arrays budget_reserve and budget_commit take. */
function limitArrays(specs: readonly CounterSpec[]): [string[], string[], string[], Array<number | null>, Array<number | null>] {
  return [
    specs.map((s) => s.scope.kind),
    specs.map((s) => s.scope.subject),
    specs.map((s) => s.scope.period),
    specs.map((s) => s.limits.usd ?? null),
    specs.map((s) => s.limits.tokens ?? null),
  ];
}

function scopesOf(row: ReservationRow): BudgetScope[] {
  return row.counters.map((c) => ({ tenantId: row.tenant_id, kind: c.kind, subject: c.subject, period: c.period }));
}

function withoutTenant(scope: BudgetScope): Omit<BudgetScope, 'tenantId'> {
  return { kind: scope.kind, subject: scope.subject, period: scope.period };
}

/** Lowers `remaining[unit]` to what `limit` leaves after `used`, if there is a limit. */
function lower(remaining: Remaining, unit: BudgetUnit, limit: number | undefined, used: number): void {
  if (limit === undefined) return;
  const left = Math.max(0, limit - used);
  remaining[unit] = Math.min(remaining[unit] ?? Infinity, left);
}

function checkAmount(value: number, field: string): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${field} must be a finite non-negative number, got ${value}`);
  return value;
}
