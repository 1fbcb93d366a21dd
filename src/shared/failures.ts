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
  /** The worker no longer has a tool the run started with (the agent changed in a deploy). */
  AgentChanged: 'AgentChanged',
  /** A tool failed in a way the run cannot recover from. */
  ToolFailed: 'ToolFailed',
  /** A run failed; its details list the compensations that ran. */
  AgentRunFailed: 'AgentRunFailed',
  /** An approval timed out and the agent is configured to fail in that case. */
  ApprovalTimedOut: 'ApprovalTimedOut',
  /** A model call would exceed a budget limit; the workflow applies the agent's budget policy. */
  BudgetExceeded: 'BudgetExceeded',
  /** An input guardrail blocked the run's input. */
  GuardrailBlocked: 'GuardrailBlocked',
  /** A tenant or provider rate limit is exhausted; retried after the bucket refills. */
  RateLimited: 'RateLimited',
  /** A tool's circuit breaker is open; retried after the cool-down. */
  CircuitOpen: 'CircuitOpen',
  /** A flow spec failed validation; the message names the node. */
  InvalidFlowSpec: 'InvalidFlowSpec',
  /** A flow node's agent run failed (after its retries). */
  FlowNodeFailed: 'FlowNodeFailed',
  /** A flow node's agent run took longer than the node's timeout. */
  FlowNodeTimedOut: 'FlowNodeTimedOut',
  /** Nobody answered an escalation node in time and it has no escalation path. */
  EscalationTimedOut: 'EscalationTimedOut',
  /** A flow failed: a node failed and its policy is `fail`. */
  FlowFailed: 'FlowFailed',
  /**
   * Postgres or the network to it is down. The activity gives up at once; the workflow
   * waits and tries again for minutes (an outage is not a reason to fail a run).
   */
  InfrastructureUnavailable: 'InfrastructureUnavailable',
  /** A caller's request is malformed (an id, a tenant, options, a command line): the caller's to fix. */
  InvalidInput: 'InvalidInput',
  /** Configuration (the environment, a policy file, an agent or tool definition) is invalid: the user's to fix. */
  InvalidConfig: 'InvalidConfig',
  /** A payload is sealed with a key this process's keyring lacks, or was changed: the details name the key id. */
  UndecryptablePayload: 'UndecryptablePayload',
  /** A batch's inputs are unusable (malformed JSONL, a failing query, no items): the user's to fix. */
  InvalidBatchInput: 'InvalidBatchInput',
  /** More of a batch's items failed than its `maxFailureRatio` allows (after every item ran). */
  BatchFailureRateExceeded: 'BatchFailureRateExceeded',
  /** A request carried no credential, or one the service does not accept (unknown, revoked, expired, wrong issuer or audience). */
  Unauthenticated: 'Unauthenticated',
  /** An authenticated principal lacks the role or tenant for what it asked. */
  Forbidden: 'Forbidden',
  /** A workflow refused a decision: its token is missing, forged, expired, for something else, or the principal may not decide. */
  DecisionRefused: 'DecisionRefused',
  /** A decision names a call or escalation that is not waiting. */
  NothingPending: 'NothingPending',
  /** An approval quotes arguments other than the pending call's. */
  StaleApproval: 'StaleApproval',
} as const;

export type FailureTypeName = (typeof FailureType)[keyof typeof FailureType];
