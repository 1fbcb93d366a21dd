/**
 * The policy steps around one model call, as small functions the `callModel` activity
 * lists in order: input guardrails, cache, budget, routing, output guardrails.
 */
import { ApplicationFailure } from '@temporalio/common';
import { BudgetExceededError, type BudgetAlert } from '../policies/budget';
import { NoModelAvailableError, TenantRateLimitedError } from '../policies/router';
import { runGuardrails, type GuardContext, type GuardrailConfig, type GuardrailRun } from '../policies/guardrails';
import { FailureType } from '../shared/failures';
import type { Logger } from '../infra/logger';
import { policyMetrics } from '../infra/telemetry';
import type { ChatMessage } from '../shared/messages';
import type { PolicyEvent } from '../shared/policy-events';

function describeRun(direction: string, run: GuardrailRun): string {
  const what = [...new Set(run.findings.map((f) => `${f.type}${f.rule ? `:${f.rule}` : ''}`))].join(', ');
  return `${direction}: ${run.action} (${what || 'flagged'})`;
}

/**
 * Checks the user's messages. A block fails the run (nothing is sent to a provider); a
 * redaction is returned so the workflow replaces the message for good.
 */
export function guardInput(messages: ChatMessage[], config: GuardrailConfig, ctx: { agent: string; tenantId: string; role?: string }) {
  const events: PolicyEvent[] = [];
  const redactions: Array<{ index: number; content: string }> = [];
  const sent = messages.map((m, index) => {
    if (m.role !== 'user') return m;
    const run = runGuardrails('input', m.content, config, ctx);
    if (run.findings.length) events.push({ kind: 'guardrail', detail: describeRun('input', run) });
    if (run.action === 'block') {
      throw ApplicationFailure.create({ type: FailureType.GuardrailBlocked, nonRetryable: true, message: `input blocked by guardrails: ${describeRun('input', run)}`, details: [run.findings] });
    }
    if (run.action === 'redact') {
      redactions.push({ index, content: run.redacted });
      return { ...m, content: run.redacted };
    }
    return m;
  });
  return { sent, events, redactions };
}

/**
 * Checks the model's answer: leaks are redacted, blocked text is withheld. An answer
 * blocked only for not matching the agent's output schema is returned with `invalid`,
 * the reason the workflow gives the model so it can answer again.
 */
export function guardOutput(
  content: string | null,
  config: GuardrailConfig,
  ctx: Omit<GuardContext, 'direction'> & { agent: string; tenantId: string },
): { content: string | null; events: PolicyEvent[]; invalid?: string } {
  if (!content) return { content, events: [] };
  const run = runGuardrails('output', content, config, ctx);
  const events: PolicyEvent[] = run.findings.length ? [{ kind: 'guardrail', detail: describeRun('output', run) }] : [];
  if (run.action === 'block') {
    // Schema findings alone leak nothing: the model keeps its answer to correct it.
    if (run.findings.every((f) => f.type === 'schema')) return { content, events, invalid: run.findings.map((f) => f.rule).join('; ') };
    return { content: `[response withheld by output guardrails: ${describeRun('output', run)}]`, events };
  }
  return { content: run.action === 'redact' ? run.redacted : content, events };
}

/** Checks a tool's output before it reaches the model: tool results are untrusted input. */
export function guardToolResult(text: string, config: GuardrailConfig, ctx: { agent: string; tenantId: string }) {
  const run = runGuardrails('tool_result', text, config, ctx);
  const event: PolicyEvent | undefined = run.findings.length ? { kind: 'guardrail', detail: describeRun('tool_result', run) } : undefined;
  return { action: run.action, text: run.action === 'redact' ? run.redacted : text, event, summary: describeRun('tool_result', run) };
}

/** Every policy decision is also logged with the run it belongs to (blocks and budget stops as warnings) and counted. */
export function logPolicyEvents(log: Logger, runId: { workflowId?: string; runId?: string }, events: PolicyEvent[]): void {
  for (const e of events) {
    policyMetrics.decisions.add(1, { kind: e.kind });
    const serious = e.kind === 'budget_exceeded' || (e.kind === 'guardrail' && e.detail.includes(': block'));
    log[serious ? 'warn' : 'info']('policy decision', { ...runId, kind: e.kind, detail: e.detail });
  }
}

export function alertEvents(alerts: BudgetAlert[]): PolicyEvent[] {
  return alerts.map((a) => ({ kind: 'budget_alert', detail: `${a.scope.kind} ${a.scope.subject} ${a.unit} at ${a.threshold}% (${a.spent} of ${a.limit})` }));
}

/** Maps policy errors to Temporal failures with stable types. */
export function toPolicyFailure(err: unknown): unknown {
  if (err instanceof BudgetExceededError) {
    return ApplicationFailure.create({ type: FailureType.BudgetExceeded, nonRetryable: true, message: err.message, details: [err.toJSON()] });
  }
  if (err instanceof TenantRateLimitedError) {
    return ApplicationFailure.create({ type: FailureType.RateLimited, message: err.message, nextRetryDelay: Math.max(1, err.retryAfterMs) });
  }
  if (err instanceof NoModelAvailableError) {
    return ApplicationFailure.create({
      type: err.lastType ?? FailureType.ModelServerError,
      message: err.message,
      details: [{ attempts: err.attempts }],
      ...(err.retryAfterMs !== undefined ? { nextRetryDelay: Math.max(1, err.retryAfterMs) } : {}),
    });
  }
  return err;
}

/** Pauses between tries of a failed commit: about two seconds in all. */
const COMMIT_RETRY_DELAYS_MS = [100, 400, 1600] as const;

/**
 * Commits a call the provider has already answered. Its cost is real, so a commit that
 * fails (Postgres unreachable for a moment) is tried again here before the activity gives
 * up: a retry of the whole activity would release this attempt's hold and call the
 * provider again, and this call's spend would never reach the ledger. Safe because a
 * commit is idempotent per attempt.
 */
export async function commitAnswered<T>(commit: () => Promise<T>, log: Logger, delaysMs: readonly number[] = COMMIT_RETRY_DELAYS_MS): Promise<T> {
  for (let tried = 0; ; tried++) {
    try {
      return await commit();
    } catch (err) {
      const delay = delaysMs[tried];
      if (delay === undefined) throw err;
      log.warn('budget commit failed; trying again', { error: (err as Error).message, inMs: delay });
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
