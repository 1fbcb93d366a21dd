/**
 * Riding out an outage. An activity that cannot reach Postgres fails at once with
 * `InfrastructureUnavailable`, and one whose workers keep dying runs out of attempts on
 * heartbeat timeouts; neither is the activity's fault. Here the workflow waits on a
 * durable timer and starts it again, for up to {@link OUTAGE_WINDOW_MS}. The activity
 * keeps its inputs (and so its idempotency key), so a repeat never repeats an effect.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { log, sleep } from '@temporalio/workflow';
import { FailureType } from '../shared/failures';

/** How long a run waits for infrastructure to come back before it fails. */
export const OUTAGE_WINDOW_MS = 15 * 60_000;
const FIRST_WAIT_MS = 1_000;
const LONGEST_WAIT_MS = 15_000;

export function isOutage(err: unknown): boolean {
  if (!(err instanceof ActivityFailure)) return false;
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) return cause.type === FailureType.InfrastructureUnavailable;
  // Activities heartbeat every 2 s while they work: a heartbeat timeout means the worker running it is gone.
  return cause instanceof TimeoutFailure && cause.timeoutType === TimeoutType.HEARTBEAT;
}

/**
 * Runs `call(attempt)` (attempt 0, 1, …) until it does not fail with an outage, waiting
 * 1 s, 2 s, 4 s … up to 15 s between tries, for at most {@link OUTAGE_WINDOW_MS}.
 */
export async function throughOutages<T>(what: string, call: (attempt: number) => Promise<T>, windowMs = OUTAGE_WINDOW_MS): Promise<T> {
  let waited = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(attempt);
    } catch (err) {
      if (!isOutage(err) || waited >= windowMs) throw err;
      const wait = Math.min(LONGEST_WAIT_MS, FIRST_WAIT_MS * 2 ** attempt);
      log.warn('infrastructure unavailable; waiting before trying again', { what, attempt, waitMs: wait, error: (err as ActivityFailure).cause?.message });
      await sleep(wait, { summary: `outage back-off: ${what}, try ${attempt + 2}` });
      waited += wait;
    }
  }
}
