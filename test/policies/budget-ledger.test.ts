import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type BudgetCall, BudgetExceededError, BudgetLedger, parseBudgetConfig, type Reservation } from '../../src/policies/budget';

const databaseUrl = process.env.TEST_DATABASE_URL;
if (!databaseUrl) throw new Error('TEST_DATABASE_URL is not set: run through jest (global-setup.ts)');
const pool = new pg.Pool({ connectionString: databaseUrl, max: 20 });
afterAll(() => pool.end());

/** A fresh tenant id per test, so test files and tests never share counters. */
const tenant = (): string => `t-${randomUUID()}`;

function ledgerFor(tenants: Record<string, unknown>, extra: Record<string, unknown> = {}, clock?: () => number): BudgetLedger {
  return new BudgetLedger({ pool, config: parseBudgetConfig({ tenants, ...extra }), ...(clock ? { clock } : {}) });
}

function call(tenantId: string, over: Partial<BudgetCall> = {}): BudgetCall {
  return { tenantId, workflowId: `run-${tenantId}`, activityId: '1', attempt: 1, ...over };
}

async function tenantDay(ledger: BudgetLedger, tenantId: string) {
  const [day] = await ledger.report({ tenantId, workflowId: 'any' });
  if (!day) throw new Error('no tenant day counter');
  return day;
}

describe('BudgetLedger under concurrency', () => {
  it('lets 50 concurrent reservations against a small limit never overspend', async () => {
    const t = tenant();
    const ledger = ledgerFor({ [t]: { dailyUsd: 1 } });
    const calls = Array.from({ length: 50 }, (_, i) => call(t, { workflowId: `run-${t}-${i}` }));
    const results = await Promise.allSettled(calls.map((c) => ledger.reserve(c, { usd: 0.1 })));

    const granted = calls.filter((_, i) => results[i]?.status === 'fulfilled');
    const rejected = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(granted).toHaveLength(10);
    expect(rejected).toHaveLength(40);
    for (const err of rejected) {
      expect(err).toBeInstanceOf(BudgetExceededError);
      const e = err as BudgetExceededError;
      expect(e.type).toBe('BudgetExceeded');
      expect(e.scope).toMatchObject({ tenantId: t, kind: 'tenant', subject: '' });
      expect(e.unit).toBe('usd');
      expect(e.limit).toBe(1);
      expect(e.requested).toBe(0.1);
      expect(e.spent + e.reserved).toBeCloseTo(1, 9);
    }

    await Promise.all(granted.map((c) => ledger.commit(c, { usd: 0.1 })));
    const day = await tenantDay(ledger, t);
    expect(day.spentUsd).toBeLessThanOrEqual(1);
    expect(day.spentUsd).toBeCloseTo(1, 9);
    expect(day.reservedUsd).toBe(0);
  });

  it('stays consistent when calls of different agents race on a new period (no deadlock, no overspend)', async () => {
    const t = tenant();
    const ledger = ledgerFor({ [t]: { monthlyUsd: 2, agents: { a: { dailyUsd: 0.5 }, b: { dailyUsd: 10 } } } });
    const calls = Array.from({ length: 50 }, (_, i) => call(t, { agent: i % 2 ? 'a' : 'b', workflowId: `run-${t}-${i}` }));
    const results = await Promise.allSettled(calls.map((c) => ledger.reserve(c, { usd: 0.1 })));
    const granted = calls.filter((_, i) => results[i]?.status === 'fulfilled');
    // Agent a stops at its own daily limit; the tenant's monthly limit caps everyone.
    expect(granted.filter((c) => c.agent === 'a').length).toBeLessThanOrEqual(5);
    expect(granted).toHaveLength(20);
    await Promise.all(granted.map((c) => ledger.commit(c, { usd: 0.05 })));
    const a = granted.filter((c) => c.agent === 'a').length * 0.05;
    const counters = await ledger.report({ tenantId: t, agent: 'a', workflowId: 'x' });
    expect(counters.map((c) => [c.scope.kind, c.scope.period.slice(0, 3), Number(c.spentUsd.toFixed(9)), c.reservedUsd])).toEqual([
      ['tenant', 'day', 1, 0],
      ['tenant', 'mon', 1, 0],
      ['agent', 'day', Number(a.toFixed(9)), 0],
      ['agent', 'mon', Number(a.toFixed(9)), 0],
    ]);
  });
});

describe('BudgetLedger retries', () => {
  it('holds once when the same attempt reserves twice, even concurrently', async () => {
    const t = tenant();
    const ledger = ledgerFor({ [t]: { dailyUsd: 1 } });
    const [a, b] = await Promise.all([ledger.reserve(call(t), { usd: 0.3 }), ledger.reserve(call(t), { usd: 0.3 })]);
    expect([a?.duplicate, b?.duplicate].sort()).toEqual([false, true]);
    const again = await ledger.reserve(call(t), { usd: 0.3 });
    expect(again).toMatchObject<Partial<Reservation>>({ status: 'reserved', duplicate: true, heldUsd: 0.3 });
    expect((await tenantDay(ledger, t)).reservedUsd).toBeCloseTo(0.3, 9);
  });

  it('charges once when the same attempt commits twice', async () => {
    const t = tenant();
    const ledger = ledgerFor({ [t]: { dailyUsd: 1 } });
    await ledger.reserve(call(t), { usd: 0.3 });
    const first = await ledger.commit(call(t), { usd: 0.2, tokens: 100 });
    const second = await ledger.commit(call(t), { usd: 0.2, tokens: 100 });
    expect(first).toMatchObject({ duplicate: false, chargedUsd: 0.2, chargedTokens: 100 });
    expect(second).toMatchObject({ duplicate: true, chargedUsd: 0.2, chargedTokens: 100, alerts: [] });
    const day = await tenantDay(ledger, t);
    expect([day.spentUsd, day.reservedUsd, day.spentTokens]).toEqual([0.2, 0, 100]);
    // A repeated reserve after the commit reports the committed state and holds nothing.
    expect(await ledger.reserve(call(t), { usd: 0.3 })).toMatchObject({ status: 'committed', duplicate: true });
    expect((await tenantDay(ledger, t)).reservedUsd).toBe(0);
  });

  it('charges once when the same attempt commits twice at the same moment, reserved or not', async () => {
    const t = tenant();
    const ledger = ledgerFor({ [t]: { dailyUsd: 1 } });
    await ledger.reserve(call(t, { activityId: 'held' }), { usd: 0.3 });
    const pairs = await Promise.all(
      ['held', 'unheld'].map((activityId) => Promise.all([ledger.commit(call(t, { activityId }), { usd: 0.1 }), ledger.commit(call(t, { activityId }), { usd: 0.1 })])),
    );
    for (const pair of pairs) expect(pair.map((c) => c.duplicate).sort()).toEqual([false, true]);
    const day = await tenantDay(ledger, t);
    expect(day.spentUsd).toBeCloseTo(0.2, 9);
    expect(day.reservedUsd).toBe(0);
  });

  it('changes nothing when a retry is refused: the earlier hold stays and its attempt can still commit', async () => {
    const t = tenant();
    const ledger = ledgerFor({ [t]: { dailyUsd: 1 } });
    await ledger.reserve(call(t, { attempt: 1 }), { usd: 0.4 });
    await ledger.commit(call(t, { activityId: 'other' }), { usd: 0.5 });
    // Even with attempt 1's hold freed, 0.5 spent + 0.7 is over the limit: refused, attempt 1 not superseded.
    await expect(ledger.reserve(call(t, { attempt: 2 }), { usd: 0.7 })).rejects.toMatchObject({ name: 'BudgetExceededError' });
    expect((await tenantDay(ledger, t)).reservedUsd).toBeCloseTo(0.4, 9);
    await ledger.commit(call(t, { attempt: 1 }), { usd: 0.3 });
    const day = await tenantDay(ledger, t);
    expect([day.spentUsd, day.reservedUsd]).toEqual([0.8, 0]);
    const rows = await pool.query('SELECT attempt, status FROM budget_reservations WHERE workflow_id = $1 AND activity_id = $2 ORDER BY attempt', [`run-${t}`, '1']);
    expect(rows.rows).toEqual([{ attempt: 1, status: 'committed' }]);
  });

  it('lets a new attempt supersede the hold of the attempt it retries', async () => {
    const t = tenant();
    const ledger = ledgerFor({ [t]: { dailyUsd: 1 } });
    await ledger.reserve(call(t, { attempt: 1 }), { usd: 0.7 });
    // Attempt 1 timed out without a word; attempt 2 would not fit next to its hold, but replaces it.
    const second = await ledger.reserve(call(t, { attempt: 2 }), { usd: 0.6 });
    expect(second).toMatchObject({ status: 'reserved', supersededAttempts: [1], remaining: { usd: expect.closeTo(0.4, 9) } });
    expect((await tenantDay(ledger, t)).reservedUsd).toBeCloseTo(0.6, 9);
    // Attempt 1 was a zombie that did reach the provider after all: its cost is real and charged, its hold is already gone.
    expect(await ledger.commit(call(t, { attempt: 1 }), { usd: 0.1 })).toMatchObject({ duplicate: false, chargedUsd: 0.1 });
    await ledger.commit(call(t, { attempt: 2 }), { usd: 0.5 });
    const day = await tenantDay(ledger, t);
    expect(day.spentUsd).toBeCloseTo(0.6, 9);
    expect(day.reservedUsd).toBe(0);
  });

  it('keeps an attempt that committed and then failed charged once when the activity retries', async () => {
    const t = tenant();
    const ledger = ledgerFor({ [t]: { dailyUsd: 1 } });
    await ledger.reserve(call(t, { attempt: 1 }), { usd: 0.5 });
    await ledger.commit(call(t, { attempt: 1 }), { usd: 0.4 });
    const retry = await ledger.reserve(call(t, { attempt: 2 }), { usd: 0.5 });
    expect(retry.supersededAttempts).toEqual([]);
    expect(await ledger.commit(call(t, { attempt: 1 }), { usd: 0.4 })).toMatchObject({ duplicate: true });
    const day = await tenantDay(ledger, t);
    expect(day.spentUsd).toBeCloseTo(0.4, 9);
    expect(day.reservedUsd).toBeCloseTo(0.5, 9);
    await expect(ledger.reserve(call(t, { activityId: '2' }), { usd: 0.2 })).rejects.toBeInstanceOf(BudgetExceededError);
  });

  it('releases a hold once, and charges a commit that had no reservation', async () => {
    const t = tenant();
    const ledger = ledgerFor({ [t]: { dailyUsd: 1 } });
    await ledger.reserve(call(t), { usd: 0.9 });
    expect(await ledger.release(call(t))).toBe(true);
    expect(await ledger.release(call(t))).toBe(false);
    expect(await ledger.release(call(t, { activityId: 'never' }))).toBe(false);
    await ledger.commit(call(t, { activityId: 'unreserved' }), { usd: 0.25 });
    const day = await tenantDay(ledger, t);
    expect([day.spentUsd, day.reservedUsd]).toEqual([0.25, 0]);
  });
});

describe('BudgetLedger limits and alerts', () => {
  it('fires the 80% and 100% alerts once per scope and period', async () => {
    const t = tenant();
    const ledger = ledgerFor({ [t]: { dailyUsd: 1 } });
    const spend = async (i: number, usd: number) => (await ledger.commit(call(t, { activityId: String(i) }), { usd })).alerts.map((a) => [a.scope.kind, a.unit, a.threshold]);
    expect(await spend(1, 0.5)).toEqual([]);
    expect(await spend(2, 0.35)).toEqual([['tenant', 'usd', 80]]);
    expect(await spend(3, 0.1)).toEqual([]);
    expect(await spend(4, 0.1)).toEqual([['tenant', 'usd', 100]]);
    expect(await spend(5, 0.1)).toEqual([]);
    // Over the limit, even a call estimated at nothing (an unpriced model) is refused.
    await expect(ledger.reserve(call(t, { activityId: '6' }), { usd: 0 })).rejects.toBeInstanceOf(BudgetExceededError);
  });

  it('fires both thresholds when one commit jumps past them, with limit and spend', async () => {
    const t = tenant();
    const ledger = ledgerFor({ [t]: { agents: { bot: { dailyTokens: 1000 } } } });
    const { alerts } = await ledger.commit(call(t, { agent: 'bot' }), { usd: 0, tokens: 1200 });
    expect(alerts).toEqual([
      { scope: expect.objectContaining({ kind: 'agent', subject: 'bot' }), unit: 'tokens', threshold: 80, limit: 1000, spent: 1200 },
      { scope: expect.objectContaining({ kind: 'agent', subject: 'bot' }), unit: 'tokens', threshold: 100, limit: 1000, spent: 1200 },
    ]);
    const err = await ledger.reserve(call(t, { agent: 'bot', activityId: '2' }), { usd: 0, tokens: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BudgetExceededError);
    expect((err as BudgetExceededError).message).toMatch(/^budget exceeded: agent "t-.*\/bot" day:\d{4}-\d\d-\d\d tokens limit 1000; spent 1200/);
  });

  it('caps one run, tightened by the run itself', async () => {
    const t = tenant();
    const ledger = ledgerFor({ [t]: { runCapUsd: 1 } });
    await ledger.reserve(call(t, { runCapUsd: 0.5 }), { usd: 0.3 });
    const err = (await ledger.reserve(call(t, { runCapUsd: 0.5, activityId: '2' }), { usd: 0.3 }).catch((e: unknown) => e)) as BudgetExceededError;
    expect(err.scope).toMatchObject({ kind: 'run', subject: `run-${t}`, period: 'run' });
    expect([err.limit, err.reserved, err.requested]).toEqual([0.5, 0.3, 0.3]);
    // Another run of the same tenant has its own cap.
    await ledger.reserve(call(t, { workflowId: `other-${t}` }), { usd: 0.9 });
  });

  it('holds the runs of one flow to the flow budget together, and no other run', async () => {
    const t = tenant();
    const ledger = ledgerFor({});
    const flowBudget = { flowId: `flow-${t}`, usd: 0.05 };
    const a = call(t, { workflowId: `${flowBudget.flowId}/a`, flowBudget });
    const b = call(t, { workflowId: `${flowBudget.flowId}/b`, flowBudget });
    await ledger.reserve(a, { usd: 0.04 });
    await expect(ledger.reserve(b, { usd: 0.04 })).rejects.toMatchObject({ scope: { kind: 'flow', subject: flowBudget.flowId }, limit: 0.05, reserved: 0.04 });
    // A run outside the flow is not held to it.
    await expect(ledger.reserve(call(t, { workflowId: 'elsewhere' }), { usd: 0.04 })).resolves.toMatchObject({ status: 'reserved' });
    const { alerts } = await ledger.commit(a, { usd: 0.01 });
    expect(alerts).toEqual([]);
    await expect(ledger.reserve(b, { usd: 0.04 })).resolves.toMatchObject({ status: 'reserved', remaining: { usd: expect.closeTo(0, 9) } });
    expect((await ledger.commit(b, { usd: 0.04 })).alerts.map((x) => [x.scope.kind, x.threshold])).toEqual([['flow', 80], ['flow', 100]]);
  });

  it('charges a commit to the UTC day it reserved in, and starts each day afresh', async () => {
    const t = tenant();
    let now = Date.parse('2025-06-30T23:59:59Z');
    const ledger = ledgerFor({ [t]: { dailyUsd: 1 } }, {}, () => now);
    await ledger.reserve(call(t), { usd: 0.9 });
    now = Date.parse('2025-07-01T00:00:01Z');
    await ledger.reserve(call(t, { activityId: '2' }), { usd: 0.9 });
    await ledger.commit(call(t), { usd: 0.8 });
    const [today, month] = await ledger.report({ tenantId: t, workflowId: 'x' });
    expect([today?.scope.period, today?.spentUsd, today?.reservedUsd]).toEqual(['day:2025-07-01', 0, 0.9]);
    expect(month?.scope.period).toBe('month:2025-07');
    now = Date.parse('2025-06-30T12:00:00Z');
    expect((await tenantDay(ledger, t)).spentUsd).toBe(0.8);
  });

  it('rejects negative or non-finite amounts', async () => {
    const ledger = ledgerFor({});
    await expect(ledger.reserve(call(tenant()), { usd: -1 })).rejects.toThrow('estimate.usd must be a finite non-negative number');
    await expect(ledger.commit(call(tenant()), { usd: Number.NaN })).rejects.toThrow('actual.usd');
  });
});

describe('BudgetLedger housekeeping', () => {
  it('prunes finished reservations and releases stale holds', async () => {
    const t = tenant();
    const ledger = ledgerFor({ [t]: { dailyUsd: 1 } });
    await ledger.reserve(call(t, { activityId: 'done' }), { usd: 0.1 });
    await ledger.commit(call(t, { activityId: 'done' }), { usd: 0.1 });
    await ledger.reserve(call(t, { activityId: 'stuck' }), { usd: 0.5 });
    const rows = async () =>
      (await pool.query<{ activity_id: string; status: string }>('SELECT activity_id, status FROM budget_reservations WHERE tenant_id = $1 ORDER BY activity_id', [t])).rows;

    // Other suites' runs share this table, so assert on this tenant's rows, not on counts.
    await ledger.prune(new Date(Date.now() - 60_000));
    expect(await rows()).toEqual([
      { activity_id: 'done', status: 'committed' },
      { activity_id: 'stuck', status: 'reserved' },
    ]);
    const future = new Date(Date.now() + 60_000);
    expect(await ledger.releaseStale(future)).toBeGreaterThanOrEqual(1);
    expect(await rows()).toEqual([
      { activity_id: 'done', status: 'committed' },
      { activity_id: 'stuck', status: 'released' },
    ]);
    expect((await tenantDay(ledger, t)).reservedUsd).toBe(0);
    expect(await ledger.prune(future)).toBeGreaterThanOrEqual(2);
    expect(await rows()).toEqual([]);
    expect((await tenantDay(ledger, t)).spentUsd).toBe(0.1);
  });
});

describe('BudgetLedger turned off', () => {
  it('holds, charges, writes and limits nothing with enabled: false, whatever the limits', async () => {
    const t = tenant();
    const off = ledgerFor({ [t]: { dailyUsd: 0.01 } }, { enabled: false });
    const c = call(t);
    await expect(off.reserve(c, { usd: 1 })).resolves.toEqual({ status: 'reserved', duplicate: false, heldUsd: 0, heldTokens: 0, supersededAttempts: [], remaining: {} });
    await expect(off.commit(c, { usd: 1, tokens: 100 })).resolves.toEqual({ duplicate: false, chargedUsd: 0, chargedTokens: 0, alerts: [] });
    expect(await off.release(c)).toBe(false);
    expect(await off.remaining(c)).toEqual({});
    await expect(off.reserve(c, { usd: -1 })).rejects.toThrow('estimate.usd');

    const rows = await pool.query('SELECT 1 FROM budget_reservations WHERE tenant_id = $1', [t]);
    expect(rows.rowCount).toBe(0);
    expect(await tenantDay(ledgerFor({ [t]: { dailyUsd: 0.01 } }), t)).toMatchObject({ spentUsd: 0, reservedUsd: 0 });
  });
});
