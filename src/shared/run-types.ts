/**
 * Inputs, outputs and state of the `agentRun` workflow. Shared by the workflow, the
 * client SDK and the CLI; plain JSON only.
 */
import type { AgentSpec } from './agent-spec';
import type { ChatMessage, Usage } from './messages';

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
}

export type RunStatus =
  | 'running'
  | 'waiting_approval'
  | 'compensating'
  | 'completed'
  | 'max_steps'
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
  | 'compensation_failed';

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

/** A compensable tool call that succeeded, kept so it can be undone. */
export interface CompensationEntry {
  callId: string;
  tool: string;
  args: unknown;
  result: unknown;
  idempotencyKey: string;
}

export interface CompensationOutcome {
  callId: string;
  tool: string;
  status: 'compensated' | 'failed';
  error?: string;
}

export interface AgentRunState {
  agent: string;
  tenantId: string;
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
}

export interface AgentRunResult {
  status: 'completed' | 'max_steps';
  answer: string;
  steps: number;
  usage: Usage;
  costUsd: number;
  toolCalls: ToolCallRecord[];
  /** Which model answered, and whether it is the deterministic local provider. */
  model: string;
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
}

export interface ApproveInput {
  callId: string;
  argsHash: string;
  by?: string;
}

export interface RejectInput {
  callId: string;
  reason?: string;
  by?: string;
}
