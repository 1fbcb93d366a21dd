import { RateLimitError } from '@anthropic-ai/sdk';
import { AnthropicProvider } from '../../src/models/anthropic';
import type { ModelRequest } from '../../src/models/types';
import { FailureType } from '../../src/shared/failures';
import type { ChatMessage } from '../../src/shared/messages';
import { anthropicErrorBody, startFakeLlmServer, type FakeLlmServer } from '../support/fake-llm-server';
import { classifiedFailure, lookupOrderTool } from './helpers';

let srv: FakeLlmServer;

beforeAll(async () => {
  srv = await startFakeLlmServer();
});

afterAll(() => srv.close());

afterEach(() => {
  expect(srv.pending('anthropic')).toBe(0);
  srv.requests.length = 0;
});

const provider = (): AnthropicProvider => new AnthropicProvider({ apiKey: 'ant-test', baseURL: srv.anthropicBaseURL });

const request = (messages: ChatMessage[]): ModelRequest => ({
  model: 'claude-haiku-4-5',
  messages,
  tools: [lookupOrderTool],
  temperature: 0.2,
});

const task: ChatMessage[] = [
  { role: 'system', content: 'You help with orders.' },
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Where are orders AB-1 and AB-2?' },
];

describe('AnthropicProvider against the Messages wire format', () => {
  it('sends system and tools, normalizes tool_use, and groups tool results in one user turn', async () => {
    srv.enqueue('anthropic', {
      text: 'Let me check both.',
      toolCalls: [
        { id: 'toolu_1', name: 'lookup_order', arguments: { orderId: 'AB-1' } },
        { id: 'toolu_2', name: 'lookup_order', arguments: { orderId: 'AB-2' } },
      ],
      usage: { inputTokens: 120, outputTokens: 30 },
    });
    const first = await provider().complete(request(task));

    expect(first).toEqual({
      message: {
        role: 'assistant',
        content: 'Let me check both.',
        toolCalls: [
          { id: 'toolu_1', name: 'lookup_order', arguments: '{"orderId":"AB-1"}' },
          { id: 'toolu_2', name: 'lookup_order', arguments: '{"orderId":"AB-2"}' },
        ],
      },
      usage: { inputTokens: 120, outputTokens: 30 },
      finishReason: 'tool_calls',
      model: 'anthropic:claude-haiku-4-5',
    });
    const sent = srv.requests[0];
    expect(sent?.path).toBe('/v1/messages');
    expect([sent?.headers['x-api-key'], sent?.headers.authorization]).toContainEqual(expect.stringContaining('ant-test'));
    // Temperature is deliberately absent: the current API version no longer accepts it.
    expect(sent?.body).toEqual({
      model: 'claude-haiku-4-5',
      max_tokens: 1024,
      system: 'You help with orders.\n\nBe brief.',
      messages: [{ role: 'user', content: 'Where are orders AB-1 and AB-2?' }],
      tools: [{ name: 'lookup_order', description: lookupOrderTool.description, input_schema: lookupOrderTool.parameters }],
    });

    srv.enqueue('anthropic', { text: 'AB-1 shipped; AB-2 could not be found.' });
    const garbled: ChatMessage = {
      role: 'assistant',
      content: null,
      toolCalls: [{ id: 'toolu_3', name: 'lookup_order', arguments: '{"orderId": AB-3' }],
    };
    const history: ChatMessage[] = [
      ...task,
      first.message,
      { role: 'tool', toolCallId: 'toolu_1', name: 'lookup_order', content: '{"status":"shipped"}' },
      { role: 'tool', toolCallId: 'toolu_2', name: 'lookup_order', content: 'order not found', isError: true },
      garbled,
      { role: 'tool', toolCallId: 'toolu_3', name: 'lookup_order', content: 'arguments are not valid JSON', isError: true },
    ];
    const second = await provider().complete({ ...request(history), maxTokens: 300 });

    expect(second.message).toEqual({ role: 'assistant', content: 'AB-1 shipped; AB-2 could not be found.' });
    expect(second.finishReason).toBe('stop');
    const body = srv.requests[1]?.body as { max_tokens: number; messages: unknown[] };
    expect(body.max_tokens).toBe(300);
    expect(body.messages).toEqual([
      { role: 'user', content: 'Where are orders AB-1 and AB-2?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check both.' },
          { type: 'tool_use', id: 'toolu_1', name: 'lookup_order', input: { orderId: 'AB-1' } },
          { type: 'tool_use', id: 'toolu_2', name: 'lookup_order', input: { orderId: 'AB-2' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: '{"status":"shipped"}' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'order not found', is_error: true },
        ],
      },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_3', name: 'lookup_order', input: {} }] },
      {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: 'toolu_3', content: 'arguments are not valid JSON', is_error: true }],
      },
    ]);
  });

  it('turns 429 with retry-after into a retryable rate-limit failure quoting the API message', async () => {
    srv.enqueue('anthropic', {
      status: 429,
      headers: { 'retry-after': '3' },
      body: anthropicErrorBody('rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'),
    });
    const failure = await classifiedFailure(() => provider().complete(request(task)), 'anthropic');
    expect(failure.type).toBe(FailureType.ModelRateLimit);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(3000);
    expect(failure.message).toBe('anthropic returned 429: Number of request tokens has exceeded your per-minute rate limit');
    expect(failure.cause).toBeInstanceOf(RateLimitError);
  });

  it('turns 529 overloaded into a retryable server error', async () => {
    srv.enqueue('anthropic', { status: 529, body: anthropicErrorBody('overloaded_error', 'Overloaded') });
    const failure = await classifiedFailure(() => provider().complete(request(task)), 'anthropic');
    expect(failure.type).toBe(FailureType.ModelServerError);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toBe('anthropic returned 529: Overloaded');
  });

  it('turns 400 into a non-retryable bad request', async () => {
    srv.enqueue('anthropic', {
      status: 400,
      body: anthropicErrorBody('invalid_request_error', 'messages.1: tool_use ids must be unique'),
    });
    const failure = await classifiedFailure(() => provider().complete(request(task)), 'anthropic');
    expect(failure.type).toBe(FailureType.ModelBadRequest);
    expect(failure.nonRetryable).toBe(true);
  });

  it.each([401, 403])('turns %i into a non-retryable authentication failure', async (status) => {
    srv.enqueue('anthropic', { status, body: anthropicErrorBody('authentication_error', 'invalid x-api-key') });
    const failure = await classifiedFailure(() => provider().complete(request(task)), 'anthropic');
    expect(failure.type).toBe(FailureType.ModelAuthentication);
    expect(failure.nonRetryable).toBe(true);
  });

  it('turns connection refused into a retryable server error', async () => {
    const closed = await startFakeLlmServer();
    await closed.close();
    const failure = await classifiedFailure(
      () => new AnthropicProvider({ apiKey: 'ant-test', baseURL: closed.anthropicBaseURL }).complete(request(task)),
      'anthropic',
    );
    expect(failure.type).toBe(FailureType.ModelServerError);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toMatch(/^anthropic connection failed/);
  });
});
