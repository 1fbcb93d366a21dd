/**
 * A deploy changes an agent while a run of it is in flight: the run finishes with the
 * instructions and tools it started with. The run waits at an approval while its worker
 * is replaced by one with a new version of the agent; the next model step, on the new
 * worker, still sees the old instructions and tool list, and a tool the new version added
 * cannot be called. A worker that lost a tool the run needs fails it with a clear message.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { FailureType } from '../../src/shared/failures';
import { lookup, noop, pay, testAgent } from '../fixtures/test-agents';
import { startHarness, type Harness } from '../support/harness';
import { scriptedByTask } from '../support/scripted-by-task';

const { model, scripts } = scriptedByTask();
const v1 = testAgent('shifty', 'scripted:pin', { instructions: 'You are version one.', tools: [pay, lookup] });
const v2 = testAgent('shifty', 'scripted:pin', { instructions: 'You are version two.', tools: [pay, lookup, noop] });
const v3 = testAgent('shifty', 'scripted:pin', { instructions: 'You are version three.', tools: [pay] });

const requestsOf = (task: string) => model.requests.filter((r) => r.messages.some((m) => m.role === 'user' && m.content === task));

/** Starts a run on a v1 worker, lets it stop at its approval, and replaces the worker with `next`. */
async function deployMidRun(task: string, next: typeof v1): Promise<{ h: Harness; id: string }> {
  const taskQueue = `pin-${randomUUID()}`;
  const old = await startHarness({ agents: [v1], providers: [model], taskQueue, sdkLogLevel: 'ERROR' });
  const { id } = await old.agents.start('shifty', task);
  for (let i = 0; !(await old.agents.state(id)).pendingApprovals.length; i++) {
    if (i > 200) throw new Error('the run never reached its approval');
    await new Promise((r) => setTimeout(r, 50));
  }
  await old.shutdown();
  return { h: await startHarness({ agents: [next], providers: [model], taskQueue, sdkLogLevel: 'ERROR' }), id };
}

test('after a deploy mid-run, the run keeps the instructions and tools it started with', async () => {
  const task = `pinned ${randomUUID()}`;
  scripts.set(task, [
    { toolCalls: [{ name: 'pay', arguments: { amount: 500, to: 'shop' } }] },
    // The model names the tool version two added: it was never offered to this run, so it is refused.
    { toolCalls: [{ name: 'noop', arguments: {} }] },
    { content: 'done' },
  ]);
  const { h, id } = await deployMidRun(task, v2);
  try {
    const p = (await h.agents.state(id)).pendingApprovals[0]!;
    await h.decide.approve(id, p.callId, p.argsHash, 'alice');
    const result = await h.agents.result(id);
    expect(result.answer).toBe('done');
    const [, second, third] = requestsOf(task);
    for (const req of [second!, third!]) {
      expect(req.tools.map((t) => t.name)).toEqual(['pay', 'lookup']);
      expect(req.messages[0]).toEqual({ role: 'system', content: 'You are version one.' });
    }
    expect(result.toolCalls.map((c) => [c.tool, c.status])).toEqual([
      ['pay', 'succeeded'],
      ['noop', 'invalid'],
    ]);
  } finally {
    await h.shutdown();
  }
});

test('a worker that no longer has a tool the run started with fails it, naming the tool', async () => {
  const task = `lost tool ${randomUUID()}`;
  scripts.set(task, [{ toolCalls: [{ name: 'pay', arguments: { amount: 500, to: 'shop' } }] }, { content: 'never' }]);
  const { h, id } = await deployMidRun(task, v3);
  try {
    const p = (await h.agents.state(id)).pendingApprovals[0]!;
    await h.decide.approve(id, p.callId, p.argsHash, 'alice');
    const err = await h.agents.result(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const chain: Array<{ type?: string; message: string }> = [];
    for (let e = (err as WorkflowFailedError).cause as (Error & { type?: string; cause?: unknown }) | undefined; e; e = e.cause as typeof e) chain.push(e);
    expect(chain.at(-1)).toMatchObject({ type: FailureType.AgentChanged, message: expect.stringMatching(/no longer has the tool lookup this run started with/) });
    // The payment it made before is undone: the run failed.
    expect((await h.agents.state(id)).compensations.map((c) => c.status)).toEqual(['compensated']);
  } finally {
    await h.shutdown();
  }
});
