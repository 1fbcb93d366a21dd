/**
 * Writing the audit trail from activities. Every row an activity writes is keyed by the
 * run and the activity (`<workflow id>/<run id>/<activity id>#<index>:<kind>`), not the attempt:
 * a retried attempt makes the same decisions under the same keys, and writes nothing new.
 * Decisions made in workflow code (approvals, escalation answers) reach the trail through
 * the `recordAudit` activity, keyed the same way.
 */
import { Context } from '@temporalio/activity';
import type pg from 'pg';
import { appendAudit } from '../audit/log';
import type { AuditDecision, AuditEntry } from '../audit/types';
import type { AuditRecord } from '../shared/audit-record';
import type { ActivityDeps } from './index';
import { atActivityBoundary } from './activity-edge';

/** Pauses between tries of a failed write, inside the attempt: a decision already acted on should not cost a whole new attempt. */
const WRITE_RETRY_DELAYS_MS = [100, 400, 1600] as const;

/** Records `decisions` in order under the current activity's keys; a repeat writes nothing. */
export async function recordDecisions(db: pg.Pool, tenantId: string, decisions: readonly AuditDecision[]): Promise<void> {
  if (!decisions.length) return;
  const { info } = Context.current();
  const run = info.workflowExecution;
  const where = run ? `${run.workflowId}/${run.runId}/${info.activityId}` : `activity/${info.activityId}`;
  const entries: AuditEntry[] = decisions.map((d, i) => ({
    ...d,
    tenantId,
    // The kind too: a retry that decides differently (refused where the first attempt was
    // charged) records its own decision instead of losing it to the first one's key.
    key: `${where}#${i}:${d.kind}`,
    ...(run ? { workflowId: run.workflowId, runId: run.runId } : {}),
  }));
  for (let tried = 0; ; tried++) {
    try {
      await appendAudit(db, entries);
      return;
    } catch (err) {
      const delay = WRITE_RETRY_DELAYS_MS[tried];
      if (delay === undefined) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export function createAuditActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    /** Records one decision a workflow made (an approval, a rejection, a timeout, an escalation answer). */
    async recordAudit(record: AuditRecord): Promise<void> {
      return atActivityBoundary(() => recordDecisions(db, record.tenantId, [record]));
    },
  };
}
