/**
 * The three places a run's text meets the guardrails: the user's input before a model
 * call, the model's answer after it, and a tool's result before the next call. Each turns
 * a {@link GuardrailRun} into what its caller needs and a policy event for the history.
 */
import { guardrailDecision } from '../../audit/decisions';
import type { AuditDecision } from '../../audit/types';
import { DurableAgentsError } from '../../shared/errors';
import { FailureType } from '../../shared/failures';
import type { ChatMessage } from '../../shared/messages';
import type { PolicyEvent } from '../../shared/policy-events';
import type { GuardrailConfig } from './config';
import { runGuardrails, type GuardrailRun } from './pipeline';
import type { Finding, GuardContext } from './types';

/** Who a text belongs to, for per-tenant and per-role rules. */
export interface GuardSubject {
  agent: string;
  tenantId: string;
  role?: string;
}

/** An input guardrail blocked the run's input: nothing was sent to a provider. */
export class GuardrailBlockedError extends DurableAgentsError {
  constructor(
    message: string,
    /** What the guardrails found; the failure's details carry them. */
    readonly findings: Finding[],
  ) {
    super(message, { type: FailureType.GuardrailBlocked, fault: 'user', retryable: false, details: findings });
  }
}

/** One line for people and the history: the direction, the action and what was found. */
function describeRun(direction: string, run: GuardrailRun): string {
  const what = [...new Set(run.findings.map((f) => `${f.type}${f.rule ? `:${f.rule}` : ''}`))].join(', ');
  return `${direction}: ${run.action} (${what || 'flagged'})`;
}

/**
 * Checks the user's messages. A block throws {@link GuardrailBlockedError} (nothing is
 * sent to a provider); a redaction is returned so the workflow replaces the message for good.
 */
export function guardInput(messages: ChatMessage[], config: GuardrailConfig, who: GuardSubject) {
  const events: PolicyEvent[] = [];
  const redactions: Array<{ index: number; content: string }> = [];
  const decisions: AuditDecision[] = [];
  const sent = messages.map((m, index) => {
    if (m.role !== 'user') return m;
    const run = runGuardrails('input', m.content, config, who);
    if (run.findings.length) events.push({ kind: 'guardrail', detail: describeRun('input', run) });
    if (run.action === 'block') throw new GuardrailBlockedError(`input blocked by guardrails: ${describeRun('input', run)}`, run.findings);
    if (run.action === 'redact') {
      redactions.push({ index, content: run.redacted });
      decisions.push(guardrailDecision('input', 'redact', run.findings, { message: index }));
      return { ...m, content: run.redacted };
    }
    return m;
  });
  return { sent, events, redactions, decisions };
}

/**
 * Checks the model's answer: leaks are redacted, blocked text is withheld. An answer
 * blocked only for not matching the agent's output schema is returned with `invalid`,
 * the reason the workflow gives the model so it can answer again.
 */
export function guardOutput(
  content: string | null,
  config: GuardrailConfig,
  ctx: Omit<GuardContext, 'direction'> & GuardSubject,
): { content: string | null; events: PolicyEvent[]; decisions: AuditDecision[]; invalid?: string } {
  if (!content) return { content, events: [], decisions: [] };
  const run = runGuardrails('output', content, config, ctx);
  const events: PolicyEvent[] = run.findings.length ? [{ kind: 'guardrail', detail: describeRun('output', run) }] : [];
  if (run.action === 'block') {
    // Schema findings alone leak nothing: the model keeps its answer to correct it.
    if (run.findings.every((f) => f.type === 'schema')) return { content, events, decisions: [], invalid: run.findings.map((f) => f.rule).join('; ') };
    return { content: `[response withheld by output guardrails: ${describeRun('output', run)}]`, events, decisions: [guardrailDecision('output', 'block', run.findings)] };
  }
  const decisions = run.action === 'redact' ? [guardrailDecision('output', 'redact', run.findings)] : [];
  return { content: run.action === 'redact' ? run.redacted : content, events, decisions };
}

/** Checks a tool's output before it reaches the model: tool results are untrusted input. */
export function guardToolResult(text: string, config: GuardrailConfig, who: GuardSubject) {
  const run = runGuardrails('tool_result', text, config, who);
  const event: PolicyEvent | undefined = run.findings.length ? { kind: 'guardrail', detail: describeRun('tool_result', run) } : undefined;
  const decision = run.action === 'allow' ? undefined : guardrailDecision('tool_result', run.action, run.findings);
  return { action: run.action, text: run.action === 'redact' ? run.redacted : text, event, decision, summary: describeRun('tool_result', run) };
}
