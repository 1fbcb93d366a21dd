/**
 * Inputs, outputs and state of the `agentRun` workflow. Shared by the workflow, the
 * client SDK and the CLI; plain JSON only.
 */
import type { AgentSpec } from './agent-spec';
import type { ChatMessage, Usage } from './messages';
import type { StepPolicyEvent } from './policy-events';
import type { Role } from './principal';

export interface AgentRunInput {
  /** Registered agent name. */
  agent: string;
  /** The user's task. */
  input: string;
  tenantId: string;
  /** Overrides the agent's own step limit. */
  maxSteps?: number;
  /** Continue-as-new once history holds this many events (default 10,000). */
  historyEventLimit?: number;
  metadata?: Record<string, string>;
  /** Set only by continue-as-new: the state a previous run handed over. */
  carry?: CarriedState;
  /** Set when another agent handed its conversation to this run (a `transfer_to_<agent>` call). */
  handoff?: HandoffInput;
  /** How many handoffs deep a conversation may go (default 3); inherited by handoff runs. */
  maxHandoffDepth?: number;
  /** Set by a flow with `budgetUsd`: the budget this run shares with the flow's other runs; inherited by handoff runs. */
  flowBudget?: FlowBudget;
  /**
   * The principal who asked for this run, set by the service that authenticated them
   * (POST /v1/runs); carried across continue-as-new, handoffs and a flow's runs. Under a
   * four-eyes policy, they cannot approve its calls.
   */
  requestedBy?: string;
}

/** A flow's budget as its runs carry it: the ledger holds all their model calls to `usd` together. */
export interface FlowBudget {
  /** The flow's workflow id. */
  flowId: string;
  usd: number;
}

/** The conversation one agent hands to another, and how deep the chain is. */
export interface HandoffInput {
  /** The agent that handed off. */
  from: string;
  reason: string;
  /** 1 for the first handoff of a conversation, 2 for a handoff from that run, … */
  depth: number;
  /** The conversation so far, without the previous agent's system message. */
  messages: ChatMessage[];
}

export type RunStatus =
  | 'running'
  | 'waiting_approval'
  | 'waiting_budget'
  | 'compensating'
  | 'completed'
  | 'max_steps'
  | 'budget_exceeded'
  | 'failed'
  | 'cancelled';

export type ToolCallStatus =
  | 'invalid'
  | 'waiting_approval'
  | 'running'
  | 'succeeded'
  | 'tool_error'
  | 'rejected'
  | 'failed'
  | 'compensated'
  | 'compensation_failed'
  | 'cancelled';

export interface ToolCallRecord {
  callId: string;
  tool: string;
  step: number;
  status: ToolCallStatus;
  /** Short text for people: the error, the rejection reason or a result preview. */
  detail?: string;
}

export interface PendingApproval {
  callId: string;
  tool: string;
  args: unknown;
  /** SHA-256 of the canonical JSON of `args`; an approval must quote it. */
  argsHash: string;
  reason: string;
  step: number;
}

/**
 * A compensable tool call, kept so it can be undone. Pushed before the tool runs, so a
 * call whose outcome is unknown (it failed, or its run was cancelled meanwhile) is still
 * undone when its effect row shows it acted.
 */
export type CompensationEntryOutcome = 'unknown' | 'too_large';

export interface CompensationEntry {
  callId: string;
  tool: string;
  args: unknown;
  /** The tool's result (its cut text when `outcome` is `too_large`; absent when `unknown`). */
  result: unknown;
  idempotencyKey: string;
  /**
   * Absent: the call ran and `result` is its result. `unknown`: it may not have run (it
   * failed, or was cancelled meanwhile): compensation undoes it only if its effect row
   * shows it acted, with the result recorded there. `too_large`: it ran, and its result
   * is read back from the effect row (the cut text without one).
   */
  outcome?: CompensationEntryOutcome;
}

export interface CompensationOutcome {
  callId: string;
  tool: string;
  /** `not_executed`: the call's outcome was unknown and its effect row shows it never acted, so there was nothing to undo. */
  status: 'compensated' | 'failed' | 'not_executed';
  error?: string;
}

/** Who decided, as the signed decision named them. */
export interface Decider {
  /** Principal id (`key:<key id>`, `oidc:<subject>`). */
  id: string;
  name: string;
  /** The role they decided with. */
  role: Role;
  /** Their tenant (`*`: every tenant). */
  tenant: string;
}

/** One decided (or timed-out) approval breakpoint. */
export interface ApprovalRecord {
  callId: string;
  tool: string;
  step: number;
  decision: 'approved' | 'rejected' | 'timed_out';
  /** Absent for a timeout, and for decisions recorded before decisions were signed. */
  by?: Decider;
  /** Workflow time of the decision, ISO 8601. */
  at: string;
  reason?: string;
}

export interface AgentRunState {
  agent: string;
  tenantId: string;
  /** The principal who asked for the run, when the service started it. */
  requestedBy?: string;
  status: RunStatus;
  step: number;
  model: string;
  toolCalls: ToolCallRecord[];
  pendingApprovals: PendingApproval[];
  usage: Usage;
  costUsd: number;
  compensations: CompensationOutcome[];
  /** Irreversible tools that ran and cannot be undone; reported, never silently "undone". */
  irreversible: Array<{ callId: string; tool: string }>;
  continuedAsNew: number;
  lastError?: string;
  /** The agent this run handed the conversation to; its run answers for this one. */
  handedOffTo?: string;
  /** What the worker's policies decided (guardrails, cache hits, fallbacks, budget), most recent last. */
  policyEvents: StepPolicyEvent[];
  /** Set while the run waits for a person to raise its budget. */
  budgetPause?: BudgetPause;
  /** Approval decisions so far: who decided, with which role, when (most recent last). */
  decisions: ApprovalRecord[];
}

/** Why a run paused for budget, and how to resume it. */
export interface BudgetPause {
  step: number;
  reason: string;
}

/** How a run ended: an answer, the step limit, or a budget limit (with the answer so far). */
export type FinishStatus = 'completed' | 'max_steps' | 'budget_exceeded';

export interface AgentRunResult {
  status: FinishStatus;
  answer: string;
  steps: number;
  usage: Usage;
  costUsd: number;
  toolCalls: ToolCallRecord[];
  /** The model that gave the final answer (after fallbacks and routing), e.g. `local:support`. */
  model: string;
  /**
   * Set when this run handed its conversation to another agent: the answer, status and
   * model are that run's; steps, usage, cost and tool calls add up both.
   */
  handedOffTo?: string;
  /** Set when a budget stopped the run: the scope that ran out (`tenant`, `agent`, `run` or `flow`) and why. */
  budgetStop?: { scope: string; reason: string };
}

/** What continue-as-new hands to the next run. */
export interface CarriedState {
  spec: AgentSpec;
  messages: ChatMessage[];
  step: number;
  usage: Usage;
  costUsd: number;
  toolCalls: ToolCallRecord[];
  saga: CompensationEntry[];
  irreversible: Array<{ callId: string; tool: string }>;
  continuedAsNew: number;
  policyEvents: StepPolicyEvent[];
  /** The model in use when it differs from the agent's (after a budget downgrade). */
  model?: string;
  answeredBy?: string;
  runCapRaisedUsd?: number;
  decisions?: ApprovalRecord[];
}

/** The `approve` update: a decision token from the service, for the call with these arguments. */
export interface ApproveInput {
  callId: string;
  /** The hash of the arguments approved, as `state` shows it; the token names it too. */
  argsHash: string;
  /** Signed by the service that authenticated the approver (POST /v1/runs/:id/approvals/:callId). */
  token: string;
}

/** The `reject` update; the token names the reason exactly as sent. */
export interface RejectInput {
  callId: string;
  reason?: string;
  token: string;
}

/** What `approve`/`reject` carried before decisions were signed: only ever replayed from old histories. */
export interface LegacyDecisionInput {
  argsHash?: string;
  by?: string;
}

/** A person raises a paused run's budget: a new cap for this run (USD), or none after raising a configured limit. */
export interface RaiseBudgetInput {
  runCapUsd?: number;
  by?: string;
}
