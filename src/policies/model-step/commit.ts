/** Charging a call the provider has already answered. */
import type { Logger } from '../../infra/logger';

/** Pauses between tries of a failed commit: about two seconds in all. */
const COMMIT_RETRY_DELAYS_MS = [100, 400, 1600] as const;

/**
 * Commits a call the provider has already answered. Its cost is real, so a commit that
 * fails (Postgres unreachable for a moment) is tried again here before the step gives
 * up: a retry of the whole activity would release this attempt's hold and call the
 * provider again, and this call's spend would never reach the ledger. Safe because a
 * commit is idempotent per attempt.
 */
export async function commitAnswered<T>(commit: () => Promise<T>, log: Logger, delaysMs: readonly number[] = COMMIT_RETRY_DELAYS_MS): Promise<T> {
  for (let tried = 0; ; tried++) {
    try {
      return await commit();
    } catch (err) {
      const delay = delaysMs[tried];
      if (delay === undefined) throw err;
      log.warn('budget commit failed; trying again', { error: (err as Error).message, inMs: delay });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
