/**
 * The one place the project's errors become Temporal failures: every activity's edge
 * calls {@link toApplicationFailure}, so providers and policies throw plain typed errors
 * and know nothing of Temporal.
 */
import { ApplicationFailure } from '@temporalio/common';
import { DurableAgentsError } from '../shared/errors';

/**
 * The failure a workflow sees for `err`: a {@link DurableAgentsError} becomes an
 * `ApplicationFailure` of its type, retryability, retry delay, details and cause.
 * Anything else is returned as it is: an `ApplicationFailure` a test double or a tool
 * threw, a cancellation, or a bug Temporal retries under its own name.
 */
export function toApplicationFailure(err: unknown): unknown {
  if (!(err instanceof DurableAgentsError)) return err;
  return ApplicationFailure.create({
    type: err.type,
    message: err.message,
    nonRetryable: !err.retryable,
    ...(err.cause instanceof Error ? { cause: err.cause } : {}),
    ...(err.details !== undefined ? { details: [err.details] } : {}),
    ...(err.retryable && err.retryAfterMs !== undefined ? { nextRetryDelay: err.retryAfterMs } : {}),
  });
}
