/** Policy decisions also go to the log and the metrics, not only to the run's history. */
import type { Logger } from '../infra/logger';
import { policyMetrics } from '../infra/telemetry';
import type { PolicyEvent } from '../shared/policy-events';

/**
 * Logs each decision with `log`, which the caller binds to the run (blocks and budget
 * stops as warnings), and counts it.
 */
export function logPolicyEvents(log: Logger, events: PolicyEvent[]): void {
  for (const e of events) {
    policyMetrics.decisions.add(1, { kind: e.kind });
    const serious = e.kind === 'budget_exceeded' || (e.kind === 'guardrail' && e.detail.includes(': block'));
    log[serious ? 'warn' : 'info']('policy decision', { kind: e.kind, detail: e.detail });
  }
}
