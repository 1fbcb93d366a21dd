import { ApplicationFailure } from '@temporalio/common';
import { RateLimitError } from 'openai';
import { OpenAIProvider } from '../../src/models/openai';
import type { ModelRequest } from '../../src/models/types';
import { FailureType } from '../../src/shared/failures';
import type { ChatMessage } from '../../src/shared/messages';
import { openaiErrorBody, startFakeLlmServer, type FakeLlmServer } from '../support/fake-llm-server';
import { classifiedFailure, lookupOrderTool } from './helpers';

let srv: FakeLlmServer;

beforeAll(async () => {
  srv = await startFakeLlmServer();
});

afterAll(() => srv.close());

afterEach(() => {
  // A reply left in the queue means the provider made fewer calls than the test expected.
  expect(srv.pending('openai')).toBe(0);
  srv.requests.length = 0;
});

const provider = (timeoutMs?: number): OpenAIProvider =>
  new OpenAIProvider({ apiKey: 'sk-test', baseURL: srv.openaiBaseURL, timeoutMs });

const request = (messages: ChatMessage[]): ModelRequest => ({
  model: 'gpt-4o-mini',
  messages,
  tools: [lookupOrderTool],
  temperature: 0.2,
});

const task: ChatMessage[] = [
  { role: 'system', content: 'You help with orders.' },
  { role: 'user', content: 'Where is order AB-123?' },
];

describe('OpenAIProvider against the OpenAI wire format', () => {
  it('sends tools, normalizes tool calls, and sends tool results back', async () => {
    srv.enqueue('openai', {
      toolCalls: [{ id: 'call_abc', name: 'lookup_order', arguments: { orderId: 'AB-123' } }],
      usage: { inputTokens: 42, outputTokens: 7 },
    });
    const first = await provider().complete(request(task));

    expect(first).toEqual({
      message: {
        role: 'assistant',
        content: null,
        toolCalls: [{ id: 'call_abc', name: 'lookup_order', arguments: '{"orderId":"AB-123"}' }],
      },
      usage: { inputTokens: 42, outputTokens: 7 },
      finishReason: 'tool_calls',
      model: 'openai:gpt-4o-mini',
    });
    const sent = srv.requests[0];
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.headers.authorization).toBe('Bearer sk-test');
    expect(sent?.body).toEqual({
      model: 'gpt-4o-mini',
      temperature: 0.2,
      messages: [
        { role: 'system', content: 'You help with orders.' },
        { role: 'user', content: 'Where is order AB-123?' },
      ],
      tools: [
        {
          type: 'function',
          function: { name: 'lookup_order', description: lookupOrderTool.description, parameters: lookupOrderTool.parameters },
        },
      ],
    });

    srv.enqueue('openai', { text: 'Order AB-123 has shipped.' });
    const history: ChatMessage[] = [
      ...task,
      first.message,
      { role: 'tool', toolCallId: 'call_abc', name: 'lookup_order', content: '{"status":"shipped"}' },
    ];
    const second = await provider().complete(request(history));

    expect(second.message).toEqual({ role: 'assistant', content: 'Order AB-123 has shipped.' });
    expect(second.finishReason).toBe('stop');
    expect((srv.requests[1]?.body as { messages: unknown[] }).messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'lookup_order', arguments: '{"orderId":"AB-123"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_abc', content: '{"status":"shipped"}' },
    ]);
  });

  it('omits an empty tools list and maps maxTokens', async () => {
    srv.enqueue('openai', { text: 'hi' });
    await provider().complete({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }], tools: [], maxTokens: 50 });
    const body = srv.requests[0]?.body as Record<string, unknown>;
    expect(body).not.toHaveProperty('tools');
    expect(body.max_completion_tokens).toBe(50);
  });

  it('does not send temperature to reasoning models', async () => {
    srv.enqueue('openai', { text: 'ok' });
    await provider().complete({ ...request(task), model: 'o4-mini' });
    expect(srv.requests[0]?.body).not.toHaveProperty('temperature');
  });

  it('turns 429 with retry-after into a retryable rate-limit failure with that delay', async () => {
    srv.enqueue('openai', {
      status: 429,
      headers: { 'retry-after': '7' },
      body: openaiErrorBody('Rate limit reached for gpt-4o-mini', 'requests', 'rate_limit_exceeded'),
    });
    const failure = await classifiedFailure(() => provider().complete(request(task)), 'openai');

    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe(FailureType.ModelRateLimit);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(7000);
    expect(failure.message).toBe('openai returned 429: Rate limit reached for gpt-4o-mini');
    expect(failure.cause).toBeInstanceOf(RateLimitError);
  });

  it('does not retry a 429 that reports an exhausted quota', async () => {
    srv.enqueue('openai', {
      status: 429,
      body: openaiErrorBody('You exceeded your current quota', 'insufficient_quota', 'insufficient_quota'),
    });
    const failure = await classifiedFailure(() => provider().complete(request(task)), 'openai');
    expect(failure.type).toBe(FailureType.ModelRateLimit);
    expect(failure.nonRetryable).toBe(true);
  });

  it('turns 400 into a non-retryable bad request', async () => {
    srv.enqueue('openai', { status: 400, body: openaiErrorBody("Invalid 'messages[1].content'") });
    const failure = await classifiedFailure(() => provider().complete(request(task)), 'openai');
    expect(failure.type).toBe(FailureType.ModelBadRequest);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe("openai returned 400: Invalid 'messages[1].content'");
  });

  it('turns 401 into a non-retryable authentication failure', async () => {
    srv.enqueue('openai', { status: 401, body: openaiErrorBody('Incorrect API key provided', 'invalid_request_error', 'invalid_api_key') });
    const failure = await classifiedFailure(() => provider().complete(request(task)), 'openai');
    expect(failure.type).toBe(FailureType.ModelAuthentication);
    expect(failure.nonRetryable).toBe(true);
  });

  it('turns 503 into a retryable server error honouring retry-after-ms', async () => {
    srv.enqueue('openai', {
      status: 503,
      headers: { 'retry-after-ms': '1500' },
      body: openaiErrorBody('The server is overloaded', 'server_error'),
    });
    const failure = await classifiedFailure(() => provider().complete(request(task)), 'openai');
    expect(failure.type).toBe(FailureType.ModelServerError);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(1500);
  });

  it('reports an empty fake-server queue as a retryable server error naming the queue', async () => {
    const failure = await classifiedFailure(() => provider().complete(request(task)), 'openai');
    expect(failure.type).toBe(FailureType.ModelServerError);
    expect(failure.message).toMatch(/^openai returned 500: fake LLM server: no openai reply queued/);
  });

  it('turns a client timeout into a retryable server error', async () => {
    srv.enqueue('openai', { text: 'too late', delayMs: 1000 });
    const failure = await classifiedFailure(() => provider(100).complete(request(task)), 'openai');
    expect(failure.type).toBe(FailureType.ModelServerError);
    expect(failure.nonRetryable).toBe(false);
    // Under jest's VM context the SDK cannot recognise the cross-realm AbortError and
    // reports a plain connection error; plain Node gets APIConnectionTimeoutError
    // (classified in errors.test.ts). Either way the call must be retried.
    expect(failure.message).toMatch(/^openai (request timed out|connection failed)/);
  });
});

describe('OpenAIProvider without a server', () => {
  it('turns connection refused into a retryable server error', async () => {
    const closed = await startFakeLlmServer();
    await closed.close();
    const failure = await classifiedFailure(
      () => new OpenAIProvider({ apiKey: 'sk-test', baseURL: closed.openaiBaseURL }).complete(request(task)),
      'openai',
    );
    expect(failure.type).toBe(FailureType.ModelServerError);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toMatch(/^openai connection failed: .*ECONNREFUSED/);
  });
});
