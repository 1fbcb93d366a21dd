/**
 * Infrastructure errors: Postgres or the network between a worker and it is down. These
 * are nobody's fault and pass: an activity that meets one fails with
 * `InfrastructureUnavailable`, and the workflow waits and tries again for minutes
 * (`throughOutages`), instead of burning a tool's few retry attempts in seconds or
 * failing the run.
 */
import { ApplicationFailure } from '@temporalio/common';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';

/** SQLSTATE classes and codes that mean the database is unreachable or going away, not that a statement is wrong. */
const PG_CODES = /^(08|57P0[123]|53300|53400|58)/;
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
/** Messages node-postgres throws without a code when a connection dies or cannot be made. */
const PG_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
  'the database system is',
];

/**
 * Infrastructure is down. Not retryable by the activity on purpose: the workflow owns the
 * wait (minutes, durable timers), so a tool's own retry policy is spent only on the
 * tool's own failures.
 */
export class InfrastructureUnavailableError extends DurableAgentsError {
  constructor(cause: Error) {
    super(`infrastructure unavailable: ${cause.message}`, { type: FailureType.InfrastructureUnavailable, fault: 'system', retryable: false, cause });
  }
}

export function isInfrastructureError(err: unknown): boolean {
  if (!isErrorLike(err)) return false;
  // A classified error says what it is, whatever its cause (a provider's refused connection is the provider's failure).
  if (err instanceof ApplicationFailure || err instanceof DurableAgentsError) return err.type === FailureType.InfrastructureUnavailable;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (PG_CODES.test(code) || NODE_CODES.has(code))) return true;
  if (PG_MESSAGES.some((m) => err.message.includes(m))) return true;
  // AggregateError (several addresses refused) and wrapped causes.
  const inner = (err as { errors?: unknown[] }).errors ?? [];
  return inner.some(isInfrastructureError) || (err.cause !== undefined && err.cause !== err && isInfrastructureError(err.cause));
}

/**
 * An error by its shape, not `instanceof Error`: an error made in another realm fails that
 * test — under jest, every error Node's own modules raise (`ECONNREFUSED` from `net`) —
 * and would pass as a bug of the tool instead of an outage.
 */
function isErrorLike(err: unknown): err is Error {
  return typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string';
}

/** An unclassified infrastructure error as {@link InfrastructureUnavailableError}; anything else unchanged. */
export function asOutage(err: unknown): unknown {
  const classified = err instanceof ApplicationFailure || err instanceof DurableAgentsError;
  return !classified && isInfrastructureError(err) ? new InfrastructureUnavailableError(err as Error) : err;
}
