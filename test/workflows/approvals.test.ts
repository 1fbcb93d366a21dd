/**
 * Approval breakpoints on a real server: the run waits and shows the pending call;
 * approve continues it; reject tells the model; a timeout takes the configured outcome;
 * an approval quoting different arguments is refused.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { AgentRunState } from '../../src/shared/run-types';
import { argsHash } from '../../src/tools/args-hash';
import { testAgent } from '../fixtures/test-agents';
import { startHarness, type Harness } from '../support/harness';
import { scriptedByTask } from '../support/scripted-by-task';

let h: Harness;
const { model, scripts } = scriptedByTask();

beforeAll(async () => {
  h = await startHarness({
    agents: [
      testAgent('approver', 'scripted:approvals'),
      testAgent('impatient', 'scripted:approvals', { approval: { timeout: '2s', onTimeout: 'reject' } }),
    ],
    providers: [model],
  });
});
afterAll(() => h?.shutdown());

async function waitFor(id: string, ok: (s: AgentRunState) => boolean): Promise<AgentRunState> {
  for (let i = 0; i < 200; i++) {
    const s = await h.agents.state(id).catch(() => undefined);
    if (s && ok(s)) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run ${id} never reached the expected state`);
}

async function paidRows(id: string): Promise<number> {
  const { rows } = await h.pool.query("SELECT 1 FROM tool_effects WHERE workflow_id = $1 AND tool = 'pay' AND kind = 'execute'", [id]);
  return rows.length;
}

function script(task: string, amount: number, final: string): void {
  scripts.set(task, [{ toolCalls: [{ id: `pay_${task.replace(/\W/g, '_')}`, name: 'pay', arguments: { amount, to: 'ACME' } }] }, { content: final }]);
}

test('the run waits at the breakpoint, shows the pending call, and continues when approved', async () => {
  script('approve it', 250, 'paid');
  const { id } = await h.agents.start('approver', 'approve it');
  const s = await waitFor(id, (x) => x.pendingApprovals.length === 1);
  expect(s.status).toBe('waiting_approval');
  const pending = s.pendingApprovals[0]!;
  expect(pending).toMatchObject({ tool: 'pay', args: { amount: 250, to: 'ACME' }, reason: 'payment of 250 is above 100' });
  expect(pending.argsHash).toMatch(/^[0-9a-f]{64}$/);
  expect(await paidRows(id)).toBe(0);

  await h.decide.approve(id, pending.callId, pending.argsHash, 'alice');
  const result = await h.agents.result(id);
  expect(result.answer).toBe('paid');
  expect(result.toolCalls[0]).toMatchObject({ tool: 'pay', status: 'succeeded' });
  expect(await paidRows(id)).toBe(1);
  // Who decided, with which role, when: the signed decision's principal at workflow time.
  const [decision] = (await h.agents.state(id)).decisions;
  expect(decision).toEqual({ callId: pending.callId, tool: 'pay', step: 1, decision: 'approved', by: { id: 'test:alice', name: 'alice', role: 'approver', tenant: '*' }, at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
});

test('an approval for different arguments is refused and the call keeps waiting', async () => {
  script('wrong hash', 500, 'paid');
  const { id } = await h.agents.start('approver', 'wrong hash');
  const s = await waitFor(id, (x) => x.pendingApprovals.length === 1);
  const pending = s.pendingApprovals[0]!;
  const otherHash = argsHash({ amount: 5, to: 'ACME' });
  const err = await h.decide.approve(id, pending.callId, otherHash).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  expect(String((err as WorkflowUpdateFailedError).cause?.message)).toMatch(/approval refused/);
  const unknownCall = await h.decide.approve(id, 'no_such_call', pending.argsHash).catch((e: unknown) => e);
  expect(String((unknownCall as WorkflowUpdateFailedError).cause?.message)).toMatch(/no pending approval for call "no_such_call"/);
  expect((await h.agents.state(id)).pendingApprovals).toHaveLength(1);
  expect(await paidRows(id)).toBe(0);
  await h.decide.approve(id, pending.callId, pending.argsHash);
  await h.agents.result(id);
  expect(await paidRows(id)).toBe(1);
});

test('a rejection goes back to the model, the tool never runs, and the run ends', async () => {
  script('reject it', 900, 'understood, not paying');
  const { id } = await h.agents.start('approver', 'reject it');
  const s = await waitFor(id, (x) => x.pendingApprovals.length === 1);
  await h.decide.reject(id, s.pendingApprovals[0]!.callId, s.pendingApprovals[0]!.argsHash, 'too expensive', 'bob');
  const result = await h.agents.result(id);
  expect(result.answer).toBe('understood, not paying');
  expect(result.toolCalls[0]).toMatchObject({ status: 'rejected', detail: 'rejected by bob: too expensive' });
  const lastRequest = model.requests.filter((r) => r.messages.some((m) => m.role === 'user' && m.content === 'reject it')).at(-1)!;
  const toolMsg = lastRequest.messages.find((m) => m.role === 'tool');
  expect(toolMsg).toMatchObject({ isError: true, content: expect.stringContaining('rejected by bob: too expensive') });
  expect(await paidRows(id)).toBe(0);
});

test('an approval that times out takes the configured outcome (reject)', async () => {
  script('nobody answers', 300, 'gave up waiting');
  const { id } = await h.agents.start('impatient', 'nobody answers');
  const result = await h.agents.result(id);
  expect(result.answer).toBe('gave up waiting');
  expect(result.toolCalls[0]).toMatchObject({ status: 'rejected', detail: 'not approved within 2s' });
  expect(await paidRows(id)).toBe(0);
});

test('payments at or below the threshold need no approval', async () => {
  script('small payment', 40, 'paid small');
  const { id } = await h.agents.start('approver', 'small payment');
  expect((await h.agents.result(id)).answer).toBe('paid small');
  expect(await paidRows(id)).toBe(1);
});
