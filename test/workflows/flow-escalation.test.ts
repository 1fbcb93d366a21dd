/**
 * Escalation nodes on a real server: the flow waits and shows what it asks; an answer for
 * another node (or an empty one) is refused; a person's answer flows on to later nodes;
 * when nobody answers in time the escalation path is taken.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { FlowClient } from '../../src/client/flow-client';
import type { FlowSpec, FlowState } from '../../src/shared/flow-types';
import { testAgent } from '../fixtures/test-agents';
import { flowScriptedModel, taskOf } from '../support/flow-script';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
let flows: FlowClient;
const { model, scripts } = flowScriptedModel();

beforeAll(async () => {
  h = await startHarness({ agents: [testAgent('tester', 'scripted:flow')], providers: [model] });
  flows = new FlowClient(h.temporal, h.taskQueue);
  scripts.set('esc: draft', [{ content: 'refund 30 dollars' }]);
  scripts.set('esc: send', [{ content: 'sent' }]);
  scripts.set('esc: apology', [{ content: 'sorry for the wait' }]);
});
afterAll(() => h?.shutdown());

function spec(timeout: string): FlowSpec {
  return {
    name: 'escalation-test',
    nodes: {
      draft: { type: 'agent', agent: 'tester', input: 'esc: draft', next: 'ask' },
      ask: { type: 'escalation', prompt: 'Is this right? {{nodes.draft.answer}}', assignee: 'ops', timeout, onTimeout: 'apology', next: 'send' },
      send: { type: 'agent', agent: 'tester', input: 'esc: send "{{nodes.ask.answer}}" by {{nodes.ask.by}}' },
      apology: { type: 'agent', agent: 'tester', input: 'esc: apology' },
    },
  };
}

async function waitFor(id: string, ok: (s: FlowState) => boolean): Promise<FlowState> {
  for (let i = 0; i < 300; i++) {
    const s = await flows.flowState(id).catch(() => undefined);
    if (s && ok(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`flow ${id} never reached the expected state`);
}

const statuses = (s: FlowState) => Object.fromEntries(s.nodes.map((n) => [n.id, n.status]));

test('the flow waits for a person; wrong answers are refused; the answer flows on', async () => {
  const { id } = await flows.startFlow(spec('1h'), 'go');
  const s = await waitFor(id, (x) => x.pendingEscalations.length > 0);
  expect(s.status).toBe('waiting');
  expect(statuses(s)).toEqual({ draft: 'completed', ask: 'waiting', send: 'pending', apology: 'pending' });
  const p = s.pendingEscalations[0]!;
  expect(p).toMatchObject({ nodeId: 'ask', prompt: 'Is this right? refund 30 dollars', assignee: 'ops' });
  expect(Date.parse(p.deadline) - Date.parse(p.since)).toBe(3_600_000);

  const wrongNode = await h.decide.answer(id, 'send', 'yes').catch((e: unknown) => e);
  expect(wrongNode).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(String((wrongNode as WorkflowUpdateFailedError).cause?.message)).toBe('no escalation is waiting at node "send" (waiting: ask)');
  const blank = await h.decide.answer(id, 'ask', '   ').catch((e: unknown) => e);
  expect(String((blank as WorkflowUpdateFailedError).cause?.message)).toBe('the answer is empty');
  expect((await flows.flowState(id)).pendingEscalations).toHaveLength(1);

  await h.decide.answer(id, 'ask', 'Yes, refund it', 'bob');
  const result = await flows.result(id);
  expect(result.answer).toBe('sent');
  expect(model.requests.some((r) => taskOf(r) === 'esc: send "Yes, refund it" by bob')).toBe(true);
  const done = await flows.flowState(id);
  expect(statuses(done)).toEqual({ draft: 'completed', ask: 'completed', send: 'completed', apology: 'not_taken' });
  expect(done.pendingEscalations).toEqual([]);
  expect(done.status).toBe('completed');
  // Who answered, with which role: the signed decision's principal.
  expect(done.trail.find((e) => e.event === 'escalation_answered')?.detail).toBe('ask answered by bob (approver, test:bob): Yes, refund it');
});

test('when nobody answers in time, the escalation path is taken', async () => {
  const { id } = await flows.startFlow(spec('2s'), 'go');
  const result = await flows.result(id);
  expect(result.answer).toBe('sorry for the wait');
  const s = await flows.flowState(id);
  expect(statuses(s)).toEqual({ draft: 'completed', ask: 'timed_out', send: 'not_taken', apology: 'completed' });
  expect(s.trail.find((e) => e.event === 'escalation_timed_out')?.detail).toBe('ask: nobody answered within 2s; taking the escalation path to apology');
  const late = await h.decide.answer(id, 'ask', 'too late').catch((e: unknown) => e);
  expect(late).toBeInstanceOf(Error);
});
