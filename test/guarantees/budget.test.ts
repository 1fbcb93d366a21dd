/**
 * Promise: a run never overspends its budget, and the ledger charges exactly what the
 * providers answered — across retries, continue-as-new and concurrent runs on one budget.
 * The ledger is read from Postgres; what the provider answered is counted at the provider.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { costOf } from '../../src/models/pricing';
import type { ModelProvider, ModelRequest } from '../../src/models/types';
import type { AgentRunInput } from '../../src/shared/run-types';
import { AGENT_RUN_WORKFLOW } from '../../src/workflows/agent/definitions';
import { testAgent } from '../fixtures/test-agents';
import { startHarness, type Harness } from '../support/harness';
import { scriptedByTask } from '../support/scripted-by-task';
import { params, timeoutFor } from './property';

const { model: scripted, scripts } = scriptedByTask();
const USAGE = { inputTokens: 50, outputTokens: 1000 };
const CALL_USD = costOf('openai:gpt-4o', USAGE).usd;
/** What the provider answered, per task: the money that was really spent. */
const answered = new Map<string, number>();
const taskOf = (req: ModelRequest) => req.messages.find((m) => m.role === 'user')?.content ?? '';
const priced: ModelProvider = {
  name: 'openai',
  async complete(req, opts) {
    const res = await scripted.complete(req, opts);
    answered.set(taskOf(req), (answered.get(taskOf(req)) ?? 0) + 1);
    return { ...res, usage: USAGE, model: 'openai:gpt-4o' };
  },
};

/** A server that ignores the output bound it is sent: 20,000 output tokens whatever the request says. */
const unbounded: ModelProvider = {
  name: 'anthropic',
  async complete(req, opts) {
    return { ...(await scripted.complete(req, opts)), usage: { inputTokens: 50, outputTokens: 20_000 }, model: 'anthropic:claude-3-5-haiku' };
  },
};

const run = randomUUID().slice(0, 8);
const DAILY = { tenant: `daily-${run}`, usd: 0.2 };

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    agents: [testAgent('spender', 'openai:gpt-4o', { maxSteps: 60, maxOutputTokens: 1000 }), testAgent('overrun', 'anthropic:claude-3-5-haiku', { maxOutputTokens: 1000 })],
    providers: [scripted, priced, unbounded],
    sdkLogLevel: 'ERROR',
    policies: { budget: { tenants: { [DAILY.tenant]: { dailyUsd: DAILY.usd } } } },
  });
});
afterAll(() => h?.shutdown());

/** `steps` steps of a no-op tool, then an answer. */
function script(task: string, steps: number): void {
  scripts.set(task, [...Array.from({ length: steps }, () => ({ toolCalls: [{ name: 'noop', arguments: {} }] })), { content: 'done' }]);
}

async function startRun(input: Omit<AgentRunInput, 'agent'>): Promise<string> {
  const id = `budget-${randomUUID()}`;
  await h.temporal.workflow.start(AGENT_RUN_WORKFLOW, { taskQueue: h.taskQueue, workflowId: id, args: [{ agent: 'spender', ...input }] });
  return id;
}

async function counter(tenantId: string, kind: string, subject: string): Promise<{ spent: number; reserved: number }> {
  const { rows } = await h.pool.query<{ spent: string; reserved: string }>(
    'SELECT COALESCE(sum(spent_usd), 0) AS spent, COALESCE(sum(reserved_usd), 0) AS reserved FROM budget_counters WHERE tenant_id = $1 AND kind = $2 AND subject = $3',
    [tenantId, kind, subject],
  );
  return { spent: Number(rows[0]!.spent), reserved: Number(rows[0]!.reserved) };
}

async function liveHolds(ids: string[]): Promise<number> {
  const { rows } = await h.pool.query("SELECT 1 FROM budget_reservations WHERE workflow_id = ANY($1) AND status = 'reserved'", [ids]);
  return rows.length;
}

test(
  'concurrent runs sharing a budget, continuing as new: the ledger equals what the provider answered and never passes the limit',
  async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          runs: fc.array(fc.record({ steps: fc.integer({ min: 1, max: 14 }), historyEventLimit: fc.integer({ min: 12, max: 40 }) }), { minLength: 1, maxLength: 3 }),
          limitUsd: fc.constantFrom(0.025, 0.05, 0.09, 0.2),
        }),
        async ({ runs, limitUsd }) => {
          const tenantId = `t-${randomUUID().slice(0, 8)}`;
          const flowBudget = { flowId: `shared-${randomUUID()}`, usd: limitUsd };
          const tasks = runs.map((r) => {
            const task = `spend ${randomUUID()}`;
            script(task, r.steps);
            return task;
          });
          const ids = await Promise.all(runs.map((r, i) => startRun({ input: tasks[i]!, tenantId, flowBudget, historyEventLimit: r.historyEventLimit })));
          const results = await Promise.all(ids.map((id) => h.agents.result(id)));
          for (const r of results) expect(['completed', 'budget_exceeded']).toContain(r.status);

          const providerUsd = tasks.reduce((sum, t) => sum + (answered.get(t) ?? 0) * CALL_USD, 0);
          const shared = await counter(tenantId, 'flow', flowBudget.flowId);
          expect(shared.spent).toBeCloseTo(providerUsd, 9);
          expect(shared.spent).toBeLessThanOrEqual(limitUsd + 1e-9);
          expect(shared.reserved).toBeCloseTo(0, 9);
          // Each run reports what it spent, continue-as-new or not.
          for (const [i, r] of results.entries()) expect(r.costUsd).toBeCloseTo((answered.get(tasks[i]!) ?? 0) * CALL_USD, 9);
          expect(await liveHolds(ids)).toBe(0);
        },
      ),
      params(8),
    );
  },
  timeoutFor(8, 15_000),
);

test('41 priced steps across continue-as-new are all charged, and a $0.20 daily limit holds', async () => {
  const task = `long ${randomUUID()}`;
  script(task, 40);
  const id = await startRun({ input: task, tenantId: DAILY.tenant, historyEventLimit: 40 });
  const result = await h.agents.result(id);
  const day = await h.pool.query<{ spent: string }>("SELECT spent_usd AS spent FROM budget_counters WHERE tenant_id = $1 AND kind = 'tenant' AND period LIKE 'day:%'", [DAILY.tenant]);
  const spent = Number(day.rows[0]!.spent);
  const providerUsd = (answered.get(task) ?? 0) * CALL_USD;
  expect(spent).toBeCloseTo(providerUsd, 9);
  expect(spent).toBeLessThanOrEqual(DAILY.usd);
  // $0.20 buys 19 calls of $0.010125 at most: the run stopped at the limit instead of spending on.
  expect(result.status).toBe('budget_exceeded');
  expect(answered.get(task)).toBeLessThan(20);
  expect(await liveHolds([id])).toBe(0);
});

test('the output bound is sent to the provider, and the hold covers it', async () => {
  const task = `bound ${randomUUID()}`;
  script(task, 0);
  const id = await startRun({ input: task, tenantId: `bound-${run}` });
  await h.agents.result(id);
  const req = scripted.requests.find((r) => taskOf(r) === task)!;
  expect(req.maxTokens).toBe(1000);
  const { rows } = await h.pool.query<{ reserved_usd: string; actual_usd: string }>('SELECT reserved_usd, actual_usd FROM budget_reservations WHERE workflow_id = $1', [id]);
  expect(rows).toHaveLength(1);
  // The hold is the worst case: at least the output bound at the model's price.
  expect(Number(rows[0]!.reserved_usd)).toBeGreaterThanOrEqual(costOf('openai:gpt-4o', { inputTokens: 0, outputTokens: 1000 }).usd);
  expect(Number(rows[0]!.reserved_usd)).toBeGreaterThanOrEqual(Number(rows[0]!.actual_usd));
});

test('a provider that ignores the output bound is charged what it cost, and the run says the hold was exceeded', async () => {
  const task = `overrun ${randomUUID()}`;
  script(task, 0);
  const id = `budget-${randomUUID()}`;
  await h.temporal.workflow.start(AGENT_RUN_WORKFLOW, { taskQueue: h.taskQueue, workflowId: id, args: [{ agent: 'overrun', input: task, tenantId: `overrun-${run}` }] });
  const result = await h.agents.result(id);
  expect(result.costUsd).toBeCloseTo(costOf('anthropic:claude-3-5-haiku', { inputTokens: 50, outputTokens: 20_000 }).usd, 9);
  const { rows } = await h.pool.query<{ actual_usd: string }>('SELECT actual_usd FROM budget_reservations WHERE workflow_id = $1', [id]);
  expect(Number(rows[0]!.actual_usd)).toBeCloseTo(result.costUsd, 9);
  expect((await h.agents.state(id)).policyEvents).toContainEqual(expect.objectContaining({ kind: 'budget_alert', detail: expect.stringMatching(/more than the \$[\d.]+ held for it/) }));
});
