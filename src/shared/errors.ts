/**
 * The base of the project's own errors. Providers and policies throw these plain errors;
 * the activity boundary turns them into the Temporal failures workflows see, by the
 * fields below alone (src/activities/failures.ts), so no module but that one needs to
 * know about Temporal's failure types.
 */
import type { FailureTypeName } from './failures';

/**
 * Whose fault a failure is: the caller's (bad input, configuration, a spent budget), the
 * model's (what it asked for cannot be done), or the system's (a provider, a database,
 * the network, a changed deployment).
 */
export type Fault = 'user' | 'model' | 'system';

/** What every {@link DurableAgentsError} says about itself. */
export interface ErrorTraits {
  /** The failure type a workflow sees: a {@link FailureTypeName}, or the type a provider's own failure named. */
  type: FailureTypeName | (string & {});
  fault: Fault;
  /** Whether another attempt of the same call may succeed. */
  retryable: boolean;
  /** How long to wait before that attempt (the failure's `nextRetryDelay`); unset: the retry policy's backoff. */
  retryAfterMs?: number;
  /** Plain JSON for the failure's details, for people and for workflow code that reads them. */
  details?: unknown;
  cause?: unknown;
}

export abstract class DurableAgentsError extends Error {
  readonly type: ErrorTraits['type'];
  readonly fault: Fault;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly details?: unknown;

  constructor(message: string, traits: ErrorTraits) {
    super(message, traits.cause === undefined ? undefined : { cause: traits.cause });
    // The subclass's own name, in stack traces and logs.
    this.name = new.target.name;
    this.type = traits.type;
    this.fault = traits.fault;
    this.retryable = traits.retryable;
    this.retryAfterMs = traits.retryAfterMs;
    this.details = traits.details;
  }
}
