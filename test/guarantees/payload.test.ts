/**
 * Promise: a long run never gets stuck on Temporal's payload limits. Every model call
 * takes the whole conversation, and continue-as-new carries it: both stay under 2 MB
 * however many large tool results the run gathers, and a tool returning more than fits
 * in an activity result is cut, not retried until the run fails.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineTool } from '../../src/tools/define-tool';
import { testAgent } from '../fixtures/test-agents';
import { startHarness, type Harness } from '../support/harness';
import { historyOf } from '../support/history';
import { scriptedByTask } from '../support/scripted-by-task';

const page = defineTool({
  name: 'read_page',
  description: 'Read a 16 KB page (read-only).',
  input: z.object({ n: z.number().int() }),
  effect: 'read',
  async execute({ n }) {
    return `page ${n}: ${'lorem ipsum dolor sit amet '.repeat(600)}`.slice(0, 16_000);
  },
});

const dump = defineTool({
  name: 'dump_table',
  description: 'Dump a whole table (read-only): 3 MB.',
  input: z.object({}),
  effect: 'read',
  async execute() {
    return 'x'.repeat(3_000_000);
  },
});

let h: Harness;
const { model, scripts } = scriptedByTask();
beforeAll(async () => {
  h = await startHarness({
    agents: [testAgent('reader', 'scripted:pages', { tools: [page, dump], maxSteps: 200 })],
    providers: [model],
    sdkLogLevel: 'ERROR',
    // Tool-result caching would serve the same page; every step here must carry a new 16 KB result.
    policies: { cache: { tools: { enabled: false } } },
  });
});
afterAll(() => h?.shutdown());

test('160 tool results of 16 KB (2.5 MB in all): the run completes, the conversation stays under the limit', async () => {
  const task = `read many pages ${randomUUID()}`;
  scripts.set(task, [...Array.from({ length: 160 }, (_, n) => ({ toolCalls: [{ name: 'read_page', arguments: { n } }] })), { content: 'read them all' }]);
  const { id } = await h.agents.start('reader', task, { maxSteps: 200 });
  const result = await h.agents.result(id);
  expect(result.status).toBe('completed');
  expect(result.steps).toBe(161);
  const last = model.requests.filter((r) => r.messages.some((m) => m.role === 'user' && m.content === task)).at(-1)!;
  expect(Buffer.byteLength(JSON.stringify(last.messages))).toBeLessThan(1_100_000);
  // No workflow task failed on the way.
  expect((await historyOf(h.temporal, id)).filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
  expect((await h.agents.state(id)).policyEvents).toContainEqual(expect.objectContaining({ kind: 'conversation_elided' }));
}, 300_000);

test('a tool result larger than an activity result may be is cut, and the run goes on', async () => {
  const task = `dump ${randomUUID()}`;
  scripts.set(task, [{ toolCalls: [{ name: 'dump_table', arguments: {} }] }, { content: 'dumped' }]);
  const { id } = await h.agents.start('reader', task);
  const result = await h.agents.result(id);
  expect(result.status).toBe('completed');
  expect(result.toolCalls[0]!.status).toBe('succeeded');
});
