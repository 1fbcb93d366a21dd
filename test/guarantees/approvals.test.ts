/**
 * Promise: a person approves exactly the call they saw, and a tool that needs approval
 * never runs without the approval of exactly its arguments. The model is the adversary:
 * it picks every tool-call id (empty, very long, repeated within a step, reused from an
 * earlier step, shaped like the run's own ids) and changes arguments between steps; the
 * approver sometimes quotes the hash of other arguments first (a stale approval).
 */
import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import fc from 'fast-check';
import type { ScriptedToolCall, ScriptedTurn } from '../../src/models/scripted';
import type { AgentRunState } from '../../src/shared/run-types';
import { argsHash } from '../../src/tools/args-hash';
import { testAgent } from '../fixtures/test-agents';
import { startHarness, type Harness } from '../support/harness';
import { scriptedByTask } from '../support/scripted-by-task';
import { params, sleep, timeoutFor } from './property';

let h: Harness;
const { model, scripts } = scriptedByTask();

beforeAll(async () => {
  h = await startHarness({
    agents: [testAgent('approver', 'scripted:adversary', { maxSteps: 12 }), testAgent('front', 'scripted:adversary', { handoffs: ['approver'] })],
    providers: [model],
    sdkLogLevel: 'ERROR',
  });
});
afterAll(() => h?.shutdown());

interface Effect {
  key: string;
  tool: string;
  args: Record<string, unknown>;
}

async function executed(id: string): Promise<Effect[]> {
  const { rows } = await h.pool.query<{ idempotency_key: string; tool: string; args: Record<string, unknown> }>(
    "SELECT idempotency_key, tool, args FROM tool_effects WHERE workflow_id = $1 AND kind = 'execute' ORDER BY seq",
    [id],
  );
  return rows.map((r) => ({ key: r.idempotency_key, tool: r.tool, args: r.args }));
}

/** Ids a hostile model might write. */
const hostileId = fc.oneof(
  fc.constantFrom('', 'call_0', 'call_1_0', 'call_2_0', 'toolu_01', ' ', '../x', 'id\nwith\nnewlines', '💥', 'a'.repeat(10_000)),
  fc.string({ maxLength: 40 }),
);

const call = fc.oneof(
  fc.record({ name: fc.constant('pay'), arguments: fc.record({ amount: fc.integer({ min: 1, max: 400 }), to: fc.constantFrom('alice', 'mallory') }) }),
  fc.record({ name: fc.constant('record_step'), arguments: fc.record({ label: fc.string({ minLength: 1, maxLength: 12 }), ms: fc.integer({ min: 0, max: 50 }) }) }),
);

/** A script of 1–4 steps of 1–3 calls each, then an answer, with ids from a small hostile pool (so they repeat). */
const scenario = fc
  .record({
    ids: fc.array(hostileId, { minLength: 1, maxLength: 3 }),
    steps: fc.array(fc.array(fc.record({ call, idIndex: fc.nat() }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }),
    decisions: fc.array(fc.record({ approve: fc.boolean(), staleFirst: fc.boolean() }), { minLength: 12, maxLength: 12 }),
  })
  .map(({ ids, steps, decisions }) => ({
    steps: steps.map((s) => s.map(({ call: c, idIndex }) => ({ ...c, id: ids[idIndex % ids.length]! }) as ScriptedToolCall & { arguments: Record<string, unknown> })),
    decisions,
  }));

const needsApproval = (c: { name: string; arguments: Record<string, unknown> }): boolean => c.name === 'pay' && (c.arguments.amount as number) > 100;

test(
  'no tool runs without the approval of exactly its arguments; every other call runs once',
  async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ steps, decisions }) => {
        const task = `adversary ${randomUUID()}`;
        scripts.set(task, [...steps.map((toolCalls): ScriptedTurn => ({ toolCalls })), { content: 'done' }]);
        const { id } = await h.agents.start('approver', task);
        const approved: Array<{ callId: string; argsHash: string; args: unknown }> = [];
        const decided = new Set<string>();
        let d = 0;
        for (let i = 0; ; i++) {
          if (i > 400) throw new Error(`run ${id} did not finish`);
          const s: AgentRunState = await h.agents.state(id);
          if (!['running', 'waiting_approval'].includes(s.status)) break;
          // A run that waits always says for what.
          if (s.status === 'waiting_approval') expect(s.pendingApprovals.length).toBeGreaterThan(0);
          for (const p of s.pendingApprovals) {
            if (decided.has(p.callId)) continue;
            decided.add(p.callId);
            const choice = decisions[d++ % decisions.length]!;
            if (choice.staleFirst) {
              // An approval quoting other arguments is refused, and changes nothing.
              const stale = argsHash({ ...(p.args as object), amount: 9999, to: 'mallory' });
              await expect(h.decide.approve(id, p.callId, stale, 'mallory')).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
            }
            if (choice.approve) {
              await h.decide.approve(id, p.callId, p.argsHash, 'alice');
              approved.push({ callId: p.callId, argsHash: p.argsHash, args: p.args });
            } else {
              await h.decide.reject(id, p.callId, p.argsHash, 'no', 'alice');
            }
          }
          await sleep(40);
        }
        const result = await h.agents.result(id);
        expect(result.answer).toBe('done');

        // What should have run: every record_step and small payment, and each large payment the person approved — in order, once each.
        const expected: Array<{ tool: string; args: Record<string, unknown> }> = [];
        // Breakpoints appear in order (step, then position), and the k-th got decisions[k].
        let k = 0;
        for (const step of steps) {
          const ran = step.filter((c) => !needsApproval(c) || decisions[k++ % decisions.length]!.approve);
          expected.push(...ran.map((c) => ({ tool: c.name, args: c.arguments })));
        }
        const effects = await executed(id);
        const canon = (x: { tool: string; args: Record<string, unknown> }) => `${x.tool}:${JSON.stringify(x.args, Object.keys(x.args).sort())}`;
        expect(effects.map(canon).sort()).toEqual(expected.map(canon).sort());
        expect(new Set(effects.map((e) => e.key)).size).toBe(effects.length);

        // Each large payment that ran was approved, under its own call id, for exactly its arguments.
        for (const e of effects.filter((x) => needsApproval({ name: x.tool, arguments: x.args }))) {
          const callId = e.key.split('/').at(-1)!;
          const approval = approved.find((x) => x.callId === callId);
          expect(approval).toBeDefined();
          expect(approval!.argsHash).toBe(argsHash(e.args));
        }
        // The run's own ids: one per (step, position), whatever the model wrote.
        expect(new Set(result.toolCalls.map((c) => c.callId)).size).toBe(result.toolCalls.length);
      }),
      params(12),
    );
  },
  timeoutFor(12, 8_000),
);

test('an id reused at a later step with other arguments waits for its own approval', async () => {
  const task = `reuse ${randomUUID()}`;
  scripts.set(task, [
    { toolCalls: [{ id: 'call_0', name: 'pay', arguments: { amount: 150, to: 'shop' } }] },
    { toolCalls: [{ id: 'call_0', name: 'pay', arguments: { amount: 9999, to: 'mallory' } }] },
    { content: 'done' },
  ]);
  const { id } = await h.agents.start('approver', task);
  const waitPending = async (n: number) => {
    for (let i = 0; i < 200; i++) {
      const s = await h.agents.state(id);
      if (s.pendingApprovals.length && s.toolCalls.length >= n) return s.pendingApprovals[0]!;
      await sleep(50);
    }
    throw new Error('no pending approval');
  };
  const first = await waitPending(1);
  await h.decide.approve(id, first.callId, first.argsHash, 'alice');
  // The second call must stop at its own breakpoint: the first decision does not carry over.
  const second = await waitPending(2);
  expect(second.callId).not.toBe(first.callId);
  expect(second.args).toEqual({ amount: 9999, to: 'mallory' });
  expect((await executed(id)).map((e) => e.args.amount)).toEqual([150]);
  await h.decide.reject(id, second.callId, second.argsHash, 'not what I approved', 'alice');
  expect((await h.agents.result(id)).answer).toBe('done');
  expect((await executed(id)).map((e) => e.args.amount)).toEqual([150]);
});

test('two calls with one id in one step are two calls: each runs, once', async () => {
  const task = `twins ${randomUUID()}`;
  scripts.set(task, [
    {
      toolCalls: [
        { id: 'dup', name: 'record_step', arguments: { label: 'first' } },
        { id: 'dup', name: 'record_step', arguments: { label: 'second' } },
      ],
    },
    { content: 'done' },
  ]);
  const { id } = await h.agents.start('approver', task);
  await h.agents.result(id);
  expect((await executed(id)).map((e) => e.args.label).sort()).toEqual(['first', 'second']);
});

test('after a handoff, the run that took over keys its calls apart from the ones it inherited', async () => {
  const task = `handoff ${randomUUID()}`;
  scripts.set(task, [
    {
      toolCalls: [
        { id: 'x', name: 'pay', arguments: { amount: 50, to: 'shop' } },
        { id: 'x', name: 'transfer_to_approver', arguments: { reason: 'billing question' } },
      ],
    },
    { toolCalls: [{ id: 'x', name: 'pay', arguments: { amount: 60, to: 'shop' } }] },
    { content: 'done' },
  ]);
  const { id } = await h.agents.start('front', task);
  const result = await h.agents.result(id);
  expect(result).toMatchObject({ handedOffTo: 'approver', answer: 'done' });
  expect((await executed(id)).map((e) => e.args.amount)).toEqual([50]);
  expect((await executed(`${id}/handoff-1`)).map((e) => e.args.amount)).toEqual([60]);
  // Every tool call in the conversation the second agent sends has an id of its own.
  const last = model.requests.filter((r) => r.messages.some((m) => m.role === 'user' && m.content === task)).at(-1)!;
  const ids = last.messages.flatMap((m) => (m.role === 'assistant' ? (m.toolCalls ?? []).map((c) => c.id) : []));
  expect(ids.length).toBe(3);
  expect(new Set(ids).size).toBe(ids.length);
});
