/** A decision a workflow hands to the `recordAudit` activity: plain JSON, no PII in `detail`. */
export interface AuditRecord {
  tenantId: string;
  kind: 'approval' | 'rejection' | 'approval_timeout' | 'escalation_answer';
  /** Who decided: the approver's principal, or `system:approval-timeout`. */
  principal: string;
  /** Facts safe to keep in clear: tool, call id, decision, reason code. */
  detail: Record<string, string | number | boolean | null>;
  /** The decision's whole data; only its digest is stored. */
  data: unknown;
}
