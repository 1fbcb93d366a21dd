/**
 * Maps whatever a provider SDK throws to one typed {@link ModelCallError}. The SDK clients
 * run with `maxRetries: 0`, so this is the only place that decides whether a failed model
 * call is worth another attempt and when; the activity's edge turns the error into the
 * failure Temporal retries on.
 */
import * as Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/common';
import * as OpenAI from 'openai';
import { DurableAgentsError, type Fault } from '../shared/errors';
import { FailureType } from '../shared/failures';

/** The longest wait a provider's retry-after may impose before Temporal's own backoff takes over. */
export const MAX_RETRY_DELAY_MS = 5 * 60 * 1000;

/** What the classifier records in the failure's details, for people and dashboards. */
export interface ProviderErrorDetails {
  provider: string;
  status?: number;
  code?: string;
  requestId?: string;
}

interface HttpError {
  status: number;
  headers: unknown;
  detail: string;
  code?: string;
  requestId?: string;
}

/** The failure types of a model call. */
export type ModelFailureType = (typeof FailureType)['ModelRateLimit' | 'ModelServerError' | 'ModelBadRequest' | 'ModelAuthentication'];

/** A refused request or refused credentials are the caller's to fix; rate limits and outages are the provider's. */
const FAULTS: Record<ModelFailureType, Fault> = {
  [FailureType.ModelRateLimit]: 'system',
  [FailureType.ModelServerError]: 'system',
  [FailureType.ModelBadRequest]: 'user',
  [FailureType.ModelAuthentication]: 'user',
};

/** A model call failed: how, whether another attempt may succeed, and when. */
export class ModelCallError extends DurableAgentsError {
  constructor(message: string, failure: { type: ModelFailureType; retryable: boolean; cause?: Error; details?: ProviderErrorDetails; retryAfterMs?: number }) {
    super(message, {
      type: failure.type,
      fault: FAULTS[failure.type],
      retryable: failure.retryable,
      cause: failure.cause,
      ...(failure.details ? { details: withoutUndefined(failure.details) } : {}),
      // A delay means nothing for a call that will not be tried again.
      ...(failure.retryable && failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}),
    });
  }
}

/**
 * Classifies an error thrown by a model provider.
 *
 * - 408/409/429/5xx/529 and connection errors or timeouts are retryable; 429 is
 *   `ModelRateLimit`, the rest `ModelServerError`. `retry-after-ms` / `retry-after`
 *   become `retryAfterMs`, capped at {@link MAX_RETRY_DELAY_MS}.
 * - 400/404/422 (and other 4xx) are non-retryable `ModelBadRequest`; 401/402/403 are
 *   non-retryable `ModelAuthentication`.
 * - An error already classified passes through unchanged: a {@link DurableAgentsError}
 *   (e.g. an unknown provider), or an `ApplicationFailure`, so test doubles can decide
 *   for themselves.
 * - Anything unrecognised is retryable `ModelServerError`: an unknown failure of a remote
 *   call is more often transient than not, and the activity's retry policy bounds it.
 */
export function classifyProviderError(err: unknown, provider: string): DurableAgentsError | ApplicationFailure {
  if (err instanceof ApplicationFailure || err instanceof DurableAgentsError) return err;
  const cause = err instanceof Error ? err : new Error(String(err));

  const http = httpErrorOf(err);
  if (http) return classifyHttp(http, provider, cause);

  const message = isTimeout(err)
    ? `${provider} request timed out: ${cause.message}`
    : isConnectionError(err)
      ? `${provider} connection failed: ${describeConnection(cause)}`
      : `${provider} call failed: ${cause.message}`;
  return new ModelCallError(message, { type: FailureType.ModelServerError, retryable: true, cause, details: { provider } });
}

/** Whether and when a classified failure may be tried again; a test double's `ApplicationFailure` says so itself. */
export function retryOf(failure: DurableAgentsError | ApplicationFailure): { retryable: boolean; retryAfterMs?: number } {
  if (failure instanceof DurableAgentsError) return { retryable: failure.retryable, ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}) };
  const delay = failure.nextRetryDelay;
  return { retryable: !failure.nonRetryable, ...(typeof delay === 'number' ? { retryAfterMs: delay } : {}) };
}

function classifyHttp(http: HttpError, provider: string, cause: Error): ModelCallError {
  const { status } = http;
  const message = `${provider} returned ${status}: ${http.detail}`;
  const details: ProviderErrorDetails = { provider, status, code: http.code, requestId: http.requestId };

  if (status === 401 || status === 402 || status === 403) {
    return new ModelCallError(message, { type: FailureType.ModelAuthentication, retryable: false, cause, details });
  }
  if (status === 429) {
    // OpenAI reports an exhausted account balance as a 429; waiting will not refill it.
    const retryable = http.code !== 'insufficient_quota';
    return new ModelCallError(message, { type: FailureType.ModelRateLimit, retryable, cause, details, retryAfterMs: retryDelayOf(http.headers) });
  }
  if (status === 408 || status === 409 || status >= 500) {
    return new ModelCallError(message, { type: FailureType.ModelServerError, retryable: true, cause, details, retryAfterMs: retryDelayOf(http.headers) });
  }
  return new ModelCallError(message, { type: FailureType.ModelBadRequest, retryable: false, cause, details });
}

/** Reads status, body message and headers from either SDK's `APIError`, or anything shaped like one. */
function httpErrorOf(err: unknown): HttpError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as Record<string, unknown>;
  if (typeof e.status !== 'number') return undefined;
  const body = e.error as Record<string, unknown> | undefined;
  // OpenAI's `error` is the inner `{message, type, code}`; Anthropic's is the whole
  // `{type: 'error', error: {type, message}}` body.
  const inner = isRecord(body?.error) ? body.error : body;
  const bodyMessage = typeof inner?.message === 'string' ? inner.message : undefined;
  const code = stringOf(e.code) ?? stringOf(inner?.code) ?? stringOf(inner?.type);
  return {
    status: e.status,
    headers: e.headers,
    detail: bodyMessage ?? stripStatus(err instanceof Error ? err.message : String(err), e.status),
    code,
    requestId: stringOf(e.requestID),
  };
}

/** The SDKs prefix their messages with the status, which our message already names. */
function stripStatus(message: string, status: number): string {
  const prefix = `${status} `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

function isTimeout(err: unknown): boolean {
  if (err instanceof OpenAI.APIConnectionTimeoutError || err instanceof Anthropic.APIConnectionTimeoutError) return true;
  const name = err instanceof Error ? err.name : undefined;
  return name === 'TimeoutError' || codeOf(err) === 'ETIMEDOUT';
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

function isConnectionError(err: unknown): boolean {
  if (err instanceof OpenAI.APIConnectionError || err instanceof Anthropic.APIConnectionError) return true;
  const code = codeOf(err);
  return code !== undefined && CONNECTION_CODES.has(code);
}

/** fetch wraps the socket error one or two levels deep; the code is what tells people what happened. */
function describeConnection(err: Error): string {
  const code = codeOf(err);
  return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}

function codeOf(err: unknown, depth = 0): string | undefined {
  if (!isRecord(err) || depth > 3) return undefined;
  return stringOf(err.code) ?? codeOf(err.cause, depth + 1);
}

/** Delay in ms from `retry-after-ms` or `retry-after` (seconds or an HTTP date), capped. */
export function retryDelayOf(headers: unknown, now: number = Date.now()): number | undefined {
  const ms = headerOf(headers, 'retry-after-ms');
  if (ms !== undefined) {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return Math.min(Math.ceil(value), MAX_RETRY_DELAY_MS);
  }
  const after = headerOf(headers, 'retry-after');
  if (after === undefined) return undefined;
  const seconds = Number(after);
  if (after.trim() !== '' && Number.isFinite(seconds)) {
    return seconds >= 0 ? Math.min(Math.ceil(seconds * 1000), MAX_RETRY_DELAY_MS) : undefined;
  }
  const date = Date.parse(after);
  if (Number.isNaN(date)) return undefined;
  return Math.min(Math.max(date - now, 0), MAX_RETRY_DELAY_MS);
}

function headerOf(headers: unknown, name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  if (!isRecord(headers)) return undefined;
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key === undefined ? undefined : stringOf(headers[key]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
