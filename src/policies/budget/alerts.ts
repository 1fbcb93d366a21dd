import type { PolicyEvent } from '../../shared/policy-events';
import type { BudgetAlert } from './types';

/** The thresholds a commit crossed, as policy events for the run's history. */
export function alertEvents(alerts: BudgetAlert[]): PolicyEvent[] {
  return alerts.map((a) => ({ kind: 'budget_alert', detail: `${a.scope.kind} ${a.scope.subject} ${a.unit} at ${a.threshold}% (${a.spent} of ${a.limit})` }));
}
