/**
 * The real `openai` and `@anthropic-ai/sdk` clients, inside agent runs on a real server,
 * against a local HTTP server speaking their wire formats: tool-call round trips, a 429
 * retried by Temporal after its retry-after, a 400 not retried.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { FailureType } from '../../src/shared/failures';
import { testAgent } from '../fixtures/test-agents';
import { anthropicErrorBody, openaiErrorBody, startFakeLlmServer, type FakeLlmServer } from '../support/fake-llm-server';
import { startHarness, type Harness } from '../support/harness';
import { eventTime, historyOf } from '../support/history';

let h: Harness;
let llm: FakeLlmServer;

beforeAll(async () => {
  llm = await startFakeLlmServer();
  h = await startHarness({
    agents: [testAgent('gpt', 'openai:gpt-4o-mini'), testAgent('claude', 'anthropic:claude-3-5-haiku-latest')],
    openai: { apiKey: 'sk-test', baseURL: llm.openaiBaseURL },
    anthropic: { apiKey: 'sk-ant-test', baseURL: llm.anthropicBaseURL },
  });
});
afterAll(async () => {
  await h?.shutdown();
  await llm?.close();
});
beforeEach(() => {
  llm.requests.length = 0;
});

test('openai: a tool-call round trip through the real SDK', async () => {
  llm.enqueue('openai', { toolCalls: [{ id: 'call_abc', name: 'lookup', arguments: { q: 'temporal' } }], usage: { inputTokens: 120, outputTokens: 20 } });
  llm.enqueue('openai', { text: 'Temporal has 8 letters.', usage: { inputTokens: 150, outputTokens: 10 } });
  const { id } = await h.agents.start('gpt', 'How long is the word temporal?');
  const result = await h.agents.result(id);
  expect(result.answer).toBe('Temporal has 8 letters.');
  expect(result.usage).toEqual({ inputTokens: 270, outputTokens: 30 });
  expect(result.costUsd).toBeGreaterThan(0); // priced from the table
  const [first, second] = llm.requests.map((r) => r.body as { model: string; tools?: Array<{ function: { name: string } }>; messages: Array<Record<string, unknown>> });
  expect(first!.model).toBe('gpt-4o-mini');
  expect(first!.tools!.map((t) => t.function.name)).toEqual(['record_step', 'explode', 'pay', 'lookup', 'noop']);
  expect(second!.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_1_0', content: JSON.stringify({ q: 'temporal', answer: 8 }) });
});

test('anthropic: a tool-call round trip through the real SDK', async () => {
  llm.enqueue('anthropic', { toolCalls: [{ id: 'toolu_1', name: 'lookup', arguments: { q: 'durable' } }] });
  llm.enqueue('anthropic', { text: 'Durable has 7 letters.' });
  const { id } = await h.agents.start('claude', 'How long is the word durable?');
  const result = await h.agents.result(id);
  expect(result.answer).toBe('Durable has 7 letters.');
  const second = llm.requests[1]!.body as { system?: unknown; messages: Array<{ role: string; content: unknown }> };
  expect(second.system).toBe('You are a test agent.');
  expect(second.messages.at(-1)).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1_0' }] });
});

test('a 429 with retry-after is retried by Temporal after the delay', async () => {
  llm.enqueue('openai', { status: 429, headers: { 'retry-after': '2' }, body: openaiErrorBody('Rate limit reached', 'requests', 'rate_limit_exceeded') });
  llm.enqueue('openai', { text: 'after the wait' });
  const { id } = await h.agents.start('gpt', 'rate limited task');
  const result = await h.agents.result(id);
  expect(result.answer).toBe('after the wait');
  expect(llm.requests).toHaveLength(2);
  const events = await historyOf(h.temporal, id);
  const started = events.find((e) => e.activityTaskStartedEventAttributes);
  expect(started!.activityTaskStartedEventAttributes!.attempt).toBe(2);
  expect(started!.activityTaskStartedEventAttributes!.lastFailure?.applicationFailureInfo?.type).toBe(FailureType.ModelRateLimit);
  const scheduled = events.find((e) => e.activityTaskScheduledEventAttributes)!;
  expect(eventTime(started!) - eventTime(scheduled)).toBeGreaterThanOrEqual(1900);
});

test('a 400 is not retried: the run fails with a BadRequest failure after one call', async () => {
  llm.enqueue('anthropic', { status: 400, body: anthropicErrorBody('invalid_request_error', 'messages: field required') });
  const { id } = await h.agents.start('claude', 'bad request task');
  const err = await h.agents.result(id).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(String(((err as WorkflowFailedError).cause as Error).message)).toMatch(/anthropic returned 400/);
  expect(llm.requests).toHaveLength(1);
  const events = await historyOf(h.temporal, id);
  const failed = events.find((e) => e.activityTaskFailedEventAttributes)!;
  expect(failed.activityTaskFailedEventAttributes!.failure?.applicationFailureInfo).toMatchObject({ type: FailureType.ModelBadRequest, nonRetryable: true });
});
