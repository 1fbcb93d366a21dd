/** Budget errors: plain Errors, which the activity layer maps to Temporal failures. */
import { FailureType } from '../../shared/failures';
import { type BudgetScope, type BudgetUnit, describeScope } from './scopes';

/**
 * A call would take a scope over its limit. Nobody's bug: the caller's budget is used up,
 * and retrying cannot help until the period rolls over or the limit is raised.
 */
export class BudgetExceededError extends Error {
  override readonly name = 'BudgetExceededError';
  /** The Temporal failure type to use for this error (non-retryable). */
  readonly type = FailureType.BudgetExceeded;

  constructor(
    readonly scope: BudgetScope,
    readonly unit: BudgetUnit,
    readonly limit: number,
    /** Committed spend in the scope's period. */
    readonly spent: number,
    /** Held by other calls still in flight. */
    readonly reserved: number,
    /** What this call asked to reserve. */
    readonly requested: number,
  ) {
    super(
      `budget exceeded: ${describeScope(scope)} ${unit} limit ${fmt(limit)}; spent ${fmt(spent)}, ` +
        `reserved ${fmt(reserved)}, requested ${fmt(requested)}`,
    );
  }

  /** Plain-JSON details for a failure's `details` or a log line. */
  toJSON(): Record<string, unknown> {
    return { scope: this.scope, unit: this.unit, limit: this.limit, spent: this.spent, reserved: this.reserved, requested: this.requested };
  }
}

function fmt(n: number): string {
  return String(Number(n.toPrecision(12)));
}
