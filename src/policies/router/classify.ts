/**
 * What the router needs to know about a failed model call, from the one classifier the
 * providers' errors go through (src/models/errors.ts), so both agree on what is retryable.
 */
import { classifyProviderError, retryOf } from '../../models/errors';

/** A failure as the router sees it. */
export interface ClassifiedError {
  /** 429, 5xx, overload, timeouts, connection errors: try the next model. Others end the call. */
  retryable: boolean;
  /** Failure type, e.g. `ModelInvocationError.RateLimit`. */
  type: string;
  message: string;
  /** The provider's retry-after, if it sent one. */
  retryAfterMs?: number;
  /** What to throw when the call cannot go on: the classified error itself. */
  error: unknown;
}

export type ErrorClassifier = (err: unknown, provider: string) => ClassifiedError;

/** The default classifier: `classifyProviderError`, read into plain fields. */
export const classifyForRouting: ErrorClassifier = (err, provider) => {
  const error = classifyProviderError(err, provider);
  return { ...retryOf(error), type: error.type ?? 'Error', message: error.message, error };
};
