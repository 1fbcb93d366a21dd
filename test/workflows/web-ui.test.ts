/**
 * What the Temporal Web UI shows of a run without a query of ours: search attributes kept
 * current (cost while running, on failure and cancellation; flows and batches; batch items
 * and flow nodes carrying their batch and flow), summaries on timers and local activities,
 * and current details naming each pending approval or escalation with the command that
 * decides it — gone once it is decided or the run is cancelled.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { ModelProvider } from '../../src/models/types';
import { PostgresInputStore } from '../../src/batch/input-store';
import { BatchClient } from '../../src/client/batch-client';
import { FlowClient } from '../../src/client/flow-client';
import type { FlowState } from '../../src/shared/flow-types';
import type { AgentRunState } from '../../src/shared/run-types';
import { AgentNameKey, AgentStatusKey, BatchIdKey, CostUsdKey, FlowNameKey, TenantIdKey } from '../../src/shared/search-attributes';
import { itemWorkflowId } from '../../src/workflows/batch/batch-items';
import { labelledFlow } from '../fixtures/labelled-flow';
import { testAgent } from '../fixtures/test-agents';
import { startHarness, type Harness } from '../support/harness';
import { currentDetails, historyOf, localActivitySummaries, timerSummaries } from '../support/history';
import { scriptedByTask } from '../support/scripted-by-task';

let h: Harness;
let flows: FlowClient;
let batches: BatchClient;
const { model, scripts } = scriptedByTask();

/** The scripts priced as gpt-4o: 1,000 input tokens, $0.0025 a model call. */
const CALL_USD = 0.0025;
const usd = (amount: number) => expect.closeTo(amount, 9);
const priced: ModelProvider = {
  name: 'openai',
  async complete(req, opts) {
    return { ...(await model.complete(req, opts)), usage: { inputTokens: 1000, outputTokens: 0 }, model: 'openai:gpt-4o' };
  },
};

beforeAll(async () => {
  h = await startHarness({ agents: [testAgent('buyer', 'openai:gpt-4o')], providers: [priced], sdkLogLevel: 'ERROR' });
  flows = new FlowClient(h.temporal, h.taskQueue);
  batches = new BatchClient(h.temporal, h.taskQueue, new PostgresInputStore(h.pool));
});
afterAll(() => h?.shutdown());

async function labels(workflowId: string) {
  const sa = (await h.temporal.workflow.getHandle(workflowId).describe()).typedSearchAttributes;
  return { agent: sa.get(AgentNameKey), tenant: sa.get(TenantIdKey), status: sa.get(AgentStatusKey), cost: sa.get(CostUsdKey), flow: sa.get(FlowNameKey), batch: sa.get(BatchIdKey) };
}

async function until<T>(what: string, read: () => Promise<T | undefined>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await read().catch(() => undefined);
    if (v !== undefined && ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} never happened`);
}

const runState = (id: string) => until<AgentRunState>(`run ${id} waiting for approval`, () => h.agents.state(id), (s) => s.pendingApprovals.length > 0);

test('a run waiting for approval shows its cost, the call and the commands; then who approved it', async () => {
  scripts.set('pay it', [{ toolCalls: [{ name: 'pay', arguments: { amount: 250, to: 'ACME' } }] }, { content: 'paid' }]);
  const { id } = await h.agents.start('buyer', 'pay it', { tenantId: 'acme' });
  const waiting = await runState(id);
  const callId = waiting.pendingApprovals[0]!.callId;

  expect(await labels(id)).toMatchObject({ agent: 'buyer', tenant: 'acme', status: 'waiting_approval', cost: usd(CALL_USD) });
  const details = await currentDetails(h.temporal, id);
  expect(details).toMatch(/^\*\*waiting_approval\*\* · step 1 · `\$0\.002500`/);
  expect(details).toContain(`**pay** \`${callId}\` at step 1: payment of 250 is above 100`);
  expect(details).toContain('`{"amount":250,"to":"ACME"}`');
  expect(details).toContain(`\`npx durable-agents approve ${id} ${callId}\``);
  expect(details).toContain(`\`npx durable-agents reject ${id} ${callId} --reason "…"\``);
  const events = await historyOf(h.temporal, id);
  expect(timerSummaries(events)).toEqual([`approval pay ${callId}`]);
  expect(localActivitySummaries(events)).toEqual(['resolve agent buyer']);

  await h.decide.approve(id, callId, waiting.pendingApprovals[0]!.argsHash, 'alice');
  const result = await h.agents.result(id);
  expect(result.costUsd).toBeCloseTo(2 * CALL_USD, 9);
  expect(await labels(id)).toMatchObject({ status: 'completed', cost: result.costUsd });
  const after = await currentDetails(h.temporal, id);
  expect(after).toMatch(/^\*\*completed\*\* · step 2/);
  expect(after).not.toContain('Waiting for approval');
  expect(after).not.toContain('npx durable-agents approve');
  // Who decided, with which role and when. Decisions are free text in the markdown: escaped (call\_1\_0), so they render as written.
  const { at } = (await h.agents.state(id)).decisions[0]!;
  expect(after).toContain(`- step 1: pay ${callId.replace(/_/g, '\\_')} approved by alice (approver, test:alice) at ${at}`);
  expect((await h.agents.state(id)).policyEvents).toContainEqual(expect.objectContaining({ kind: 'approval', detail: `pay ${callId} approved by alice (approver, test:alice) at ${at}`, step: 1 }));
});

test('a run cancelled while it waits for approval shows nothing pending, says cancelled and keeps its cost', async () => {
  scripts.set('cancel me', [{ toolCalls: [{ name: 'pay', arguments: { amount: 500, to: 'ACME' } }] }]);
  const { id } = await h.agents.start('buyer', 'cancel me');
  await runState(id);
  await h.agents.cancel(id);
  await expect(h.agents.result(id)).rejects.toBeInstanceOf(WorkflowFailedError);

  const state = await h.agents.state(id);
  expect(state).toMatchObject({ status: 'cancelled', pendingApprovals: [] });
  expect(await labels(id)).toMatchObject({ status: 'cancelled', cost: usd(CALL_USD) });
  const details = await currentDetails(h.temporal, id);
  expect(details).toMatch(/^\*\*cancelled\*\*/);
  expect(details).not.toContain('Waiting for approval');
  expect(details).not.toContain('npx durable-agents approve');
});

test('a failed run keeps the cost it ran up, and a local tool call carries its summary', async () => {
  scripts.set('break it', [{ toolCalls: [{ name: 'noop', arguments: {} }] }, { toolCalls: [{ name: 'explode', arguments: {} }] }]);
  const { id } = await h.agents.start('buyer', 'break it');
  await expect(h.agents.result(id)).rejects.toBeInstanceOf(WorkflowFailedError);
  expect(await labels(id)).toMatchObject({ status: 'failed', cost: usd(2 * CALL_USD) });
  expect(await currentDetails(h.temporal, id)).toMatch(/^\*\*failed\*\*[^]*Last error: the payment network is down/);
  expect(localActivitySummaries(await historyOf(h.temporal, id))).toEqual(['resolve agent buyer', 'tool noop']);
});

test('a run that stops before its agent resolves still names the agent and tenant it was started for', async () => {
  // Started past the client's checks, as a batch item or a schedule would be, for an agent no worker hosts.
  const handle = await h.temporal.workflow.start('agentRun', { taskQueue: h.taskQueue, workflowId: `run-unknown-${Date.now()}`, args: [{ agent: 'nobody', input: 'hello', tenantId: 'acme' }] });
  await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
  expect(await labels(handle.workflowId)).toMatchObject({ agent: 'nobody', tenant: 'acme', status: 'failed', cost: 0 });
});

test('a run continued as new keeps its labels and goes on counting its cost', async () => {
  scripts.set('keep going', [...Array.from({ length: 4 }, () => ({ toolCalls: [{ name: 'noop', arguments: {} }] })), { content: 'done' }]);
  const { id, runId } = await h.agents.start('buyer', 'keep going', { tenantId: 'acme', historyEventLimit: 20 });
  const result = await h.agents.result(id);
  expect((await h.temporal.workflow.getHandle(id).describe()).runId).not.toBe(runId);
  expect(await labels(id)).toMatchObject({ agent: 'buyer', tenant: 'acme', status: 'completed', cost: usd(5 * CALL_USD) });
  expect(result.costUsd).toBeCloseTo(5 * CALL_USD, 9);
});

test('a flow labels itself and its node runs, and shows the escalation it waits for with the answer command', async () => {
  scripts.set('flow draft', [{ content: 'drafted' }]);
  scripts.set('flow send', [{ content: 'sent' }]);
  const { id } = await flows.startFlow(labelledFlow('buyer'), 'go', { tenantId: 'acme' });
  await until<FlowState>(`flow ${id} waiting`, () => flows.flowState(id), (s) => s.pendingEscalations.length > 0);

  expect(await labels(id)).toMatchObject({ flow: 'labelled', tenant: 'acme', status: 'waiting', cost: usd(CALL_USD) });
  expect(await labels(`${id}/draft`)).toMatchObject({ flow: 'labelled', agent: 'buyer', status: 'completed' });
  const details = await currentDetails(h.temporal, id);
  expect(details).toMatch(/^\*\*waiting\*\* · `\$0\.002500` · flow `labelled`/);
  expect(details).toContain('**ask** for a person until');
  expect(details).toContain(': Send it? drafted');
  expect(details).toContain(`\`npx durable-agents flow answer ${id} ask "<answer>"\``);
  const events = await historyOf(h.temporal, id);
  expect(timerSummaries(events)).toEqual(['timeout draft attempt 1: 1m', 'escalation ask: answer within 1h']);
  expect(localActivitySummaries(events)).toEqual(['validate the flow spec']);

  await h.decide.answer(id, 'ask', 'yes', 'bob');
  await flows.result(id);
  expect(await labels(id)).toMatchObject({ status: 'completed', cost: usd(2 * CALL_USD) });
  const after = await currentDetails(h.temporal, id);
  expect(after).toMatch(/^\*\*completed\*\*/);
  expect(after).not.toContain('flow answer');
  expect(after).toContain('- ask answered by bob (approver, test:bob): yes');
});

test('a batch labels itself with its agent, status and whole cost; its items carry the batch id', async () => {
  scripts.set('ui: item ok', [{ content: 'ok' }]);
  scripts.set('ui: item fails', [{ toolCalls: [{ name: 'explode', arguments: {} }] }]);
  const { id } = await batches.startBatch({ agent: 'buyer' }, { items: [{ input: 'ui: item ok' }, { input: 'ui: item fails' }] }, { tenantId: 'acme' });
  const summary = await batches.result(id);
  expect(summary).toMatchObject({ succeeded: 1, failed: 1 });

  expect(await labels(id)).toMatchObject({ agent: 'buyer', tenant: 'acme', status: 'completed', cost: usd(2 * CALL_USD), batch: undefined });
  expect(await labels(itemWorkflowId(id, 0))).toMatchObject({ batch: id, agent: 'buyer', status: 'completed' });
  expect(await labels(itemWorkflowId(id, 1))).toMatchObject({ batch: id, status: 'failed', cost: usd(CALL_USD) });
  const details = await currentDetails(h.temporal, id);
  expect(details).toMatch(/^\*\*completed\*\* · 2 of 2 started · 1 succeeded · 1 failed · 0 cancelled · 0 in flight · `\$0\.005000`/);
  expect(details).toContain(`\`npx durable-agents batch status ${id}\``);
  expect(details).not.toContain('batch cancel');

  // The README's listing of agent runs without batch items.
  const { id: single } = await h.agents.start('buyer', 'ui: item ok');
  await h.agents.result(single);
  const list = async (query: string): Promise<string[]> => {
    const ids: string[] = [];
    for await (const w of h.temporal.workflow.list({ query: `${query} AND TaskQueue = "${h.taskQueue}"` })) ids.push(w.workflowId);
    return ids;
  };
  const standalone = await until(`${single} listed`, () => list('WorkflowType = "agentRun" AND BatchId IS NULL'), (ids) => ids.includes(single));
  expect(standalone).not.toContain(itemWorkflowId(id, 0));
  expect(standalone).not.toContain(itemWorkflowId(id, 1));
  expect((await list(`BatchId = "${id}"`)).sort()).toEqual([itemWorkflowId(id, 0), itemWorkflowId(id, 1)]);
});
