/**
 * Bad specs never run: the client refuses them before starting anything, and a spec that
 * skips the client is refused by the worker at flow start (which also knows the agents).
 */
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { FlowClient } from '../../src/client/flow-client';
import { InvalidFlowError } from '../../src/flows';
import { FailureType } from '../../src/shared/failures';
import type { FlowSpec } from '../../src/shared/flow-types';
import { FLOW_RUN_WORKFLOW } from '../../src/workflows/flow/definitions';
import { testAgent } from '../fixtures/test-agents';
import { flowScriptedModel } from '../support/flow-script';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
let flows: FlowClient;
const { model } = flowScriptedModel();

beforeAll(async () => {
  h = await startHarness({ agents: [testAgent('tester', 'scripted:flow')], providers: [model] });
  flows = new FlowClient(h.temporal, h.taskQueue);
});
afterAll(() => h?.shutdown());

const bad: Array<[string, unknown, string]> = [
  ['a cycle', { name: 'loopy', nodes: { a: { agent: 'tester', next: 'b' }, b: { agent: 'tester', next: 'a' } } }, 'flow "loopy": node "a": cycle a → b → a'],
  ['an unknown reference', { name: 'triage', nodes: { route: { agent: 'tester', next: 'knowldge' }, knowledge: { agent: 'tester' } } }, 'flow "triage": node "route": unknown next node "knowldge"'],
  ['a bad field', { name: 'fields', nodes: { route: { agent: 'tester', retries: 3 } } }, 'flow "fields": node "route": unknown field "retries"'],
];

test.each(bad)('the client refuses %s and starts nothing', async (_what, spec, message) => {
  const id = `flow-default-bad-${Math.random().toString(36).slice(2)}`;
  const err = await flows.startFlow(spec as FlowSpec, 'go', { id }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidFlowError);
  expect((err as Error).message).toBe(message);
  await expect(h.temporal.workflow.getHandle(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
});

test.each(bad)('the worker refuses %s when a spec skips the client', async (_what, spec, message) => {
  const handle = await h.temporal.workflow.start(FLOW_RUN_WORKFLOW, { taskQueue: h.taskQueue, workflowId: `flow-bypass-${Math.random().toString(36).slice(2)}`, args: [{ spec, input: 'go', tenantId: 'default' }] });
  const err = await handle.result().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect((err as WorkflowFailedError).cause).toMatchObject({ type: FailureType.InvalidFlowSpec, message });
  // Nothing ran: no child workflow was started.
  const events = (await handle.fetchHistory()).events ?? [];
  expect(events.some((e) => e.startChildWorkflowExecutionInitiatedEventAttributes)).toBe(false);
});

test('an agent the workers do not serve is caught by the worker at flow start', async () => {
  const { id } = await flows.startFlow({ name: 'ghosts', nodes: { a: { type: 'agent', agent: 'ghost' } } }, 'go');
  const err = await flows.result(id).catch((e: unknown) => e);
  expect(((err as WorkflowFailedError).cause as Error).message).toMatch(/flow "ghosts": node "a": unknown agent "ghost" \(known: tester\)/);
  expect((await flows.flowState(id)).status).toBe('failed');
});
