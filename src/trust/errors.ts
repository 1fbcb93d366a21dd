/** Authentication and authorization failures: the caller's to fix, never retried. */
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';

/** No credential, or one the service does not accept; the message says what is wrong with it. */
export class AuthenticationError extends DurableAgentsError {
  constructor(message: string, cause?: unknown) {
    super(message, { type: FailureType.Unauthenticated, fault: 'user', retryable: false, cause });
  }
}

/** An authenticated principal may not do this (its role or tenant). */
export class ForbiddenError extends DurableAgentsError {
  constructor(message: string) {
    super(message, { type: FailureType.Forbidden, fault: 'user', retryable: false });
  }
}

/** A principal or key as a person typed it is malformed, or names nothing. */
export class InvalidPrincipalError extends DurableAgentsError {
  constructor(message: string) {
    super(message, { type: FailureType.InvalidInput, fault: 'user', retryable: false });
  }
}
