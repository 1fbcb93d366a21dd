/**
 * Turns any error into one line a person can act on. Users never see a stack trace for
 * their own mistakes; DEBUG=1 shows it for ours.
 */
import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';
import { InvalidInputError } from '../client/ids';

/** A command line the CLI cannot run: an unknown command, a missing or malformed option (malformed input, as the SDK's). */
export class UsageError extends InvalidInputError {}

/** Temporal or Postgres cannot be reached: the message says where and how to start it. */
export class UnreachableError extends DurableAgentsError {
  constructor(message: string) {
    super(message, { type: FailureType.InfrastructureUnavailable, fault: 'system', retryable: true });
  }
}

/** Exit codes: 2 for the user's own mistakes (command line, input, configuration), 1 for everything else. */
export function describeError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof DurableAgentsError) return { message: err.message, exitCode: err.fault === 'user' ? 2 : 1 };
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
