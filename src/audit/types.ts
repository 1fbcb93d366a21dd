/**
 * The audit trail's shapes: what a decision looks like when it is recorded, and a row as
 * the table holds it. Plain data; no Postgres or Temporal here.
 */

/** Every kind of decision the trail records; `anchor` stands for pruned rows. */
export const AUDIT_KINDS = [
  'guardrail_block',
  'guardrail_redact',
  'approval',
  'rejection',
  'approval_timeout',
  'budget_alert',
  'budget_stop',
  'model_fallback',
  'compensation',
  'compensation_failed',
  'irreversible_effect',
  'escalation_answer',
  'access_change',
  'anchor',
] as const;

export type AuditKind = (typeof AUDIT_KINDS)[number];

/** A fact about a decision that may be stored in clear: never a message, argument or result. */
export type AuditFact = string | number | boolean | null;

/** One decision, as a caller hands it to the trail. */
export interface AuditEntry {
  tenantId: string;
  kind: Exclude<AuditKind, 'anchor'>;
  /**
   * Which decision this is, unique within the tenant: a repeat with the same key writes
   * nothing. Activities use `<workflow id>/<run id>/<activity id>#<index>`.
   */
  key: string;
  /** Who decided: a principal id, or `system:<policy>` for a policy's decision. */
  principal: string;
  workflowId?: string;
  runId?: string;
  /** Facts safe to keep in clear: tool name, call id, decision, reason code, amounts. */
  detail: Record<string, AuditFact>;
  /** The decision's whole data; only its sha256 (over canonical JSON) is stored. */
  data: unknown;
}

/** A decision before it is placed: the caller adds tenant, key and run. */
export type AuditDecision = Pick<AuditEntry, 'kind' | 'principal' | 'detail' | 'data'>;

/** A row of `audit_log`, as read back. */
export interface AuditRow {
  tenantId: string;
  seq: number;
  /** ISO 8601 with milliseconds, UTC. */
  at: string;
  kind: AuditKind;
  workflowId: string | null;
  runId: string | null;
  principal: string;
  key: string;
  detail: Record<string, AuditFact>;
  dataDigest: string;
  prevHash: string;
  rowHash: string;
}
