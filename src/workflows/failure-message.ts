import * as wf from '@temporalio/workflow';

/**
 * The innermost useful message of a failure: "Activity task failed" or "Child Workflow
 * execution failed" says less than the tool's or the child run's own error.
 */
export function failureMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown } | undefined;
  while ((e instanceof wf.ActivityFailure || e instanceof wf.ChildWorkflowFailure) && e.cause) e = e.cause as typeof e;
  return e?.message ?? String(err);
}
