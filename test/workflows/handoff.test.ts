/**
 * Handoffs on a real server with a scripted model: an agent hands its conversation to
 * another with `transfer_to_<agent>`; the other agent's answer is the run's answer; the
 * depth limit turns a further transfer into an error the model reads; a failed handoff
 * fails the run and undoes what the first agent did.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ScriptedProvider, type ScriptedTurn } from '../../src/models/scripted';
import type { ModelRequest } from '../../src/models/types';
import type { AgentRunInput, AgentRunResult } from '../../src/shared/run-types';
import { testAgent } from '../fixtures/test-agents';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;

const agentOf = (req: ModelRequest) => /^agent (\S+)/.exec(req.messages[0]?.role === 'system' ? req.messages[0].content : '')?.[1] ?? '';
const lastMessage = (req: ModelRequest) => req.messages[req.messages.length - 1]!;
const mine = (req: ModelRequest) => req.messages.slice(req.messages.map((m) => m.role).lastIndexOf('user')).filter((m) => m.role === 'assistant').length;

/** Each agent's behaviour, by the name in its system message. */
const model = new ScriptedProvider((req): ScriptedTurn | undefined => {
  const agent = agentOf(req);
  const last = lastMessage(req);
  switch (agent) {
    case 'frontdesk':
      return mine(req) === 0
        ? { toolCalls: [{ name: 'record_step', arguments: { label: 'greeted' } }, { name: 'transfer_to_billing', arguments: { reason: 'a refund question' } }] }
        : { content: 'frontdesk should not answer after handing off' };
    case 'billing':
      return { content: `billing: refund approved (saw ${req.messages.length} messages)` };
    case 'gatekeeper':
      return mine(req) === 0 ? { toolCalls: [{ name: 'record_step', arguments: { label: 'before-broken' } }, { name: 'transfer_to_broken', arguments: { reason: 'it knows' } }] } : undefined;
    case 'broken':
      return { toolCalls: [{ name: 'explode', arguments: {} }] };
    default: {
      // h1 … h5: pass the conversation on; when refused, answer.
      const n = Number(agent.slice(1));
      if (last.role === 'tool' && last.isError) return { content: `${agent} answers itself` };
      return { toolCalls: [{ name: `transfer_to_h${n + 1}`, arguments: { reason: `h${n + 1} knows more` } }] };
    }
  }
});

const agent = (name: string, handoffs: string[] = []) => testAgent(name, 'scripted:handoff', { instructions: `agent ${name}`, handoffs });

beforeAll(async () => {
  h = await startHarness({
    agents: [agent('frontdesk', ['billing']), agent('billing'), agent('gatekeeper', ['broken']), agent('broken'), agent('h1', ['h2']), agent('h2', ['h3']), agent('h3', ['h4']), agent('h4', ['h5']), agent('h5')],
    providers: [model],
  });
});
afterAll(() => h?.shutdown());

test('an agent hands its conversation to another, whose answer is the run\'s', async () => {
  const { id } = await h.agents.start('frontdesk', 'I was charged twice for order ORD-7', { tenantId: 'acme' });
  const result = await h.agents.result(id);
  expect(result).toMatchObject({ status: 'completed', handedOffTo: 'billing', steps: 2, answer: 'billing: refund approved (saw 5 messages)' });
  expect(result.toolCalls.map((c) => [c.tool, c.status])).toEqual([['record_step', 'succeeded'], ['transfer_to_billing', 'succeeded']]);

  // The model saw the transfer tool with its JSON schema.
  const first = model.requests.find((r) => agentOf(r) === 'frontdesk')!;
  expect(first.tools.find((t) => t.name === 'transfer_to_billing')).toMatchObject({ parameters: { type: 'object', properties: { reason: { type: 'string' } }, required: ['reason'] } });

  // The child run is derived from the step, carries the conversation, and runs under billing's own instructions and tools.
  const child = h.temporal.workflow.getHandle(`${id}/handoff-1`);
  expect((await child.describe()).status.name).toBe('COMPLETED');
  const billing = model.requests.find((r) => agentOf(r) === 'billing')!;
  expect(billing.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'tool']);
  expect(billing.messages[0]).toEqual({ role: 'system', content: 'agent billing' });
  expect(billing.messages[4]).toMatchObject({ role: 'tool', name: 'transfer_to_billing', content: 'Transferring the conversation to billing.' });
  expect(billing.tools.map((t) => t.name)).not.toContain('transfer_to_billing');
  expect((await h.agents.state(id)).handedOffTo).toBe('billing');
});

async function startChain(maxHandoffDepth?: number): Promise<{ id: string; result: AgentRunResult }> {
  const id = `run-default-chain-${Math.random().toString(36).slice(2)}`;
  const input: AgentRunInput = { agent: 'h1', input: 'who can help?', tenantId: 'default', ...(maxHandoffDepth ? { maxHandoffDepth } : {}) };
  const handle = await h.temporal.workflow.start('agentRun', { taskQueue: h.taskQueue, workflowId: id, args: [input] });
  return { id, result: (await handle.result()) as AgentRunResult };
}

test('past the depth limit the transfer goes back to the model as an error, and that agent answers', async () => {
  const { id, result } = await startChain(2);
  expect(result).toMatchObject({ answer: 'h3 answers itself', handedOffTo: 'h2' });
  const h3 = model.requests.filter((r) => agentOf(r) === 'h3').at(-1)!;
  expect(lastMessage(h3)).toMatchObject({ role: 'tool', isError: true, content: 'Not transferred to h4: the conversation was already handed off 2 time(s), the limit is 2. Answer the user yourself.' });
  await h.temporal.workflow.getHandle(`${id}/handoff-1/handoff-1`).describe();
  await expect(h.temporal.workflow.getHandle(`${id}/handoff-1/handoff-1/handoff-1`).describe()).rejects.toThrow();
});

test('the default depth limit is 3', async () => {
  const { result } = await startChain();
  expect(result.answer).toBe('h4 answers itself');
  expect(result.toolCalls.filter((c) => c.tool.startsWith('transfer_to_')).map((c) => [c.tool, c.status])).toEqual([
    ['transfer_to_h2', 'succeeded'],
    ['transfer_to_h3', 'succeeded'],
    ['transfer_to_h4', 'succeeded'],
    ['transfer_to_h5', 'tool_error'],
  ]);
});

test('a handoff that fails fails the run, which undoes what it did itself', async () => {
  const { id } = await h.agents.start('gatekeeper', 'break please');
  const err = await h.agents.result(id).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(((err as WorkflowFailedError).cause as Error).message).toMatch(/^agent run failed: agent run failed: the payment network is down; undone: nothing; undone: record_step\(call_\d+_\d+\)$/);
  const { rows } = await h.pool.query("SELECT kind, args->>'label' AS label FROM tool_effects WHERE workflow_id = $1 ORDER BY seq", [id]);
  expect(rows).toEqual([{ kind: 'execute', label: 'before-broken' }, { kind: 'compensate', label: 'before-broken' }]);
});
