import * as wf from '@temporalio/workflow';
import type { Usage } from '../shared/messages';

/**
 * The innermost useful message of a failure: "Activity task failed" or "Child Workflow
 * execution failed" says less than the tool's or the child run's own error.
 */
export function failureMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while ((e instanceof wf.ActivityFailure || e instanceof wf.ChildWorkflowFailure) && e.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}

/**
 * What a failed or cancelled child run spent before it stopped, from its failure's
 * details (`agentRun` puts `costUsd` and `usage` there); zero for anything else.
 */
export function failureCost(err: unknown): { costUsd: number; usage?: Usage } {
  const cause = err instanceof wf.ChildWorkflowFailure ? err.cause : undefined;
  const details = cause instanceof wf.ApplicationFailure || cause instanceof wf.CancelledFailure ? cause.details : undefined;
  const first = (details?.[0] ?? {}) as { costUsd?: unknown; usage?: Usage };
  if (typeof first.costUsd !== 'number' || !Number.isFinite(first.costUsd)) return { costUsd: 0 };
  return { costUsd: first.costUsd, usage: first.usage };
}
