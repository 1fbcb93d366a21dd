/**
 * Plain-JSON descriptions of agents and tools, as the workflow sees them. The worker
 * builds these from `defineAgent` / `defineTool` definitions (which hold functions and
 * zod schemas and therefore stay on the Node side).
 */
import type { ToolSchema } from './messages';

/** Output bound of a model call when an agent sets no `maxOutputTokens`. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 4096;

export type ToolEffect = 'read' | 'compensable' | 'irreversible';

/** What happens when nobody answers an approval in time. */
export type ApprovalTimeoutOutcome = 'reject' | 'approve' | 'fail';

/** Retry policy of a tool, in the shape Temporal's RetryPolicy takes. */
export interface ToolRetrySpec {
  maximumAttempts?: number;
  initialInterval?: string;
  backoffCoefficient?: number;
  maximumInterval?: string;
  nonRetryableErrorTypes?: string[];
}

export interface ToolSpec extends ToolSchema {
  effect: ToolEffect;
  hasCompensation: boolean;
  idempotent: boolean;
  /** Run as a local activity: read-only, idempotent and short, so safe to re-run on replay gaps. */
  local: boolean;
  /** Start-to-close timeout, e.g. "30s". */
  timeout: string;
  /** Set for long tools that heartbeat: a lost worker is noticed after this long. */
  heartbeatTimeout?: string;
  retry: ToolRetrySpec;
  /** Set on `transfer_to_<agent>` tools: the workflow hands the conversation to this agent instead of running a tool. */
  handoff?: string;
}

export interface AgentSpec {
  name: string;
  description: string;
  instructions: string;
  /** Model reference `<provider>:<model>`, e.g. `openai:gpt-4o-mini` or `local:rules`. */
  model: string;
  maxSteps: number;
  temperature: number;
  /** Output bound of one model call, sent to the provider (absent in specs carried by runs started before it existed: 4,096). */
  maxOutputTokens?: number;
  tools: ToolSpec[];
  approval: {
    /** How long a breakpoint waits for a person, e.g. "24h". */
    timeout: string;
    onTimeout: ApprovalTimeoutOutcome;
    /** Four eyes: whoever requested the run cannot approve its calls (absent in specs of runs started before it existed). */
    fourEyes?: boolean;
  };
  /** Tried in order after `model` on 429, 5xx, timeouts and open breakers. */
  fallbackModels: string[];
  /** Optional: runs started by older workers carry specs without it (they stop on BudgetExceeded). */
  budget?: BudgetPolicySpec;
}

/**
 * What of its agent a run pins at the start and hands to every model step, so a deploy
 * that changes the agent cannot change a running run halfway: the instructions, the tools
 * offered to the model and the fallback chain. Data only; a tool's code, argument schema
 * and approval rule stay with the worker, which must still have every pinned tool.
 */
export interface PinnedAgent {
  instructions: string;
  tools: ToolSchema[];
  fallbackModels: string[];
}

export function pinnedOf(spec: AgentSpec): PinnedAgent {
  return { instructions: spec.instructions, tools: spec.tools.map(({ name, description, parameters }) => ({ name, description, parameters })), fallbackModels: spec.fallbackModels };
}

/** What a run does when a model call would exceed a budget limit. */
export type BudgetExceededPolicy = 'stop' | 'downgrade' | 'pause';

export interface BudgetPolicySpec {
  onExceeded: BudgetExceededPolicy;
  /** The cheaper model `downgrade` switches to. */
  downgradeTo?: string;
  /** This agent's cap per run, in USD. */
  runCapUsd?: number;
}

/** What `durable-agents agents` shows of an agent. */
export interface AgentSummary {
  name: string;
  description: string;
  model: string;
  tools: Array<{ name: string; effect: ToolEffect; approval: boolean }>;
}
