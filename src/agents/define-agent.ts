/**
 * An agent is data: instructions, tools, a model and limits. Agents are registered with
 * the worker by name; runs refer to them by that name.
 */
import type { ApprovalTimeoutOutcome, BudgetExceededPolicy } from '../shared/agent-spec';
import type { ZodType } from 'zod';
import type { Playbook } from '../models/local';
import type { AnyTool } from '../tools/define-tool';

export interface AgentDefinition {
  /** Lower-case name used by runs, the CLI and search attributes. */
  name: string;
  description: string;
  instructions: string;
  tools: AnyTool[];
  /** `<provider>:<model>`, e.g. `openai:gpt-4o-mini`; `local:<name>` uses a local playbook. */
  model: string;
  /** Model steps before the run stops with `max_steps` (default 10). */
  maxSteps?: number;
  /** Sampling temperature (default 0: deterministic requests). */
  temperature?: number;
  /**
   * Most output tokens one model call may produce (default 4,096). Sent to the provider as
   * its output limit, and what the budget reservation holds for the answer.
   */
  maxOutputTokens?: number;
  approval?: {
    /** How long a breakpoint waits for a person (default "24h"). */
    timeout?: string;
    /** What a timed-out approval means (default "reject"). */
    onTimeout?: ApprovalTimeoutOutcome;
    /** Four eyes: the principal who requested a run cannot approve its calls (default false). */
    fourEyes?: boolean;
  };
  /**
   * Agents this one may hand its conversation to. Each becomes a tool
   * `transfer_to_<agent>` (dashes as underscores) the model can call with a reason.
   */
  handoffs?: string[];
  /** Models tried after `model` when it is rate-limited, failing or its breaker is open. */
  fallbackModels?: string[];
  /**
   * When a model call would exceed a budget: `stop` with the answer so far (default),
   * `downgrade` to `downgradeTo` and go on, or `pause` until a person raises the limit.
   */
  budget?: { onExceeded?: BudgetExceededPolicy; downgradeTo?: string; runCapUsd?: number };
  /**
   * Shape of the final answer when it must be structured (JSON). The output guardrails
   * check every final answer against it (`schema` check: block by default).
   */
  outputSchema?: ZodType;
  /** Rules the deterministic local provider follows for this agent (model `local:<name>`). */
  localPlaybook?: Playbook;
}

export function defineAgent(def: AgentDefinition): AgentDefinition {
  return def;
}
