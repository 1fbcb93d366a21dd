/**
 * The agent loop on a real dev server with a scripted model: tool calls, bad tool calls
 * sent back to the model, compensation after a permanent failure, and cancellation.
 * This suite's worker caches no workflows, so every workflow task replays the run's
 * history from the start: a non-deterministic change fails here.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { FailureType } from '../../src/shared/failures';
import { testAgent } from '../fixtures/test-agents';
import { startHarness, type Harness } from '../support/harness';
import { scriptedByTask } from '../support/scripted-by-task';
import { activitySummaries, historyOf } from '../support/history';

let h: Harness;
const { model, scripts } = scriptedByTask();

beforeAll(async () => {
  h = await startHarness({ agents: [testAgent('tester', 'scripted:test')], providers: [model], maxCachedWorkflows: 0 });
});
afterAll(() => h?.shutdown());

async function effects(workflowId: string) {
  const { rows } = await h.pool.query<{ tool: string; kind: string; args: { label?: string } }>(
    'SELECT tool, kind, args FROM tool_effects WHERE workflow_id = $1 ORDER BY seq',
    [workflowId],
  );
  return rows;
}

test('a run completes through several tool calls, with readable activity summaries in history', async () => {
  const task = 'complete through tools';
  scripts.set(task, [
    { toolCalls: [{ name: 'lookup', arguments: { q: 'abc' } }, { name: 'lookup', arguments: { q: 'hello' } }] },
    { toolCalls: [{ name: 'record_step', arguments: { label: 'one' } }] },
    { content: 'all done' },
  ]);
  const { id } = await h.agents.start('tester', task, { tenantId: 'acme' });
  const result = await h.agents.result(id);
  expect(result.status).toBe('completed');
  expect(result.answer).toBe('all done');
  expect(result.steps).toBe(3);
  expect(result.toolCalls.map((c) => [c.tool, c.status])).toEqual([
    ['lookup', 'succeeded'],
    ['lookup', 'succeeded'],
    ['record_step', 'succeeded'],
  ]);
  expect(result.usage.inputTokens).toBeGreaterThan(0);

  const summaries = activitySummaries(await historyOf(h.temporal, id));
  expect(summaries).toEqual([
    { type: 'callModel', summary: 'model scripted:test step 1' },
    { type: 'runTool', summary: 'tool lookup' },
    { type: 'runTool', summary: 'tool lookup' },
    { type: 'callModel', summary: 'model scripted:test step 2' },
    { type: 'runTool', summary: 'tool record_step' },
    { type: 'callModel', summary: 'model scripted:test step 3' },
  ]);
  const state = await h.agents.state(id);
  expect(state.status).toBe('completed');
  expect(state.toolCalls).toHaveLength(3);
});

test('malformed, schema-violating and unknown tool calls go back to the model and the run finishes', async () => {
  const task = 'bad tool calls';
  scripts.set(task, [
    {
      toolCalls: [
        { id: 'bad_json', name: 'lookup', arguments: '{"q": "abc"' },
        { id: 'bad_schema', name: 'lookup', arguments: { q: 42 } },
        { id: 'unknown', name: 'delete_everything', arguments: {} },
      ],
    },
    { content: 'recovered' },
  ]);
  const { id } = await h.agents.start('tester', task);
  const result = await h.agents.result(id);
  expect(result.answer).toBe('recovered');
  // The provider's ids are replaced by the run's own: step 1, positions 0–2.
  const second = model.requests.find((r) => r.messages.some((m) => m.role === 'user' && m.content === task) && r.messages.some((m) => m.role === 'tool'))!;
  const toolMsgs = second.messages.filter((m) => m.role === 'tool');
  expect(toolMsgs).toHaveLength(3);
  const byId = Object.fromEntries(toolMsgs.map((m) => [m.role === 'tool' ? m.toolCallId : '', m]));
  expect(byId.call_1_0).toMatchObject({ isError: true, content: expect.stringContaining('not valid JSON') });
  expect(byId.call_1_1).toMatchObject({ isError: true, content: expect.stringMatching(/do not match its schema: q:/) });
  expect(byId.call_1_2).toMatchObject({ isError: true, content: expect.stringContaining('Unknown tool "delete_everything"') });
  expect(result.toolCalls.map((c) => c.status)).toEqual(['invalid', 'invalid', 'invalid']);
});

test('a permanent failure after compensable tools undoes them in reverse order', async () => {
  const task = 'saga';
  scripts.set(task, [
    { toolCalls: [{ name: 'record_step', arguments: { label: 'first' } }] },
    { toolCalls: [{ name: 'record_step', arguments: { label: 'second' } }] },
    { toolCalls: [{ name: 'explode', arguments: {} }] },
  ]);
  const { id } = await h.agents.start('tester', task);
  const err = await h.agents.result(id).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as { type?: string; message: string };
  expect(cause.type).toBe(FailureType.AgentRunFailed);
  expect(cause.message).toMatch(/the payment network is down/);
  expect(cause.message).toMatch(/undone: record_step\(call_2_0\), record_step\(call_1_0\)/);

  const rows = await effects(id);
  expect(rows.map((r) => `${r.kind}:${r.args.label}`)).toEqual(['execute:first', 'execute:second', 'compensate:second', 'compensate:first']);
  const state = await h.agents.state(id);
  expect(state.status).toBe('failed');
  expect(state.compensations.map((c) => c.status)).toEqual(['compensated', 'compensated']);
});

test('cancelling a run mid-way lets the running compensable call finish, then undoes it and the rest', async () => {
  const task = 'cancel me';
  scripts.set(task, [
    { toolCalls: [{ name: 'record_step', arguments: { label: 'done-before-cancel' } }] },
    { toolCalls: [{ name: 'record_step', arguments: { label: 'slow', ms: 3_000 } }] },
  ]);
  const { id } = await h.agents.start('tester', task);
  // Wait until the slow step (the second model step's call) is running, then cancel; on a
  // loaded machine the first step alone can take longer than a fixed wait.
  for (let i = 0; ; i++) {
    const s = await h.agents.state(id).catch(() => undefined);
    if (s?.toolCalls.some((c) => c.status === 'running' && c.step === 2)) break;
    if (i > 600 || s?.status === 'failed') throw new Error(`the slow step was never seen running: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  await h.agents.cancel(id);
  const err = await h.agents.result(id).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(((err as WorkflowFailedError).cause as Error).name).toBe('CancelledFailure');
  const desc = await h.temporal.workflow.getHandle(id).describe();
  expect(desc.status.name).toBe('CANCELLED');
  const rows = await effects(id);
  // A compensable call is never cancelled halfway (its effect could land unseen): it
  // finishes, and compensation undoes it first, exactly once each.
  expect(rows.map((r) => `${r.kind}:${r.args.label}`)).toEqual(['execute:done-before-cancel', 'execute:slow', 'compensate:slow', 'compensate:done-before-cancel']);
  const state = await h.agents.state(id);
  expect(state.status).toBe('cancelled');
  expect(state.toolCalls.map((c) => c.status)).toEqual(['compensated', 'compensated']);
});

test('an unknown agent fails the run with UnknownAgent', async () => {
  const { id } = await h.agents.start('nobody', 'hello');
  const err = await h.agents.result(id).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(String(((err as WorkflowFailedError).cause as Error).message)).toMatch(/unknown agent "nobody"/);
});
