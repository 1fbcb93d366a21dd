/**
 * `watch` prints every policy event once, in order, although the run keeps only its
 * latest 200: events are recognised by their `seq`, or — for events recorded without one —
 * by step, kind and detail.
 */
import type { AgentClient } from '../../src/client/agent-client';
import { policyEventTracker, watchRun } from '../../src/cli/watch';
import type { StepPolicyEvent } from '../../src/shared/policy-events';
import type { AgentRunResult, AgentRunState } from '../../src/shared/run-types';

const KEPT = 200;

/** Event i (1-based) as the workflow records it; `seq` optional. */
function event(i: number, withSeq: boolean): StepPolicyEvent {
  return { kind: i % 3 ? 'guardrail' : 'cache_hit', detail: `decision ${i}`, step: Math.ceil(i / 4), ...(withSeq ? { seq: i } : {}) };
}

/** The run's list after `n` events: only the latest KEPT. */
function kept(n: number, withSeq: boolean): StepPolicyEvent[] {
  return Array.from({ length: n }, (_, i) => event(i + 1, withSeq)).slice(-KEPT);
}

describe.each([true, false])('with seq: %s', (withSeq) => {
  test('each event is new exactly once, past the 200 the run keeps', () => {
    const track = policyEventTracker();
    const shown: string[] = [];
    for (const n of [0, 5, 150, 150, 199, 200, 201, 260, 400, 401, 405]) shown.push(...track(kept(n, withSeq)).map((e) => e.detail));
    expect(shown).toEqual(Array.from({ length: 405 }, (_, i) => `decision ${i + 1}`));
  });
});

test('without seq, repeated identical events are counted by position', () => {
  const track = policyEventTracker();
  const same: StepPolicyEvent = { kind: 'guardrail', detail: 'input: redact (email)', step: 1 };
  expect(track([same])).toHaveLength(1);
  expect(track([same, same])).toHaveLength(1);
  expect(track([same, same, { ...same, step: 2 }])).toEqual([{ ...same, step: 2 }]);
  expect(track([same, { ...same, step: 2 }, { ...same, step: 3 }])).toEqual([{ ...same, step: 3 }]);
});

test('a list that mixes events with and without seq (recorded before and after seq existed)', () => {
  const track = policyEventTracker();
  const old = kept(150, false);
  expect(track(old)).toHaveLength(150);
  const later = [...old, ...Array.from({ length: 100 }, (_, i) => event(151 + i, true))].slice(-KEPT);
  expect(track(later).map((e) => e.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 151 + i));
  const allNew = Array.from({ length: 250 }, (_, i) => event(i + 1, true)).slice(-KEPT);
  expect(track(allNew)).toEqual([]);
});

test('watchRun prints the policy events of a run past its 200th', async () => {
  const snapshots = [10, 199, 230, 300].map((n) => kept(n, true));
  let polls = 0;
  let finish: (r: AgentRunResult) => void = () => undefined;
  const result = new Promise<AgentRunResult>((resolve) => (finish = resolve));
  const client = {
    result: () => result,
    state: async (): Promise<AgentRunState> => {
      const policyEvents = snapshots[Math.min(polls, snapshots.length - 1)]!;
      polls += 1;
      if (polls >= snapshots.length) finish({ status: 'completed', answer: 'done', steps: 1, usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0, toolCalls: [], model: 'm' });
      return { toolCalls: [], pendingApprovals: [], policyEvents } as unknown as AgentRunState;
    },
  } as unknown as AgentClient;
  const lines: string[] = [];
  await watchRun(client, 'run-1', (l) => lines.push(l), { intervalMs: 1 });
  const details = lines.map((l) => /decision (\d+)$/.exec(l)?.[1]).filter(Boolean).map(Number);
  expect(details).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
});
