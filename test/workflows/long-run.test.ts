/**
 * A 200-step run continues as new past a history threshold, carrying the conversation,
 * and completes.
 */
import { ScriptedProvider } from '../../src/models/scripted';
import { testAgent } from '../fixtures/test-agents';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
const STEPS = 200;
const model = new ScriptedProvider((req) => {
  const done = req.messages.filter((m) => m.role === 'assistant').length;
  return done < STEPS ? { toolCalls: [{ name: 'noop', arguments: {} }] } : { content: `finished after ${done} tool steps` };
});

beforeAll(async () => {
  h = await startHarness({ agents: [testAgent('marathon', 'scripted:long', { maxSteps: 500 })], providers: [model] });
});
afterAll(() => h?.shutdown());

test('a 200-step run continues as new, keeps its conversation and completes', async () => {
  const { id } = await h.agents.start('marathon', 'run for a long time', { historyEventLimit: 300 });
  const result = await h.agents.result(id);
  expect(result.status).toBe('completed');
  expect(result.steps).toBe(STEPS + 1);
  expect(result.answer).toBe(`finished after ${STEPS} tool steps`);

  const state = await h.agents.state(id);
  expect(state.continuedAsNew).toBeGreaterThanOrEqual(2);
  // The last model request still saw the whole conversation: system, user, and 200 rounds.
  const last = model.requests.at(-1)!;
  expect(last.messages.filter((m) => m.role === 'tool')).toHaveLength(STEPS);
  expect(last.messages[1]).toEqual({ role: 'user', content: 'run for a long time' });

  // Every run in the chain stayed under the threshold (plus one step's worth of events).
  let runId: string | undefined = (await h.temporal.workflow.getHandle(id).describe()).runId;
  const lengths: number[] = [];
  while (runId) {
    const d = await h.temporal.workflow.getHandle(id, runId).describe();
    lengths.push(d.historyLength);
    const hist = await h.temporal.workflow.getHandle(id, runId).fetchHistory();
    runId = hist.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  expect(lengths.length).toBe(state.continuedAsNew + 1);
  for (const n of lengths) expect(n).toBeLessThan(300 + 40);
}, 300_000);
