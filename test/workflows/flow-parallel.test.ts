/**
 * Parallelism in flows, proven from history: map items and parallel branches run as
 * child workflows whose lifetimes overlap; map concurrency is capped; a loop stops at
 * its round limit.
 */
import { FlowClient } from '../../src/client/flow-client';
import { testAgent } from '../fixtures/test-agents';
import { flowScriptedModel } from '../support/flow-script';
import { startHarness, type Harness } from '../support/harness';
import { eventTime, historyOf, type HistoryEvent } from '../support/history';

let h: Harness;
let flows: FlowClient;
const { model, scripts } = flowScriptedModel();

beforeAll(async () => {
  h = await startHarness({ agents: [testAgent('tester', 'scripted:flow')], providers: [model] });
  flows = new FlowClient(h.temporal, h.taskQueue);
});
afterAll(() => h?.shutdown());

/** Start and close times of each child, from the parent's history. */
function lifetimes(events: HistoryEvent[], flowId: string): Record<string, { start: number; close: number }> {
  const out: Record<string, { start: number; close: number }> = {};
  for (const e of events) {
    const started = e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
    const closed = e.childWorkflowExecutionCompletedEventAttributes?.workflowExecution?.workflowId;
    if (started) out[started.slice(flowId.length + 1)] = { start: eventTime(e), close: Infinity };
    if (closed) out[closed.slice(flowId.length + 1)]!.close = eventTime(e);
  }
  return out;
}

function overlap(spans: Array<{ start: number; close: number }>): number {
  return Math.min(...spans.map((s) => s.close)) - Math.max(...spans.map((s) => s.start));
}

test('map items and parallel branches run at the same time', async () => {
  scripts.set('par: plan', [{ content: 'Plan: {"sections": ["alpha", "beta", "gamma"]}' }]);
  scripts.set('par: write', [{ content: 'written', delayMs: 1500 }]);
  scripts.set('par: left', [{ content: 'left done', delayMs: 1500 }]);
  scripts.set('par: right', [{ content: 'right done', delayMs: 1500 }]);
  const { id } = await flows.startFlow(
    {
      name: 'parallel-test',
      nodes: {
        plan: { type: 'agent', agent: 'tester', input: 'par: plan', next: 'write' },
        write: { type: 'map', agent: 'tester', over: { node: 'plan', path: 'output.sections' }, input: 'par: write {{index}} {{item}}', next: 'both' },
        both: { type: 'parallel', branches: ['left', 'right'] },
        left: { type: 'agent', agent: 'tester', input: 'par: left after {{nodes.write.output.2}}' },
        right: { type: 'agent', agent: 'tester', input: 'par: right' },
      },
    },
    'go',
  );
  const result = await flows.result(id);
  expect(result.nodes.write).toEqual({ status: 'completed', answer: 'written\n\nwritten\n\nwritten', output: ['written', 'written', 'written'] });
  expect(result.nodes.both).toMatchObject({ status: 'completed', output: { left: 'left done', right: 'right done' } });
  expect(model.requests.some((r) => r.messages.some((m) => m.role === 'user' && m.content === 'par: write 1 beta'))).toBe(true);

  const spans = lifetimes(await historyOf(h.temporal, id), id);
  const items = ['write/item-0', 'write/item-1', 'write/item-2'].map((k) => spans[k]!);
  // Each item takes ≥ 1.5 s; run one after another they could not overlap at all.
  expect(overlap(items)).toBeGreaterThan(1000);
  expect(overlap([spans.left!, spans.right!])).toBeGreaterThan(1000);
  // The group started after every item had closed.
  expect(Math.min(spans.left!.start, spans.right!.start)).toBeGreaterThanOrEqual(Math.max(...items.map((s) => s.close)));
});

test('maxConcurrency caps how many map items run at once', async () => {
  scripts.set('cap: list', [{ content: '["a", "b", "c", "d"]' }]);
  scripts.set('cap: item', [{ content: 'ok', delayMs: 700 }]);
  const { id } = await flows.startFlow(
    {
      name: 'cap-test',
      nodes: {
        list: { type: 'agent', agent: 'tester', input: 'cap: list', next: 'items' },
        items: { type: 'map', agent: 'tester', over: { node: 'list', path: 'output' }, input: 'cap: item {{item}}', maxConcurrency: 2 },
      },
    },
    'go',
  );
  await flows.result(id);
  const spans = Object.entries(lifetimes(await historyOf(h.temporal, id), id))
    .filter(([key]) => key.startsWith('items/'))
    .map(([, span]) => span);
  expect(spans).toHaveLength(4);
  const most = Math.max(...spans.map((s) => spans.filter((o) => o.start <= s.start && s.start < o.close).length));
  expect(most).toBe(2);
});

test('a loop runs rounds until its condition holds, and stops at maxRounds otherwise', async () => {
  scripts.set('loop: review', [{ content: '{"verdict": "revise", "draft": "v1"}' }]);
  scripts.set('loop: again', [{ content: '{"verdict": "revise", "draft": "v2"}' }]);
  const { id } = await flows.startFlow(
    {
      name: 'loop-test',
      nodes: {
        review: {
          type: 'loop',
          agent: 'tester',
          input: 'loop: review {{input}}',
          nextInput: 'loop: again, round {{loop.round}} after {{loop.previous.output.draft}}',
          until: { path: 'output.verdict', equals: 'approve' },
          maxRounds: 3,
        },
      },
    },
    'draft zero',
  );
  const result = await flows.result(id);
  expect(result.nodes.review).toMatchObject({ status: 'completed', output: { draft: 'v2' } });
  const tasks = model.requests.map((r) => r.messages.find((m) => m.role === 'user')?.content).filter((t) => t?.startsWith('loop:'));
  expect(tasks).toEqual(['loop: review draft zero', 'loop: again, round 2 after v1', 'loop: again, round 3 after v2']);
  const state = await flows.flowState(id);
  expect(state.trail.filter((e) => e.event === 'round').map((e) => e.detail)).toEqual(['review round 1: another round', 'review round 2: another round', 'review round 3: stopping after 3 rounds']);
});
