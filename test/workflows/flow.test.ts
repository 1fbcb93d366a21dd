/**
 * Failure policies and limits of flows on a real server with a scripted model: a failing
 * node with `skip` and with a fallback node, retries with derived child ids, `fail`
 * stopping the flow (and cancelling what still runs), a node timeout, the shared budget,
 * and the `state` query. (Not run with `maxCachedWorkflows: 0`: a parent and its child
 * would evict each other while a child's local activity is in flight, and every child
 * would wait out a 10 s workflow-task timeout; replay safety is covered by the committed
 * flow history in test/histories/.)
 */
import { WorkflowFailedError } from '@temporalio/client';
import { FlowClient } from '../../src/client/flow-client';
import type { ModelProvider } from '../../src/models/types';
import { FailureType } from '../../src/shared/failures';
import { testAgent } from '../fixtures/test-agents';
import { flowScriptedModel, taskOf } from '../support/flow-script';
import { startHarness, type Harness } from '../support/harness';
import { historyOf } from '../support/history';

let h: Harness;
let flows: FlowClient;
const { model, scripts } = flowScriptedModel();

/** The same scripts, served as a priced OpenAI model, so runs cost money. */
const priced: ModelProvider = {
  name: 'openai',
  async complete(req) {
    return { ...(await model.complete(req)), usage: { inputTokens: 100_000, outputTokens: 0 }, model: 'openai:gpt-4o' }; // $0.25 a call
  },
};

/**
 * The same scripts as a model whose calls cost less than the ledger reserves for them
 * ($0.01515 each against about $0.0615 held), as real calls do.
 */
const metered: ModelProvider = {
  name: 'anthropic',
  async complete(req) {
    return { ...(await model.complete(req)), usage: { inputTokens: 50, outputTokens: 1000 }, model: 'anthropic:claude-sonnet-4-5' };
  },
};

beforeAll(async () => {
  h = await startHarness({
    agents: [testAgent('tester', 'scripted:flow'), testAgent('helper', 'scripted:flow'), testAgent('priced', 'openai:gpt-4o'), testAgent('metered', 'anthropic:claude-sonnet-4-5')],
    providers: [model, priced, metered],
    // Scripted turns differ between a node's attempts; a deterministic-request cache would
    // (rightly) answer attempt 2 with attempt 1's response.
    policies: { cache: { enabled: false } },
  });
  flows = new FlowClient(h.temporal, h.taskQueue);
});
afterAll(() => h?.shutdown());

async function effects(workflowId: string): Promise<string[]> {
  const { rows } = await h.pool.query<{ kind: string; label: string }>("SELECT kind, args->>'label' AS label FROM tool_effects WHERE workflow_id = $1 ORDER BY seq", [workflowId]);
  return rows.map((r) => `${r.kind}:${r.label}`);
}

async function childIds(id: string): Promise<string[]> {
  return (await historyOf(h.temporal, id))
    .filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)
    .map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId!.slice(id.length + 1));
}

const explodes = [{ toolCalls: [{ name: 'record_step', arguments: { label: 'partial' } }] }, { toolCalls: [{ name: 'explode', arguments: {} }] }];

test('a failing node with onFailure "skip" is skipped (its run compensated) and the flow goes on', async () => {
  scripts.set('skip: first', [{ content: 'first done' }]);
  scripts.set('skip: breaks', explodes);
  scripts.set('skip: after', [{ content: 'after done' }]);
  const { id } = await flows.startFlow(
    {
      name: 'skip-test',
      nodes: {
        first: { type: 'agent', agent: 'tester', input: 'skip: first', next: 'breaks' },
        breaks: { type: 'agent', agent: 'tester', input: 'skip: breaks', onFailure: 'skip', next: [{ to: 'after', when: { path: 'status', equals: 'skipped' } }] },
        after: { type: 'agent', agent: 'tester', input: 'skip: after [{{nodes.breaks.answer}}] {{nodes.breaks.error}}' },
      },
    },
    'go',
  );
  const result = await flows.result(id);
  expect(result.status).toBe('completed');
  expect(result.answer).toBe('after done');
  expect(result.nodes.breaks).toEqual({ status: 'skipped' });
  const afterTask = taskOf(model.requests.find((r) => taskOf(r).startsWith('skip: after'))!);
  expect(afterTask).toMatch(/^skip: after \[\] agent run failed: the payment network is down; undone: record_step/);
  expect(await effects(`${id}/breaks`)).toEqual(['execute:partial', 'compensate:partial']);

  const state = await flows.flowState(id);
  expect(state.nodes.map((n) => [n.id, n.status])).toEqual([['first', 'completed'], ['breaks', 'skipped'], ['after', 'completed']]);
  expect(state.nodes[1]).toMatchObject({ error: expect.stringContaining('the payment network is down'), runs: [{ workflowId: `${id}/breaks`, status: 'failed', attempt: 1 }] });
  expect(state.nodes[0]).toMatchObject({ summary: 'first done', costUsd: 0 });
  expect(state.trail.map((e) => e.event)).toEqual(expect.arrayContaining(['started', 'node_started', 'node_completed', 'skipped', 'branch', 'completed']));
});

test('a failing node with a fallback takes the fallback node\'s output, which later nodes see', async () => {
  scripts.set('fallback: primary', explodes);
  scripts.set('fallback: backup', [{ content: 'backup answer' }]);
  scripts.set('fallback: final', [{ content: 'final answer' }]);
  const { id } = await flows.startFlow(
    {
      name: 'fallback-test',
      nodes: {
        primary: { type: 'agent', agent: 'tester', input: 'fallback: primary', onFailure: { fallback: 'backup' }, next: 'final' },
        backup: { type: 'agent', agent: 'helper', input: 'fallback: backup for {{input}}' },
        final: { type: 'agent', agent: 'tester', input: 'fallback: final got "{{nodes.primary.answer}}"' },
      },
    },
    'the task',
  );
  const result = await flows.result(id);
  expect(result.answer).toBe('final answer');
  expect(model.requests.some((r) => taskOf(r) === 'fallback: backup for the task')).toBe(true);
  expect(model.requests.some((r) => taskOf(r) === 'fallback: final got "backup answer"')).toBe(true);
  const state = await flows.flowState(id);
  expect(state.nodes.find((n) => n.id === 'primary')).toMatchObject({ status: 'completed', fallback: 'backup', error: expect.stringContaining('payment network is down') });
  expect(state.nodes.find((n) => n.id === 'backup')).toMatchObject({ status: 'completed', agent: 'helper' });
  expect(state.trail.find((e) => e.event === 'fallback')?.detail).toMatch(/^primary failed \(agent run failed: the payment network is down.*\); running fallback backup$/);
  expect(await childIds(id)).toEqual(['primary', 'backup', 'final']);
});

test('retries start a new child run per attempt, with ids derived from the node', async () => {
  scripts.set('retry: flaky', (attempt) => (attempt === 1 ? explodes : [{ content: `worked on attempt ${attempt}` }]));
  const { id } = await flows.startFlow(
    { name: 'retry-test', nodes: { flaky: { type: 'agent', agent: 'tester', input: 'retry: flaky', retry: { maximumAttempts: 3, initialInterval: '200ms' } } } },
    'go',
  );
  const result = await flows.result(id);
  expect(result.answer).toBe('worked on attempt 2');
  expect(await childIds(id)).toEqual(['flaky', 'flaky/attempt-2']);
  const state = await flows.flowState(id);
  expect(state.nodes[0]!.runs.map((r) => [r.attempt, r.status])).toEqual([[1, 'failed'], [2, 'completed']]);
  expect(state.trail.find((e) => e.event === 'retry')?.detail).toMatch(/^flaky attempt 1 failed: .*payment network is down.*; retrying in 0\.2s$/);
});

test('a node whose policy is "fail" fails the flow, naming it, and cancels the nodes still running', async () => {
  scripts.set('fail: slow', [{ toolCalls: [{ name: 'record_step', arguments: { label: 'slow-done' } }] }, { toolCalls: [{ name: 'record_step', arguments: { label: 'slow-long', ms: 5_000 } }] }]);
  scripts.set('fail: bad', [{ toolCalls: [{ name: 'explode', arguments: {} }], delayMs: 1500 }]);
  const { id } = await flows.startFlow(
    { name: 'fail-test', nodes: { slow: { type: 'agent', agent: 'tester', input: 'fail: slow' }, bad: { type: 'agent', agent: 'tester', input: 'fail: bad' } } },
    'go',
  );
  const err = await flows.result(id).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as { type?: string; message: string };
  expect(cause.type).toBe(FailureType.FlowFailed);
  expect(cause.message).toMatch(/^flow fail-test failed: node "bad" failed: agent run failed: the payment network is down/);
  const state = await flows.flowState(id);
  expect(state.status).toBe('failed');
  expect(Object.fromEntries(state.nodes.map((n) => [n.id, n.status]))).toEqual({ slow: 'cancelled', bad: 'failed' });
  // The cancelled run let its running compensable call finish, then undid everything it had done.
  expect((await effects(`${id}/slow`)).filter((e) => e.startsWith('compensate'))).toEqual(['compensate:slow-long', 'compensate:slow-done']);
});

test('a node that runs past its timeout is cancelled; its policy decides what follows', async () => {
  scripts.set('timeout: slow', [{ content: 'too late', delayMs: 10_000 }]);
  scripts.set('timeout: next', [{ content: 'went on' }]);
  const { id } = await flows.startFlow(
    {
      name: 'timeout-test',
      nodes: {
        slow: { type: 'agent', agent: 'tester', input: 'timeout: slow', timeout: '1s', onFailure: 'skip', next: 'next' },
        next: { type: 'agent', agent: 'tester', input: 'timeout: next' },
      },
    },
    'go',
  );
  const result = await flows.result(id);
  expect(result.answer).toBe('went on');
  const state = await flows.flowState(id);
  expect(state.nodes[0]).toMatchObject({ status: 'skipped', error: 'timed out after 1s', runs: [{ status: 'timed_out' }] });
  const child = await h.temporal.workflow.getHandle(`${id}/slow`).describe();
  expect(child.status.name).toBe('CANCELLED');
});

test('the flow stops starting nodes once its runs cost more than the budget', async () => {
  for (const n of ['one', 'two', 'three']) scripts.set(`budget: ${n}`, [{ content: `${n} done` }]);
  const { id } = await flows.startFlow(
    {
      name: 'budget-test',
      budgetUsd: 0.4,
      nodes: {
        one: { type: 'agent', agent: 'priced', input: 'budget: one', next: 'two' },
        two: { type: 'agent', agent: 'priced', input: 'budget: two', next: 'three' },
        three: { type: 'agent', agent: 'priced', input: 'budget: three' },
      },
    },
    'go',
  );
  const result = await flows.result(id);
  expect(result.status).toBe('budget_exceeded');
  expect(result.costUsd).toBeCloseTo(0.5);
  expect(Object.fromEntries(Object.entries(result.nodes).map(([k, v]) => [k, v.status]))).toEqual({ one: 'completed', two: 'completed', three: 'skipped' });
  expect(result.answer).toBe('two done');
  const state = await flows.flowState(id);
  expect(state).toMatchObject({ status: 'budget_exceeded', budgetUsd: 0.4 });
  expect(state.nodes.map((n) => n.costUsd)).toEqual([0.25, 0.25, 0]);
  expect(state.trail.find((e) => e.event === 'budget_exceeded')?.detail).toBe('spent $0.500000 of a $0.4 budget: no further nodes start');
  expect(await childIds(id)).toEqual(['one', 'two']);
});

test('what a failed run spent counts in its node, the flow and the shared budget', async () => {
  scripts.set('spent: breaks', explodes);
  scripts.set('spent: next', [{ content: 'next done' }]);
  const { id } = await flows.startFlow(
    {
      name: 'spent-test',
      budgetUsd: 0.4,
      nodes: {
        breaks: { type: 'agent', agent: 'priced', input: 'spent: breaks', onFailure: 'skip', next: 'next' },
        next: { type: 'agent', agent: 'priced', input: 'spent: next' },
      },
    },
    'go',
  );
  const result = await flows.result(id);
  // Two model calls at $0.25 before the tool failed: over the $0.40 budget, so "next" never starts.
  expect(result.status).toBe('budget_exceeded');
  expect(result.costUsd).toBeCloseTo(0.5);
  const state = await flows.flowState(id);
  expect(state.nodes.map((n) => [n.id, n.status, n.costUsd])).toEqual([['breaks', 'skipped', 0.5], ['next', 'skipped', 0]]);
  expect(state.nodes[0]!.runs).toEqual([expect.objectContaining({ status: 'failed', costUsd: 0.5 })]);
  expect(await childIds(id)).toEqual(['breaks']);
});

test('parallel runs of a flow are held to its budget together by the ledger', async () => {
  const noop = { toolCalls: [{ name: 'noop', arguments: {} }] };
  scripts.set('shared: ', [noop, noop, { content: 'branch done' }]);
  const branches = ['a', 'b', 'c', 'd'];
  const { id } = await flows.startFlow(
    {
      name: 'shared-budget-test',
      // Four branches of three calls at $0.01515 would spend $0.18: twice the budget.
      budgetUsd: 0.09,
      nodes: {
        all: { type: 'parallel', branches },
        ...Object.fromEntries(branches.map((b) => [b, { type: 'agent', agent: 'metered', input: `shared: ${b}` }])),
      },
    },
    'go',
  );
  const result = await flows.result(id);
  const { rows } = await h.pool.query<{ spent_usd: string }>("SELECT spent_usd FROM budget_counters WHERE kind = 'flow' AND subject = $1", [id]);
  expect(rows).toHaveLength(1);
  const spent = Number(rows[0]!.spent_usd);
  expect(spent).toBeLessThanOrEqual(0.09);
  expect(result.costUsd).toBeCloseTo(spent, 9);
  expect(result.status).toBe('budget_exceeded');
  const state = await flows.flowState(id);
  const stopped = state.nodes.flatMap((n) => n.runs).filter((r) => r.status === 'budget_exceeded');
  expect(stopped.length).toBeGreaterThan(0);
  expect(state.trail.find((e) => e.event === 'budget_exceeded')?.detail).toMatch(/^budget exceeded: flow ".+" usd limit 0\.09.*: no further nodes start$/);
});
