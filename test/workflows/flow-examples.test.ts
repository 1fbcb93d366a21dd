/**
 * The two example flows end to end on a real server with the example agents' local
 * playbooks: customer-service triage (refund path; question escalated to a person) and
 * content creation (planner, parallel section writers with a fallback, review rounds).
 */
import { exampleAgents } from '../../src/examples';
import { FlowClient } from '../../src/client/flow-client';
import type { FlowState } from '../../src/shared/flow-types';
import { startHarness, type Harness } from '../support/harness';
import { newOrder } from '../support/orders';
import { historyOf } from '../support/history';

let h: Harness;
let flows: FlowClient;

beforeAll(async () => {
  h = await startHarness({ agents: exampleAgents });
  flows = new FlowClient(h.temporal, h.taskQueue);
});
afterAll(() => h?.shutdown());

const statuses = (s: { nodes: Record<string, { status: string }> }) => Object.fromEntries(Object.entries(s.nodes).map(([id, n]) => [id, n.status]));

async function waitFor(id: string, ok: (s: FlowState) => boolean): Promise<FlowState> {
  for (let i = 0; i < 300; i++) {
    const s = await flows.flowState(id).catch(() => undefined);
    if (s && ok(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`flow ${id} never reached the expected state`);
}

test('triage: a refund request goes router → support agent → quality review', async () => {
  const order = await newOrder(h.pool);
  const { id } = await flows.startFlow('triage', `My coffee grinder from order ${order} arrived broken, please refund it.`, { tenantId: 'acme' });
  const result = await flows.result(id);
  expect(result.status).toBe('completed');
  expect(statuses(result)).toEqual({ route: 'completed', knowledge: 'not_taken', refund: 'completed', escalate: 'not_taken', review: 'completed', holding: 'not_taken' });
  expect(result.nodes.route!.output).toMatchObject({ category: 'refund' });
  expect(result.answer).toMatch(/^Hello,\n\nYour refund has been issued and a confirmation was sent to \[REDACTED:email\]\./);
  const { rows } = await h.pool.query("SELECT tool FROM tool_effects WHERE workflow_id = $1 AND kind = 'execute' ORDER BY seq", [`${id}/refund`]);
  expect(rows.map((r: { tool: string }) => r.tool)).toEqual(['refund_payment', 'notify_customer']);
  expect(result.trail.some((e) => e.event === 'branch' && e.detail === 'route → refund (route.output.category = "refund")')).toBe(true);
});

test('triage: a question the help centre cannot answer waits for a person, whose answer is reviewed and sent', async () => {
  const { id } = await flows.startFlow('triage', 'Can I pay with cryptocurrency?');
  const waiting = await waitFor(id, (s) => s.pendingEscalations.length === 1);
  expect(waiting.status).toBe('waiting');
  expect(waiting.pendingEscalations[0]).toMatchObject({ nodeId: 'escalate', assignee: 'support-team' });
  expect(waiting.pendingEscalations[0]!.prompt).toContain('Can I pay with cryptocurrency?');
  expect(waiting.nodes.find((n) => n.id === 'knowledge')).toMatchObject({ status: 'completed' });
  expect(waiting.nodes.find((n) => n.id === 'escalate')).toMatchObject({ status: 'waiting' });

  await h.decide.answer(id, 'escalate', 'Not yet: we accept cards and PayPal.', 'alice');
  const result = await flows.result(id);
  expect(statuses(result)).toMatchObject({ route: 'completed', knowledge: 'completed', refund: 'not_taken', escalate: 'completed', review: 'completed', holding: 'not_taken' });
  expect(result.answer).toBe('Hello,\n\nNot yet: we accept cards and PayPal.\n\nBest regards,\nCustomer Care');
  expect(result.trail.find((e) => e.event === 'escalation_answered')?.detail).toBe('escalate answered by alice (approver, test:alice): Not yet: we accept cards and PayPal.');
});

test('content: planner, section writers in parallel with a fallback writer, two review rounds', async () => {
  const { id } = await flows.startFlow('content', 'Write an article about durable execution for AI agents.');
  const result = await flows.result(id);
  expect(result.status).toBe('completed');
  expect(statuses(result)).toEqual({ plan: 'completed', write: 'completed', write_plain: 'completed', review: 'completed' });
  // The "Sources" section failed twice (retry), then the plain writer wrote it.
  expect(result.answer).toContain('## Why it matters');
  expect(result.answer).toContain('A short, plain section on cite sources on durable execution for AI agents, written without research.');
  expect(result.answer).toContain('## Conclusion');
  expect(result.answer).not.toContain('[local model]');
  const state = await flows.flowState(id);
  const write = state.nodes.find((n) => n.id === 'write')!;
  expect(write.runs.map((r) => [r.workflowId.slice(id.length + 1), r.status])).toEqual(
    expect.arrayContaining([
      ['write/item-0', 'completed'],
      ['write/item-3', 'failed'],
      ['write/item-3/attempt-2', 'failed'],
    ]),
  );
  expect(state.nodes.find((n) => n.id === 'review')).toMatchObject({ progress: 'round 2 of 3' });
  expect(state.trail.filter((e) => e.event === 'round').map((e) => e.detail)).toEqual(['review round 1: another round', 'review round 2: done']);

  const children = (await historyOf(h.temporal, id)).filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).map((e) => e.startChildWorkflowExecutionInitiatedEventAttributes!.workflowId!.slice(id.length + 1));
  expect(children.sort()).toEqual(['plan', 'review/round-1', 'review/round-2', 'write/item-0', 'write/item-1', 'write/item-2', 'write/item-3', 'write/item-3/attempt-2', 'write_plain/item-3'].sort());
});
