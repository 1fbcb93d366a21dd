/** Policy errors become Temporal failures with stable types at the activity boundary. */
import { ApplicationFailure } from '@temporalio/common';
import { BudgetExceededError } from '../policies/budget';
import { GuardrailBlockedError } from '../policies/guardrails';
import { NoModelAvailableError, TenantRateLimitedError } from '../policies/router';
import { FailureType } from '../shared/failures';

/** Maps policy errors to Temporal failures with stable types. */
export function toPolicyFailure(err: unknown): unknown {
  if (err instanceof GuardrailBlockedError) {
    return ApplicationFailure.create({ type: FailureType.GuardrailBlocked, nonRetryable: true, message: err.message, details: [err.findings] });
  }
  if (err instanceof BudgetExceededError) {
    return ApplicationFailure.create({ type: FailureType.BudgetExceeded, nonRetryable: true, message: err.message, details: [err.toJSON()] });
  }
  if (err instanceof TenantRateLimitedError) {
    return ApplicationFailure.create({ type: FailureType.RateLimited, message: err.message, nextRetryDelay: Math.max(1, err.retryAfterMs) });
  }
  if (err instanceof NoModelAvailableError) {
    return ApplicationFailure.create({
      type: err.lastType ?? FailureType.ModelServerError,
      message: err.message,
      details: [{ attempts: err.attempts }],
      ...(err.retryAfterMs !== undefined ? { nextRetryDelay: Math.max(1, err.retryAfterMs) } : {}),
    });
  }
  return err;
}
