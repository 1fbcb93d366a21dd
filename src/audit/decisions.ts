/**
 * Decisions as the audit trail records them, built where the policies decide. Each keeps
 * in clear only what says what was decided and why — guardrail, finding types and rules,
 * model names, budget scopes and amounts, tool names and call ids — and puts the rest in
 * the digest. Never a message, an argument or a result.
 */
import type { AuditDecision, AuditFact } from './types';

/** The principals of decisions no person made. */
export const SYSTEM = {
  guardrails: 'system:guardrails',
  budget: 'system:budget',
  router: 'system:router',
  saga: 'system:saga',
  approvalTimeout: 'system:approval-timeout',
} as const;

/** What the guardrails found, by type and rule: the reason code of a block or redaction. */
interface GuardFinding {
  type: string;
  rule: string;
}

/** A guardrail verdict that changed something: a block or a redaction. */
export function guardrailDecision(direction: string, action: 'block' | 'redact', findings: readonly GuardFinding[], extra: Record<string, AuditFact> = {}): AuditDecision {
  const reasons = [...new Set(findings.map((f) => `${f.type}:${f.rule}`))].sort();
  return {
    kind: action === 'block' ? 'guardrail_block' : 'guardrail_redact',
    principal: SYSTEM.guardrails,
    detail: { direction, action, reason: reasons.join(',') || 'flagged', ...extra },
    data: { direction, action, findings: findings.map((f) => ({ type: f.type, rule: f.rule })), ...extra },
  };
}

/** A model the router could not use, so the call went on to the next in its chain. */
export function fallbackDecision(attempt: { modelRef: string; outcome: string; reason?: string; error?: { type: string } }): AuditDecision {
  const reason = attempt.reason ?? attempt.error?.type ?? attempt.outcome;
  return { kind: 'model_fallback', principal: SYSTEM.router, detail: { model: attempt.modelRef, outcome: attempt.outcome, reason }, data: { model: attempt.modelRef, outcome: attempt.outcome, reason } };
}

interface Scope {
  kind: string;
  subject: string;
  period: string;
}

/** A budget threshold crossed (80 or 100 percent), or a call that cost more than was held for it. */
export function budgetAlertDecision(a: { scope: Scope; unit: string; threshold: number; spent: number; limit: number }): AuditDecision {
  const detail = { scope: a.scope.kind, subject: a.scope.subject, period: a.scope.period, unit: a.unit, threshold: a.threshold, spent: a.spent, limit: a.limit };
  return { kind: 'budget_alert', principal: SYSTEM.budget, detail, data: detail };
}

/** A call that cost more than the budget held for it (a provider ignoring the output bound). */
export function overReservationDecision(heldUsd: number, spentUsd: number): AuditDecision {
  const detail = { reason: 'over_reservation', unit: 'usd', held: heldUsd, spent: spentUsd };
  return { kind: 'budget_alert', principal: SYSTEM.budget, detail, data: detail };
}

/** A call that would have spent more than a budget allows: it was refused before any provider ran. */
export function budgetStopDecision(d: { scope: Scope; unit: string; limit: number; spent: number; reserved: number; requested: number }): AuditDecision {
  const detail = { scope: d.scope.kind, subject: d.scope.subject, period: d.scope.period, unit: d.unit, limit: d.limit, spent: d.spent, reserved: d.reserved, requested: d.requested };
  return { kind: 'budget_stop', principal: SYSTEM.budget, detail, data: detail };
}

/** A tool call whose effect cannot be undone ran. */
export function irreversibleDecision(agent: string, tool: string, callId: string, idempotencyKey: string): AuditDecision {
  return { kind: 'irreversible_effect', principal: `agent:${agent}`, detail: { tool, callId }, data: { agent, tool, callId, idempotencyKey } };
}

/** A step undone by the saga, or one it could not undo (reason: the failure's type). */
export function compensationDecision(tool: string, callId: string, idempotencyKey: string, failure?: string): AuditDecision {
  const detail = { tool, callId, ...(failure ? { reason: failure } : {}) };
  return { kind: failure ? 'compensation_failed' : 'compensation', principal: SYSTEM.saga, detail, data: { ...detail, idempotencyKey } };
}
