/**
 * SQL on `budget_counters`. Changes go through the `budget_apply` function (migration
 * 002), which locks a tenant's rows in one stable order, checks limits and applies the
 * deltas in one round trip, so the hot per-scope rows stay locked only until the caller's
 * COMMIT right after it.
 */
import type pg from 'pg';
import type { BudgetScope, CounterLimits, ScopeKind } from './scopes';
import { scopeId } from './scopes';

/** A counter row as read. */
export interface CounterState {
  scope: BudgetScope;
  reservedUsd: number;
  spentUsd: number;
  reservedTokens: number;
  spentTokens: number;
  /** Highest alert threshold (0, 80 or 100) already emitted. */
  alertUsd: number;
  alertTokens: number;
}

/**
 * A change to one counter. USD amounts may be numeric text, so a hold is refunded exactly
 * as it was stored. `limits` are checked (when enforcing) and decide alert levels.
 */
export interface CounterDelta {
  scope: BudgetScope;
  reservedUsd: string | number;
  spentUsd: string | number;
  reservedTokens: number;
  spentTokens: number;
  limits?: CounterLimits;
}

/** A counter after {@link applyCounters}: its new state, or its current one when a limit refused the change. */
export interface AppliedCounter extends CounterState {
  /** Alert levels before this change. */
  previousAlertUsd: number;
  previousAlertTokens: number;
}

/** What {@link applyCounters} did: applied everything, or nothing because `counter` would exceed its `unit` limit. */
export type ApplyOutcome =
  | { ok: true; counters: Map<string, AppliedCounter> }
  | { ok: false; unit: 'usd' | 'tokens'; counter: AppliedCounter };

/** Thrown when a counter row is missing: the caller creates it outside its transaction and retries. */
export class MissingCounters extends Error {
  constructor(readonly scopes: BudgetScope[]) {
    super('budget counters missing');
  }
}

/** Numbers come as numeric text from a query, as JSON numbers from a function's jsonb. */
interface CounterRow {
  kind: ScopeKind;
  subject: string;
  period: string;
  reserved_usd: string | number;
  spent_usd: string | number;
  reserved_tokens: string | number;
  spent_tokens: string | number;
  alert_usd: number;
  alert_tokens: number;
}

/** A row budget_apply returns. */
export interface AppliedRow extends CounterRow {
  old_alert_usd: number;
  old_alert_tokens: number;
  outcome: 'ok' | 'usd' | 'tokens';
}

/** Counter rows known to exist; rows are never deleted while their period is current. Bounded, since periods roll over. */
const known = new Set<string>();
const KNOWN_MAX = 50_000;

/**
 * Creates missing counter rows in a statement of its own (autocommit), so no transaction
 * ever holds a freshly inserted row while it waits to lock an existing one: that would
 * break the lock order and deadlock against a transaction that locked them the other way.
 */
export async function ensureCounters(pool: pg.Pool, tenantId: string, scopes: readonly BudgetScope[], force = false): Promise<void> {
  const missing = force ? [...scopes] : scopes.filter((s) => !known.has(knownKey(tenantId, s)));
  if (missing.length === 0) return;
  await pool.query({
    name: 'budget_ensure_counters',
    text: `INSERT INTO budget_counters (tenant_id, kind, subject, period)
           SELECT $1, k, s, p FROM unnest($2::text[], $3::text[], $4::text[]) AS t(k, s, p) ORDER BY k, s, p
           ON CONFLICT DO NOTHING`,
    values: [tenantId, ...keyArrays(missing)],
  });
  if (known.size + missing.length > KNOWN_MAX) known.clear();
  for (const s of missing) known.add(knownKey(tenantId, s));
}

/**
 * Locks the counters of `deltas` (all of one tenant), and applies the deltas unless
 * `enforce` is set and one would go over a limit. Must run inside a transaction that
 * commits right after; throws {@link MissingCounters} when a row does not exist.
 */
export async function applyCounters(client: pg.PoolClient, tenantId: string, deltas: readonly CounterDelta[], enforce: boolean): Promise<ApplyOutcome> {
  let rows: AppliedRow[];
  try {
    ({ rows } = await client.query<AppliedRow>({
      name: 'budget_apply',
      text: 'SELECT * FROM budget_apply($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)',
      values: [
        tenantId,
        ...keyArrays(deltas.map((d) => d.scope)),
        deltas.map((d) => String(d.reservedUsd)),
        deltas.map((d) => String(d.spentUsd)),
        deltas.map((d) => d.reservedTokens),
        deltas.map((d) => d.spentTokens),
        deltas.map((d) => d.limits?.usd ?? null),
        deltas.map((d) => d.limits?.tokens ?? null),
        enforce,
      ],
    }));
  } catch (err) {
    if (isMissingCounters(err)) throw new MissingCounters(deltas.map((d) => d.scope));
    throw err;
  }
  return outcomeOf(tenantId, rows);
}

/** budget_apply raises P0002 when a counter row does not exist. */
export function isMissingCounters(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'P0002';
}

/** What budget_apply's rows say: every counter applied, or the one that refused. */
export function outcomeOf(tenantId: string, rows: readonly AppliedRow[]): ApplyOutcome {
  const refused = rows.find((r) => r.outcome !== 'ok');
  if (refused) return { ok: false, unit: refused.outcome === 'tokens' ? 'tokens' : 'usd', counter: appliedOf(tenantId, refused) };
  return { ok: true, counters: new Map(rows.map((r) => [scopeId(scopeOf(tenantId, r)), appliedOf(tenantId, r)])) };
}

/** Reads counters without locking, for reports and routing hints. Missing rows read as zero. */
export async function readCounters(pool: pg.Pool, tenantId: string, scopes: readonly BudgetScope[]): Promise<Map<string, CounterState>> {
  const { rows } = await pool.query<CounterRow>({
    name: 'budget_read_counters',
    text: `SELECT kind, subject, period, reserved_usd, spent_usd, reserved_tokens, spent_tokens, alert_usd, alert_tokens
           FROM budget_counters WHERE tenant_id = $1 AND (kind, subject, period) IN (SELECT * FROM unnest($2::text[], $3::text[], $4::text[]))`,
    values: [tenantId, ...keyArrays(scopes)],
  });
  const found = new Map(rows.map((r) => [scopeId(scopeOf(tenantId, r)), stateOf(tenantId, r)]));
  for (const scope of scopes) {
    if (!found.has(scopeId(scope))) {
      found.set(scopeId(scope), { scope, reservedUsd: 0, spentUsd: 0, reservedTokens: 0, spentTokens: 0, alertUsd: 0, alertTokens: 0 });
    }
  }
  return found;
}

/** A delta that only moves a hold: `usd` may be numeric text, e.g. `-0.0123` to refund exactly what was held. */
export function holdDelta(scope: BudgetScope, usd: string | number, tokens: number, limits?: CounterLimits): CounterDelta {
  return { scope, reservedUsd: usd, spentUsd: 0, reservedTokens: tokens, spentTokens: 0, ...(limits ? { limits } : {}) };
}

function keyArrays(scopes: readonly BudgetScope[]): [string[], string[], string[]] {
  return [scopes.map((s) => s.kind), scopes.map((s) => s.subject), scopes.map((s) => s.period)];
}

function knownKey(tenantId: string, scope: BudgetScope): string {
  return `${tenantId}\u0000${scopeId(scope)}`;
}

function scopeOf(tenantId: string, r: CounterRow): BudgetScope {
  return { tenantId, kind: r.kind, subject: r.subject, period: r.period };
}

function stateOf(tenantId: string, r: CounterRow): CounterState {
  return {
    scope: scopeOf(tenantId, r),
    reservedUsd: Number(r.reserved_usd),
    spentUsd: Number(r.spent_usd),
    reservedTokens: Number(r.reserved_tokens),
    spentTokens: Number(r.spent_tokens),
    alertUsd: r.alert_usd,
    alertTokens: r.alert_tokens,
  };
}

function appliedOf(tenantId: string, r: AppliedRow): AppliedCounter {
  return { ...stateOf(tenantId, r), previousAlertUsd: r.old_alert_usd, previousAlertTokens: r.old_alert_tokens };
}

