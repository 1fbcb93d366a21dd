/**
 * `housekeeping`: one pass of pruning (expired cache rows, settled budget reservations),
 * meant to run from a schedule. The work is one activity; the workflow exists so the
 * schedule, its retries and its history show in the Web UI like every other job.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { HousekeepingInput, HousekeepingResult } from '../../shared/housekeeping-types';

const { pruneExpired } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumAttempts: 5 },
});

export async function housekeeping(input: HousekeepingInput = {}): Promise<HousekeepingResult> {
  return pruneExpired.executeWithOptions({ summary: 'prune expired cache rows and settled ledger reservations' }, [input]);
}
