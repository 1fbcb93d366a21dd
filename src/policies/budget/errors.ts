/** Budget errors: plain errors, which the activity's edge maps to Temporal failures. */
import { DurableAgentsError } from '../../shared/errors';
import { FailureType } from '../../shared/failures';
import { type BudgetScope, type BudgetUnit, describeScope } from './scopes';

/**
 * A call would take a scope over its limit. Nobody's bug: the caller's budget is used up,
 * and retrying cannot help until the period rolls over or the limit is raised.
 */
export class BudgetExceededError extends DurableAgentsError {
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
      // The failure's details, which the workflow's budget policy reads.
      { type: FailureType.BudgetExceeded, fault: 'user', retryable: false, details: { scope, unit, limit, spent, reserved, requested } },
    );
  }
}

function fmt(n: number): string {
  return String(Number(n.toPrecision(12)));
}
