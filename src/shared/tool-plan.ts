/**
 * The worker's verdict on each tool call the model asked for, computed next to the
 * model call (where the zod schemas and approval rules live) and handed to the workflow.
 */
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

/** Result of the `runTool` activity. A `ToolError` thrown by the tool becomes `ok: false`. */
export type ToolOutcome = { ok: true; result: unknown } | { ok: false; error: string };
