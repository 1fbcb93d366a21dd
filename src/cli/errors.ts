/**
 * Turns any error into one line a person can act on. Users never see a stack trace for
 * their own mistakes; DEBUG=1 shows it for ours.
 */
import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { ConfigError } from '../infra/config';
import { InvalidInputError } from '../client/ids';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export class UnreachableError extends Error {
  override readonly name = 'UnreachableError';
}

/** Exit codes: 2 for a bad command line or input, 1 for everything else. */
export function describeError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof UsageError || err instanceof InvalidInputError || err instanceof ConfigError) return { message: err.message, exitCode: 2 };
  if (err instanceof UnreachableError) return { message: err.message, exitCode: 1 };
  if (err instanceof WorkflowNotFoundError) return { message: `no run with id "${err.workflowId}"`, exitCode: 1 };
  if (err instanceof WorkflowExecutionAlreadyStartedError) return { message: `a run with id "${err.workflowId}" already exists`, exitCode: 1 };
  if (err instanceof WorkflowUpdateFailedError) return { message: `refused: ${rootMessage(err.cause) ?? err.message}`, exitCode: 1 };
  if (err instanceof WorkflowFailedError) return { message: `run failed: ${rootMessage(err.cause) ?? err.message}`, exitCode: 1 };
  const e = err as { code?: number; details?: string; message?: string };
  if (typeof e?.code === 'number' && e.code === 3 && e.details) return { message: e.details, exitCode: 2 };
  return { message: (err as Error)?.message ?? String(err), exitCode: 1 };
}

function rootMessage(err: unknown): string | undefined {
  let e = err as { message?: string; cause?: unknown } | undefined;
  // ActivityFailure wraps the useful message one level down; the workflow's own failure
  // already names what was undone, so stop at the first ApplicationFailure.
  while (e && (e as { constructor: { name: string } }).constructor.name !== 'ApplicationFailure' && e.cause) e = e.cause as typeof e;
  return e?.message;
}
