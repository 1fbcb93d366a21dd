/**
 * The worker's verdict on each tool call the model asked for, computed next to the
 * model call (where the zod schemas and approval rules live) and handed to the workflow.
 */
import type { PolicyEvent } from './policy-events';

export type ToolCallPlan =
  | {
      callId: string;
      tool: string;
      status: 'invalid';
      /** Text for the model: what was wrong with the call. */
      error: string;
    }
  | {
      callId: string;
      tool: string;
      status: 'ready';
      /** Arguments after schema validation (defaults applied). */
      args: unknown;
      /** SHA-256 of the canonical JSON of `args`. */
      argsHash: string;
      /** Why a person must approve this call; absent when no approval is needed. */
      approval?: string;
    };

/**
 * Result of the `runTool` activity. A `ToolError` thrown by the tool becomes `ok: false`
 * (its message checked by the guardrails like any output). Output the guardrails block
 * is `ok: true` with `withheld`: the tool ran, so its effect stays on the saga stack, but
 * the model only learns that it ran. `events` are the policy decisions (guardrail
 * findings, a cache hit), `cached` says where a cached result came from.
 */
export type ToolOutcome = (
  | {
      ok: true;
      result: unknown;
      /** What the model sees instead of `result` when the guardrails redacted it (compensation still gets `result`). */
      redacted?: string;
      /** Set when the guardrails blocked the output: why. The model is told the call ran and its output was withheld. */
      withheld?: string;
      /** Set when the result was too large to return: `result` is a cut text; compensation reads the full one from the effect row. */
      truncated?: true;
      cached?: 'l1' | 'l2';
    }
  | { ok: false; error: string }
) & { events?: PolicyEvent[] };
