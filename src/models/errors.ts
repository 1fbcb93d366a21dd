/**
 * Maps whatever a provider SDK throws to the one `ApplicationFailure` shape Temporal
 * retries on. The SDK clients run with `maxRetries: 0`, so this is the only place that
 * decides whether a failed model call is worth another attempt and when.
 */
import * as Anthropic from '@anthropic-ai/sdk';
import { ApplicationFailure } from '@temporalio/common';
import * as OpenAI from 'openai';
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

/**
 * Classifies an error thrown by a model provider.
 *
 * - 408/409/429/5xx/529 and connection errors or timeouts are retryable; 429 is
 *   `ModelRateLimit`, the rest `ModelServerError`. `retry-after-ms` / `retry-after`
 *   become `nextRetryDelay`, capped at {@link MAX_RETRY_DELAY_MS}.
 * - 400/404/422 (and other 4xx) are non-retryable `ModelBadRequest`; 401/402/403 are
 *   non-retryable `ModelAuthentication`.
 * - An `ApplicationFailure` passes through unchanged, so providers and test doubles can
 *   decide for themselves.
 * - Anything unrecognised is retryable `ModelServerError`: an unknown failure of a remote
 *   call is more often transient than not, and the activity's retry policy bounds it.
 */
export function classifyProviderError(err: unknown, provider: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const cause = err instanceof Error ? err : new Error(String(err));

  const http = httpErrorOf(err);
  if (http) return classifyHttp(http, provider, cause);

  const message = isTimeout(err)
    ? `${provider} request timed out: ${cause.message}`
    : isConnectionError(err)
      ? `${provider} connection failed: ${describeConnection(cause)}`
      : `${provider} call failed: ${cause.message}`;
  return failure(message, FailureType.ModelServerError, false, cause, { provider });
}

function classifyHttp(http: HttpError, provider: string, cause: Error): ApplicationFailure {
  const { status } = http;
  const message = `${provider} returned ${status}: ${http.detail}`;
  const details: ProviderErrorDetails = { provider, status, code: http.code, requestId: http.requestId };

  if (status === 401 || status === 402 || status === 403) {
    return failure(message, FailureType.ModelAuthentication, true, cause, details);
  }
  if (status === 429) {
    // OpenAI reports an exhausted account balance as a 429; waiting will not refill it.
    const nonRetryable = http.code === 'insufficient_quota';
    return failure(message, FailureType.ModelRateLimit, nonRetryable, cause, details, retryDelayOf(http.headers));
  }
  if (status === 408 || status === 409 || status >= 500) {
    return failure(message, FailureType.ModelServerError, false, cause, details, retryDelayOf(http.headers));
  }
  return failure(message, FailureType.ModelBadRequest, true, cause, details);
}

function failure(
  message: string,
  type: string,
  nonRetryable: boolean,
  cause: Error,
  details: ProviderErrorDetails,
  nextRetryDelay?: number,
): ApplicationFailure {
  return ApplicationFailure.create({
    message,
    type,
    nonRetryable,
    cause,
    details: [withoutUndefined(details)],
    ...(nextRetryDelay !== undefined && !nonRetryable ? { nextRetryDelay } : {}),
  });
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
