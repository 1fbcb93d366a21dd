/**
 * A tool is data: a zod input schema, what kind of side effect it has, how to undo it,
 * whether a person must approve it, and its own timeout and retry policy.
 */
import type pg from 'pg';
import type { z } from 'zod';
import type { ToolEffect, ToolRetrySpec } from '../shared/agent-spec';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';

/** What a tool's code may use. Built per call by the `runTool` activity. */
export interface ToolContext {
  /** Stable across retries and worker restarts, unique over the workflow id's life: `<workflowId>/<first run id>/<callId>`. */
  idempotencyKey: string;
  workflowId: string;
  toolCallId: string;
  tenantId: string;
  db: pg.Pool;
  /** Aborted when the activity is cancelled or times out. */
  signal: AbortSignal;
  heartbeat(details?: unknown): void;
  /**
   * Runs `effect` at most once per idempotency key: the effect's SQL and the record of
   * it commit together, and a repeat returns the recorded result.
   */
  once<T>(effect: (tx: pg.PoolClient) => Promise<T>): Promise<T>;
}

/**
 * An expected failure the model can act on ("order not found"). It goes back to the
 * model as the tool's result; any other error is retried and, if it persists, fails
 * the run (which triggers compensation).
 */
export class ToolError extends DurableAgentsError {
  constructor(message: string, options: ErrorOptions = {}) {
    // Retryable when it escapes (a compensation): as any error of a tool's own.
    super(message, { type: FailureType.ToolFailed, fault: 'model', retryable: true, cause: options.cause });
  }
}

/** A tool call that cannot run here at all (no such tool, no compensation, no run): retrying cannot help. */
export class ToolUnavailableError extends DurableAgentsError {
  constructor(message: string) {
    super(message, { type: FailureType.ToolFailed, fault: 'system', retryable: false });
  }
}

/** When a call needs a person's approval: always, or when a rule on the arguments says so. */
export type ApprovalRule<A> = boolean | ((args: A) => string | false | undefined);

export interface ToolDefinition<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  input: S;
  effect: ToolEffect;
  execute(args: z.infer<S>, ctx: ToolContext): Promise<unknown>;
  /** Undo a successful `execute`; required for `compensable` tools. */
  compensate?(args: z.infer<S>, result: unknown, ctx: ToolContext): Promise<void>;
  /** Returns a reason string when approval is needed. */
  requiresApproval?: ApprovalRule<z.infer<S>>;
  /** Start-to-close timeout, e.g. "30s" (default). */
  timeout?: string;
  /** For long tools that call `ctx.heartbeat()`: a lost worker is noticed after this long. */
  heartbeatTimeout?: string;
  retry?: ToolRetrySpec;
  /** Safe to run twice with the same arguments. */
  idempotent?: boolean;
}

export function defineTool<S extends z.ZodObject>(def: ToolDefinition<S>): ToolDefinition<S> {
  return def;
}

/** Any tool, with its argument type erased for storage in registries. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyTool = ToolDefinition<any>;
