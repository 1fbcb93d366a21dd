/**
 * `batchRun`: one agent (or flow) over many inputs, as child runs in a sliding window.
 *
 * 1. Stage: an activity snapshots the source (stored set, JSONL file, query) into
 *    `batch_items`; history holds only the item count.
 * 2. Run: read pages of items by index and keep `concurrency` child runs in flight. A
 *    child's id is `<batch id>-item-<idx>` and ids are never reused, so no item runs twice.
 *    A failed child is an outcome, not a batch failure.
 * 3. Record: outcomes go to Postgres in groups (idempotent: only pending rows change);
 *    history carries counters, never the list of outcomes.
 * 4. After `continueAsNewEvery` items (or when the server suggests it), stop starting,
 *    let the window drain, flush, and continue as new with the counters and the cursor.
 *    Draining first is what keeps children attached: a run that continued as new cannot
 *    await children it started, and closing it would apply their parent-close policy.
 * 5. Finish: count the outcomes in Postgres into the summary.
 *
 * Children use parent-close policy REQUEST_CANCEL: if the batch is terminated, in-flight
 * agent runs are asked to cancel, which runs their compensations (TERMINATE would skip
 * them). Cancelling the batch cancels the in-flight children, waits for their
 * compensations, records them as 'cancelled', leaves unstarted items 'pending', and
 * ends the batch as cancelled.
 */
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { BATCH_DEFAULTS, type BatchCarry, type BatchItem, type BatchProgress, type BatchRunInput, type BatchStatus, type BatchSummary, type ItemOutcome } from '../../shared/batch-types';
import { FailureType } from '../../shared/failures';
import { AgentNameKey, AgentStatusKey, BatchIdKey, CostUsdKey, FlowNameKey, TenantIdKey } from '../../shared/search-attributes';
import { progressQuery, summaryQuery } from './definitions';
import { failureCost } from '../failure-message';
import { SearchLabels, WEB_UI_LABELS_PATCH } from '../search-labels';
import { batchDetails } from './batch-details';
import { itemRun, succeededOutcome } from './batch-items';

const { stageBatch } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: [FailureType.InvalidBatchInput] },
});
// Short SQL, so local activities (one marker event each). No attempt limit: a database
// outage pauses the batch until Postgres is back; it must not fail 10,000 items' work.
const { loadBatchPage, recordBatchOutcomes, finishBatch } = wf.proxyLocalActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

const clamp = (v: number | undefined, def: number, min: number, max: number): number =>
  v === undefined || !Number.isFinite(v) ? def : Math.min(max, Math.max(min, Math.floor(v)));

export async function batchRun(input: BatchRunInput): Promise<BatchSummary> {
  const { spec } = input;
  const labels = new SearchLabels(wf.patched(WEB_UI_LABELS_PATCH));
  const info = wf.workflowInfo();
  const batchId = info.workflowId;
  const concurrency = clamp(spec.concurrency, BATCH_DEFAULTS.concurrency, 1, BATCH_DEFAULTS.maxConcurrency);
  const pageSize = clamp(spec.pageSize, BATCH_DEFAULTS.pageSize, 1, BATCH_DEFAULTS.maxPageSize);
  const perRun = clamp(spec.continueAsNewEvery, BATCH_DEFAULTS.continueAsNewEvery, 1, BATCH_DEFAULTS.maxContinueAsNewEvery);
  const c: BatchCarry = input.carry
    ? { ...input.carry }
    : { cursor: 0, total: -1, started: 0, succeeded: 0, failed: 0, cancelled: 0, costUsd: 0, runs: 0, startedAt: info.runStartTime.toISOString() };
  let status: BatchStatus = c.total < 0 ? 'staging' : 'running';
  let inFlight = 0;
  let startedThisRun = 0;
  let page: BatchItem[] = [];
  const buffer: ItemOutcome[] = [];

  let summary: BatchSummary | null = null;
  wf.setHandler(summaryQuery, () => summary);
  const progress = (): BatchProgress => ({
    batchId,
    status,
    ...(c.total >= 0 ? { total: c.total } : {}),
    started: c.started,
    succeeded: c.succeeded,
    failed: c.failed,
    cancelled: c.cancelled,
    inFlight,
    costUsd: c.costUsd,
    concurrency,
    runs: c.runs,
    startedAt: c.startedAt,
  });
  wf.setHandler(progressQuery, progress);

  const target = spec.target.kind === 'agent' ? { key: AgentNameKey, value: spec.target.agent } : { key: FlowNameKey, value: spec.target.spec.name };
  /**
   * The page follows every count. The search attributes follow each status and each flush
   * of outcomes, not each item: every upsert is an event in the batch's history.
   */
  const show = (labelsToo = false): void => {
    wf.setCurrentDetails(batchDetails(progress(), spec.target, spec.tenantId));
    if (labelsToo) labels.update([target, { key: TenantIdKey, value: spec.tenantId }, { key: AgentStatusKey, value: status }, { key: CostUsdKey, value: c.costUsd }]);
  };
  const setStatus = (next: BatchStatus): void => {
    status = next;
    show(true);
  };
  show(true);

  const count = (o: { status: ItemOutcome['status']; costUsd: number }): void => {
    c[o.status] += 1;
    c.costUsd += o.costUsd;
    show();
  };
  const settle = (o: ItemOutcome): void => {
    count(o);
    buffer.push(o);
  };

  /** Starts one child; its settlement lands in the buffer and never throws. */
  function launch(item: BatchItem): void {
    const run = itemRun(spec, batchId, item);
    inFlight += 1;
    c.started += 1;
    show();
    void wf.executeChild(run.workflowType, {
      workflowId: run.workflowId,
      args: run.args,
      parentClosePolicy: wf.ParentClosePolicy.REQUEST_CANCEL,
      cancellationType: wf.ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      staticSummary: run.summary,
      // Listings leave items out with `BatchId IS NULL`; a batch's page lists its items with `BatchId = "<id>"`.
      ...(labels.current ? { typedSearchAttributes: [{ key: BatchIdKey, value: batchId }] } : {}),
    })
      .then(
        (result) => settle(succeededOutcome(item.idx, run.workflowId, result)),
        (err: unknown) => settle(failedOutcome(item.idx, run.workflowId, err)),
      )
      .finally(() => {
        inFlight -= 1;
      });
  }

  /** Writes buffered outcomes; removes them only once written, and is never interrupted by cancellation. */
  async function flush(): Promise<void> {
    while (buffer.length) {
      const outcomes = buffer.slice(0, 500);
      await wf.CancellationScope.nonCancellable(() => recordBatchOutcomes.executeWithOptions({ summary: `record ${outcomes.length} outcomes` }, [{ batchId, outcomes }]));
      buffer.splice(0, outcomes.length);
    }
    show(true);
  }

  const draining = (): boolean => wf.workflowInfo().continueAsNewSuggested;
  const canStart = (): boolean => !draining() && startedThisRun < perRun && c.cursor < c.total;

  try {
    if (c.total < 0) {
      c.total = (await stageBatch.executeWithOptions({ summary: 'stage the items' }, [{ batchId, spec }])).total;
      setStatus('running');
    }
    for (;;) {
      while (inFlight < concurrency && canStart()) {
        if (!page.length) page = await loadBatchPage.executeWithOptions({ summary: `load items from ${c.cursor}` }, [{ batchId, offset: c.cursor, limit: Math.min(pageSize, perRun - startedThisRun) }]);
        const item = page.shift();
        if (!item) {
          c.cursor = c.total; // the snapshot is shorter than its count: nothing more to read
          break;
        }
        c.cursor = item.idx + 1;
        startedThisRun += 1;
        // Recorded by an earlier execution of this batch id (a restart or reset): count it, do not run it.
        if (item.status !== 'pending') {
          c.started += 1;
          count({ status: item.status, costUsd: item.costUsd });
        } else launch(item);
      }
      if (buffer.length >= BATCH_DEFAULTS.flushEvery) await flush();
      if (inFlight === 0 && !canStart()) break;
      setStatus(canStart() || c.cursor >= c.total ? 'running' : 'draining');
      await wf.condition(() => buffer.length >= BATCH_DEFAULTS.flushEvery || inFlight === 0 || (inFlight < concurrency && canStart()));
    }
    await flush();
    if (c.cursor < c.total) {
      return await wf.continueAsNew<typeof batchRun>({ spec, carry: { ...c, runs: c.runs + 1 } });
    }
    return await finish(false);
  } catch (err) {
    if (err instanceof wf.ContinueAsNew) throw err;
    if (!wf.isCancellation(err)) {
      setStatus('failed');
      throw err;
    }
    // Cancelled: in-flight children were asked to cancel; wait for them (their
    // compensations run), record them, and end as cancelled.
    await wf.CancellationScope.nonCancellable(async () => {
      await wf.condition(() => inFlight === 0);
      await flush();
      if (c.total >= 0) await finish(true);
    });
    setStatus('cancelled');
    throw err;
  }

  async function finish(cancelled: boolean): Promise<BatchSummary> {
    setStatus('finishing');
    const totals = await finishBatch.executeWithOptions({ summary: 'count the outcomes' }, [{ batchId, cancelled, failureLimit: BATCH_DEFAULTS.summaryFailures, maxFailureRatio: spec.maxFailureRatio }]);
    const { status: final, ...counts } = totals;
    const done: BatchSummary = { batchId, status: final === 'cancelled' ? 'cancelled' : 'completed', ...counts, runs: c.runs };
    summary = done;
    setStatus(final);
    if (final === 'failed') {
      throw ApplicationFailure.create({
        type: FailureType.BatchFailureRateExceeded,
        message: `${counts.failed} of ${counts.total} items failed, more than the allowed ${Math.round((spec.maxFailureRatio ?? 0) * 100)}%`,
        nonRetryable: true,
        details: [done],
      });
    }
    return done;
  }
}

/** A child that did not complete, as an outcome row with a reason a person can read. */
function failedOutcome(idx: number, childWorkflowId: string, err: unknown): ItemOutcome {
  if (err instanceof WorkflowExecutionAlreadyStartedError) {
    return { idx, status: 'failed', childWorkflowId, costUsd: 0, error: `not run again: ${childWorkflowId} was already started by an earlier execution of this batch` };
  }
  // A run that failed or was cancelled may have spent money first: it counts in the batch's cost.
  const { costUsd } = failureCost(err);
  if (wf.isCancellation(err)) return { idx, status: 'cancelled', childWorkflowId, costUsd, error: 'cancelled with the batch' };
  return { idx, status: 'failed', childWorkflowId, costUsd, error: failureReason(err) };
}

/** The child's own failure ("AgentRunFailed: agent run failed: …"), not the wrapper's "Child Workflow execution failed". */
function failureReason(err: unknown): string {
  const e = err instanceof wf.ChildWorkflowFailure && err.cause ? err.cause : err;
  if (e instanceof ApplicationFailure) return `${e.type ? `${e.type}: ` : ''}${e.message}`;
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}
