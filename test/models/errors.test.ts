import * as AnthropicSdk from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/common';
import * as OpenAISdk from 'openai';
import { toApplicationFailure } from '../../src/activities/failures';
import { classifyProviderError, MAX_RETRY_DELAY_MS, ModelCallError, retryDelayOf } from '../../src/models/errors';
import { FailureType } from '../../src/shared/failures';

const openaiError = (status: number, headers: Record<string, string> = {}, code: string | null = null): OpenAISdk.APIError =>
  OpenAISdk.APIError.generate(status, { error: { message: `boom ${status}`, type: 'x', code } }, undefined, new Headers(headers));

const anthropicError = (status: number, headers: Record<string, string> = {}): AnthropicSdk.APIError =>
  AnthropicSdk.APIError.generate(status, { type: 'error', error: { type: 'x', message: `boom ${status}` } }, undefined, new Headers(headers));

/** Classifies `err` and maps it at the activity's edge: the failure a workflow sees. */
const failureOf = (err: unknown, provider: string): ApplicationFailure => toApplicationFailure(classifyProviderError(err, provider)) as ApplicationFailure;

describe('classifyProviderError', () => {
  it('passes an ApplicationFailure through unchanged, also at the activity edge', () => {
    const original = ApplicationFailure.nonRetryable('scripted', FailureType.ScriptExhausted);
    expect(classifyProviderError(original, 'scripted')).toBe(original);
    expect(failureOf(original, 'scripted')).toBe(original);
  });

  it('returns a typed error that says whose fault it is, retryability and the delay', () => {
    const limited = classifyProviderError(openaiError(429, { 'retry-after': '2' }), 'openai');
    expect(limited).toBeInstanceOf(ModelCallError);
    expect(limited).toMatchObject({ name: 'ModelCallError', type: FailureType.ModelRateLimit, fault: 'system', retryable: true, retryAfterMs: 2000 });
    expect(classifyProviderError(openaiError(401), 'openai')).toMatchObject({ type: FailureType.ModelAuthentication, fault: 'user', retryable: false });
    expect((classifyProviderError(openaiError(400, { 'retry-after': '5' }), 'openai') as ModelCallError).retryAfterMs).toBeUndefined();
  });

  it.each([
    [408, FailureType.ModelServerError, false],
    [409, FailureType.ModelServerError, false],
    [429, FailureType.ModelRateLimit, false],
    [500, FailureType.ModelServerError, false],
    [502, FailureType.ModelServerError, false],
    [529, FailureType.ModelServerError, false],
    [400, FailureType.ModelBadRequest, true],
    [404, FailureType.ModelBadRequest, true],
    [422, FailureType.ModelBadRequest, true],
    [401, FailureType.ModelAuthentication, true],
    [403, FailureType.ModelAuthentication, true],
  ])('classifies HTTP %i from either SDK as %s (nonRetryable %s)', (status, type, nonRetryable) => {
    for (const [provider, err] of [
      ['openai', openaiError(status)],
      ['anthropic', anthropicError(status)],
    ] as const) {
      const failure = failureOf(err, provider);
      expect(failure.type).toBe(type);
      expect(failure.nonRetryable).toBe(nonRetryable);
      expect(failure.message).toBe(`${provider} returned ${status}: boom ${status}`);
      expect(failure.cause).toBe(err);
    }
  });

  it('records provider, status, code and request id in the details', () => {
    const failure = failureOf(openaiError(429, { 'x-request-id': 'req_1' }, 'rate_limit_exceeded'), 'openai');
    expect(failure.details).toEqual([{ provider: 'openai', status: 429, code: 'rate_limit_exceeded', requestId: 'req_1' }]);
  });

  it('prefers retry-after-ms over retry-after', () => {
    const failure = failureOf(anthropicError(429, { 'retry-after-ms': '250.5', 'retry-after': '9' }), 'anthropic');
    expect(failure.nextRetryDelay).toBe(251);
  });

  it('caps the provider-requested delay at five minutes', () => {
    const failure = failureOf(openaiError(503, { 'retry-after': '3600' }), 'openai');
    expect(failure.nextRetryDelay).toBe(MAX_RETRY_DELAY_MS);
    expect(MAX_RETRY_DELAY_MS).toBe(300_000);
  });

  it('sets no delay on non-retryable failures or without a header', () => {
    expect(failureOf(openaiError(400, { 'retry-after': '5' }), 'openai').nextRetryDelay).toBeUndefined();
    expect(failureOf(openaiError(429), 'openai').nextRetryDelay).toBeUndefined();
  });

  it('classifies SDK connection errors and timeouts as retryable', () => {
    const refused = new OpenAISdk.APIConnectionError({
      message: 'Connection error.',
      cause: Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) }),
    });
    const refusedFailure = failureOf(refused, 'openai');
    expect(refusedFailure.type).toBe(FailureType.ModelServerError);
    expect(refusedFailure.nonRetryable).toBe(false);
    expect(refusedFailure.message).toBe('openai connection failed: Connection error. (ECONNREFUSED)');

    const timeout = failureOf(new AnthropicSdk.APIConnectionTimeoutError(), 'anthropic');
    expect(timeout.type).toBe(FailureType.ModelServerError);
    expect(timeout.nonRetryable).toBe(false);
    expect(timeout.message).toBe('anthropic request timed out: Request timed out.');
  });

  it('classifies bare socket errors as retryable connection failures', () => {
    const failure = failureOf(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'openai');
    expect(failure.message).toBe('openai connection failed: socket hang up (ECONNRESET)');
    expect(failure.nonRetryable).toBe(false);
  });

  it('wraps non-Error throwables so the cause is kept', () => {
    const failure = failureOf('weird', 'openai');
    expect(failure.type).toBe(FailureType.ModelServerError);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toBe('openai call failed: weird');
    expect(failure.cause?.message).toBe('weird');
  });
});

describe('retryDelayOf', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);

  it('reads an HTTP date relative to now', () => {
    const headers = new Headers({ 'retry-after': new Date(now + 30_000).toUTCString() });
    expect(retryDelayOf(headers, now)).toBe(30_000);
  });

  it('treats a date in the past as "retry now"', () => {
    expect(retryDelayOf(new Headers({ 'retry-after': new Date(now - 5_000).toUTCString() }), now)).toBe(0);
  });

  it('reads fractional seconds and plain header records', () => {
    expect(retryDelayOf({ 'Retry-After': '1.5' }, now)).toBe(1500);
  });

  it('ignores garbage', () => {
    expect(retryDelayOf(new Headers({ 'retry-after': 'soon' }), now)).toBeUndefined();
    expect(retryDelayOf(new Headers({ 'retry-after-ms': 'x' }), now)).toBeUndefined();
    expect(retryDelayOf(undefined, now)).toBeUndefined();
  });
});
