/**
 * Batch activities: thin adapters from `batchRun` to the batch tables (src/batch/store.ts).
 * Staging is a regular activity (it may read a large file or query, heartbeating); pages
 * and outcomes are short SQL and run as local activities.
 */
import { Context } from '@temporalio/activity';
import { BatchInputError, parseBatchSource } from '../batch/inputs';
import { NO_BATCH_QUERY_DATABASE } from '../batch/query';
import { finishBatch, loadPage, recordOutcomes, stageBatch, type BatchTotals, type ChunkReader, type FinishOptions } from '../batch/store';
import type { BatchItem, BatchSpec, ItemOutcome } from '../shared/batch-types';
import type { ActivityDeps } from './index';
import { atActivityBoundary } from './activity-edge';

/** Input of `stageBatch`. */
export interface StageBatchInput {
  batchId: string;
  spec: BatchSpec;
}

/** Input of `loadBatchPage`: items `offset..offset+limit-1` of the batch's snapshot. */
export interface LoadBatchPageInput {
  batchId: string;
  offset: number;
  limit: number;
}

/** Input of `recordBatchOutcomes`. */
export interface RecordBatchOutcomesInput {
  batchId: string;
  outcomes: ItemOutcome[];
}

/** Input of `finishBatch`. */
export interface FinishBatchInput extends FinishOptions {
  batchId: string;
}

function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // Not in an activity context (a direct call from a test): nothing to heartbeat.
  }
}

export function createBatchActivities({ db, batchQueries }: Pick<ActivityDeps, 'db' | 'batchQueries'>) {
  return {
    /** Snapshots the batch's source into `batch_items`; idempotent, returns the item count. */
    async stageBatch({ batchId, spec }: StageBatchInput): Promise<{ total: number }> {
      // The user's input errors (BatchInputError) fail the batch at once; anything else (connection loss) is retried.
      return atActivityBoundary(async () => {
        // The spec comes from whoever can start workflows: its source is checked here.
        const source = parseBatchSource(spec.source);
        let reader: ChunkReader | undefined;
        if (source.kind === 'query') {
          if (!batchQueries) throw new BatchInputError(NO_BATCH_QUERY_DATABASE);
          // The batch-query role's own pool, never the service's: see src/batch/query.ts.
          reader = () => batchQueries.read(source.sql);
        }
        const { total } = await stageBatch(db, batchId, { ...spec, source }, reader, (n) => heartbeat(n));
        return { total };
      });
    },

    async loadBatchPage({ batchId, offset, limit }: LoadBatchPageInput): Promise<BatchItem[]> {
      return atActivityBoundary(() => loadPage(db, batchId, offset, limit));
    },

    /** Records outcomes idempotently; returns how many items changed. */
    async recordBatchOutcomes({ batchId, outcomes }: RecordBatchOutcomesInput): Promise<number> {
      return atActivityBoundary(() => recordOutcomes(db, batchId, outcomes));
    },

    /** Counts the batch's outcomes and marks it finished. */
    async finishBatch({ batchId, ...opts }: FinishBatchInput): Promise<BatchTotals> {
      return atActivityBoundary(() => finishBatch(db, batchId, opts));
    },
  };
}
