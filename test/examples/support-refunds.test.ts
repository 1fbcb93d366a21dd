/**
 * The example support agent's refund tool against a real Postgres: an order's refunds add
 * up. They never exceed what was paid (concurrent refunds included), and beyond $100 in
 * total they need a person's approval, which the model asks for with `requestApproval`.
 */
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import pg from 'pg';
import { createActivities } from '../../src/activities';
import { AgentRegistry } from '../../src/agents/registry';
import { supportAgent } from '../../src/examples/support/agent';
import { refundPayment } from '../../src/examples/support/tools';
import { createLogger } from '../../src/infra/logger';
import { createModelProviders } from '../../src/models/registry';
import { createPolicies, loadPolicyConfig } from '../../src/policies';
import type { ToolOutcome } from '../../src/shared/tool-plan';
import { testEnv } from '../support/harness';

let pool: pg.Pool;
const tenantId = `refunds-${randomUUID().slice(0, 8)}`;
const agents = new AgentRegistry([supportAgent]);

beforeAll(() => {
  pool = new pg.Pool({ connectionString: testEnv().databaseUrl, max: 6 });
});
afterAll(async () => {
  await pool.query('DELETE FROM refunds WHERE order_id IN (SELECT order_id FROM orders WHERE tenant_id = $1)', [tenantId]);
  await pool.query('DELETE FROM orders WHERE tenant_id = $1', [tenantId]);
  await pool.end();
});

const activities = () => {
  const providers = createModelProviders({});
  return createActivities({ db: pool, providers, agents, log: createLogger({}, 'error'), policies: createPolicies(loadPolicyConfig(undefined), { pool, providers }) });
};

/** A new order of `usd` dollars for this test's tenant. */
async function order(usd: number): Promise<string> {
  const id = `TST-${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
  await pool.query("INSERT INTO orders (order_id, tenant_id, customer_name, customer_email, item, amount_cents) VALUES ($1, $2, 'Test Buyer', 'buyer@example.com', 'Test item', $3)", [id, tenantId, usd * 100]);
  return id;
}

/** One refund call as the workflow runs it (after the model step checked its arguments and, if needed, a person approved it). */
async function refund(orderId: string, amountUsd: number, requestApproval?: boolean): Promise<ToolOutcome & { key: string }> {
  const workflowId = `run-${tenantId}-${randomUUID()}`;
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId, runId: 'r1' } } as never);
  const args = { orderId, amountUsd, reason: 'arrived broken', ...(requestApproval ? { requestApproval } : {}) };
  const key = `${workflowId}/1/c1`;
  const out = (await env.run(activities().runTool, { agent: 'support', tool: 'refund_payment', callId: 'c1', args, tenantId, idempotencyKey: key })) as ToolOutcome;
  return { ...out, key };
}

async function refunded(orderId: string): Promise<number> {
  const { rows } = await pool.query<{ cents: string }>("SELECT coalesce(sum(amount_cents), 0)::text AS cents FROM refunds WHERE order_id = $1 AND status = 'issued'", [orderId]);
  return Number(rows[0]!.cents) / 100;
}

test('the approval rule: above $100, or when the model asks for it', () => {
  const rule = refundPayment.requiresApproval as (a: { amountUsd: number; requestApproval?: boolean }) => string | false;
  expect(rule({ amountUsd: 249 })).toBe('refund of $249.00 is above $100');
  expect(rule({ amountUsd: 99 })).toBe(false);
  expect(rule({ amountUsd: 99, requestApproval: true })).toBe("refund of $99.00 takes the order's refunds above $100");
});

test('three $99 refunds of a $249 order: the second needs approval, the third would refund more than was paid', async () => {
  const id = await order(249);
  expect(await refund(id, 99)).toMatchObject({ ok: true, result: { orderId: id, amountUsd: 99, status: 'issued' } });
  const second = await refund(id, 99);
  expect(second.ok === false && second.error).toBe(
    `order ${id} already has $99.00 refunded; with this $99.00 its refunds would total $198.00, above the $100 that needs no approval: call refund_payment again with requestApproval: true so a person approves it`,
  );
  expect(await refunded(id)).toBe(99);
  // Asked again with approval (which the workflow waits for before running it): fine.
  expect((await refund(id, 99, true)).ok).toBe(true);
  const third = await refund(id, 99, true);
  expect(third.ok === false && third.error).toBe(`cannot refund $99.00: order ${id} was $249.00 and $198.00 of it is already refunded (at most $51.00 left)`);
  expect(await refunded(id)).toBe(198);
  expect((await refund(id, 51, true)).ok).toBe(true);
  expect(await refunded(id)).toBe(249);
  expect((await refund(id, 0.01, true)).ok).toBe(false);
});

test('small refunds add up to the approval threshold; a reversed refund no longer counts', async () => {
  const id = await order(249);
  expect((await refund(id, 60)).ok).toBe(true);
  expect((await refund(id, 40)).ok).toBe(true); // exactly $100 in total: no approval needed
  expect((await refund(id, 1)).ok).toBe(false);
  const { rows } = await pool.query<{ refund_id: string }>('SELECT refund_id FROM refunds WHERE order_id = $1 ORDER BY refund_id LIMIT 1', [id]);
  await pool.query("UPDATE refunds SET status = 'reversed', reversed_at = now() WHERE refund_id = $1", [rows[0]!.refund_id]);
  expect((await refund(id, 60)).ok).toBe(true);
  expect(await refunded(id)).toBe(100);
});

test('concurrent refunds of one order are counted one after the other', async () => {
  const id = await order(150);
  const results = await Promise.all([refund(id, 120), refund(id, 120), refund(id, 120)]);
  expect(results.filter((r) => r.ok)).toHaveLength(1);
  for (const r of results.filter((x) => !x.ok)) expect(r.ok === false && r.error).toMatch(/at most \$30\.00 left/);
  expect(await refunded(id)).toBe(120);
});
