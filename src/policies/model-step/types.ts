/** The model step's one input (the call as the policies see it) and its result. */
import type { AuditDecision } from '../../audit/types';
import type { Logger } from '../../infra/logger';
import type { ModelRequest, ModelResponse } from '../../models/types';
import type { PinnedAgent } from '../../shared/agent-spec';
import type { AssistantMessage, FinishReason, Usage } from '../../shared/messages';
import type { CacheOutcome, PolicyEvent } from '../../shared/policy-events';
import type { FlowBudget } from '../../shared/run-types';
import type { ToolCallPlan } from '../../shared/tool-plan';
import type { ToolRegistry } from '../../tools/registry';
import type { BudgetCall } from '../budget';
import type { GuardContext, GuardSubject } from '../guardrails';
import type { Policies } from '../index';

/** Everything one model call needs: who asks, with which agent, what, and on whose budget. */
export interface ModelCall extends GuardSubject {
  /** The agent as the run started with it: instructions, tool schemas, fallback models. */
  spec: PinnedAgent;
  /** The tools the model may call: the pinned ones only. */
  tools: Pick<ToolRegistry, 'get'>;
  /** The agent's output schema; a final answer must match it. */
  outputSchema?: GuardContext['schema'];
  /** `<provider>:<model>`, first of the chain unless the agent is routed. */
  modelRef: string;
  /** The request as the run sent it, before the input guardrails. */
  request: ModelRequest;
  /** The run's step and handoff depth: the tool calls' ids come from them. */
  step: number;
  handoffDepth?: number;
  /** This attempt in the budget ledger: the key is unique over the workflow's whole life. */
  ledger: { workflowId: string; key: string; attempt: number };
  /** The agent's own cap per run, and one a person set for this run (it replaces the configured cap). */
  caps: { runCapUsd?: number; runCapRaisedUsd?: number };
  /** The budget of the flow this run is part of, shared with its other runs. */
  flowBudget?: FlowBudget;
  /** Aborts the provider chain when the call is cancelled. */
  signal?: AbortSignal;
  /** Bound to the run: policy decisions are logged with it. */
  log: Logger;
}

/** A provider answer whose cost could not be committed in the step: the workflow commits it durably (`chargeModelCall`). */
export interface PendingCharge {
  call: BudgetCall;
  usd: number;
  tokens: number;
}

/** What the model step returns to the workflow: plain JSON, recorded in the run's history. */
export interface ModelStepResult {
  message: AssistantMessage;
  usage: Usage;
  costUsd: number;
  model: string;
  finishReason: FinishReason;
  plans: ToolCallPlan[];
  // The three below are optional because results recorded before policies existed lack them
  // and a replaying workflow reads those from history.
  cache?: CacheOutcome;
  events?: PolicyEvent[];
  /** User messages the input guardrails redacted; the workflow keeps these versions. */
  redactions?: Array<{ index: number; content: string }>;
  /** Set when the final answer did not match the agent's output schema: what was wrong. */
  invalidOutput?: string;
  /** Set when Postgres was unreachable at commit time: the charge the workflow must still make. */
  pendingCharge?: PendingCharge;
}

/** The policies the step uses, as the worker built them. */
export type ModelStepPolicies = Pick<Policies, 'guardrails' | 'cacheConfig' | 'responses' | 'budget' | 'router'>;

/** Where a cacheable request's response is stored. */
export interface CacheSlot {
  key: string;
  ttlSeconds: number;
}

/** A response, from the cache or the providers, with what it cost and the decisions on the way. */
export interface Answer {
  response: ModelResponse;
  /** Tokens this call consumed. */
  usage: Usage;
  costUsd: number;
  cache: CacheOutcome;
  events: PolicyEvent[];
  /** The fallbacks and budget alerts on the way, for the audit trail. */
  decisions?: AuditDecision[];
  pendingCharge?: PendingCharge;
}
