/**
 * Finding workflows of one type through the visibility store: every client's `list` is a
 * query of its workflow type, filtered by search attributes, most recent first, without the
 * item runs of batches unless it asks for one batch's. The fields every kind of run
 * carries are read here; each client adds its own (agent, flow name).
 */
import type { Client } from '@temporalio/client';
import type { TypedSearchAttributes } from '@temporalio/common';
import { AgentStatusKey, BatchIdKey, CostUsdKey, TenantIdKey } from '../shared/search-attributes';

/** What a listing says of any run: agent run, flow or batch. */
export interface WorkflowSummary {
  id: string;
  runId: string;
  tenantId?: string;
  /** The run's own status (the `AgentStatus` search attribute), when it has set one. */
  status?: string;
  /** Temporal's status of the execution: RUNNING, COMPLETED, FAILED, … */
  workflowStatus: string;
  startTime: Date;
  closeTime?: Date;
  costUsd?: number;
}

/** One listed run: the common fields, and its search attributes for the caller's own. */
export interface Listed {
  summary: WorkflowSummary;
  attributes: TypedSearchAttributes;
}

export interface VisibilityQuery {
  workflowType: string;
  /** `Key = 'value'` for each given value (an undefined value adds nothing). */
  equal?: Record<string, string | undefined>;
  /**
   * Only the item runs of this batch. Without it, batch item runs are left out: a batch
   * of thousands would bury every other run.
   */
  batchId?: string;
  /** At most this many (default 20). */
  limit?: number;
}

/** A visibility string literal. */
function quote(v: string): string {
  return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export function visibilityQuery(q: VisibilityQuery): string {
  const clauses = [`WorkflowType = ${quote(q.workflowType)}`];
  for (const [key, value] of Object.entries(q.equal ?? {})) if (value !== undefined && value !== '') clauses.push(`${key} = ${quote(value)}`);
  clauses.push(q.batchId ? `${BatchIdKey.name} = ${quote(q.batchId)}` : `${BatchIdKey.name} IS NULL`);
  return clauses.join(' AND ');
}

/** The runs the query matches, at most `limit`, in the store's order: running ones first, then the most recently closed. */
export async function listWorkflows(client: Client, q: VisibilityQuery): Promise<Listed[]> {
  const limit = q.limit ?? 20;
  const out: Listed[] = [];
  for await (const wf of client.workflow.list({ query: visibilityQuery(q), pageSize: limit })) {
    const sa = wf.typedSearchAttributes;
    out.push({
      summary: {
        id: wf.workflowId,
        runId: wf.runId,
        tenantId: sa.get(TenantIdKey),
        status: sa.get(AgentStatusKey),
        costUsd: sa.get(CostUsdKey),
        workflowStatus: wf.status.name,
        startTime: wf.startTime,
        ...(wf.closeTime ? { closeTime: wf.closeTime } : {}),
      },
      attributes: sa,
    });
    if (out.length >= limit) break;
  }
  return out;
}
