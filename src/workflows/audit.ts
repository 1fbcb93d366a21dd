/**
 * Decisions workflow code makes — approvals, rejections, approval timeouts, escalation
 * answers — go to the audit trail through the `recordAudit` activity: the workflow does
 * no I/O itself. The activity is keyed by the run and its activity id, so its retries
 * write one row.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AuditRecord } from '../shared/audit-record';

/**
 * Runs started before this patch did not schedule `recordAudit`; replaying them must issue
 * the commands they recorded.
 */
export const AUDIT_TRAIL_PATCH = 'audit-trail';

// Retried until Postgres takes it: a decision is not done until it is on the trail.
const { recordAudit } = wf.proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: { initialInterval: '1s', maximumInterval: '30s' } });

/** Records `record` in runs that carry the audit-trail patch; even a run cancelled meanwhile records a decision it made. */
export async function audit(record: AuditRecord): Promise<void> {
  if (!wf.patched(AUDIT_TRAIL_PATCH)) return;
  await wf.CancellationScope.nonCancellable(() => recordAudit.executeWithOptions({ summary: `audit ${record.kind}` }, [record]));
}
