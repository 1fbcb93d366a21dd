/**
 * Stable failure `type` strings. They appear in Temporal history and are what callers
 * and retry policies match on, so they never change once published.
 */
export const FailureType = {
  /** The provider rate-limited the call (HTTP 429); retryable, honours retry-after. */
  ModelRateLimit: 'ModelInvocationError.RateLimit',
  /** The provider failed on its side (5xx, 408, 409, overload, connection); retryable. */
  ModelServerError: 'ModelInvocationError.ServerError',
  /** The provider refused the request (400/404/422); retrying cannot help. */
  ModelBadRequest: 'ModelInvocationError.BadRequest',
  /** The provider refused the credentials (401/403); retrying cannot help. */
  ModelAuthentication: 'ModelInvocationError.Authentication',
  /** A model reference names a provider this worker does not have. */
  UnknownModelProvider: 'UnknownModelProvider',
  /** A scripted test model was called more often than it was scripted. */
  ScriptExhausted: 'ScriptExhausted',
  /** The agent named by a run is not registered with the worker. */
  UnknownAgent: 'UnknownAgent',
  /** A tool failed in a way the run cannot recover from. */
  ToolFailed: 'ToolFailed',
  /** A run failed; its details list the compensations that ran. */
  AgentRunFailed: 'AgentRunFailed',
  /** An approval timed out and the agent is configured to fail in that case. */
  ApprovalTimedOut: 'ApprovalTimedOut',
} as const;

export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];

/** Failure types that are never retried by Temporal. */
export const NON_RETRYABLE_FAILURE_TYPES: readonly string[] = [
  FailureType.ModelBadRequest,
  FailureType.ModelAuthentication,
  FailureType.UnknownModelProvider,
  FailureType.ScriptExhausted,
  FailureType.UnknownAgent,
];
