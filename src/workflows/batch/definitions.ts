/**
 * Names and queries of `batchRun`. Clients import this module, never
 * the workflow implementations.
 */
import { defineQuery } from '@temporalio/workflow';
import type { BatchProgress, BatchSummary } from '../../shared/batch-types';

export const BATCH_RUN_WORKFLOW = 'batchRun';

/** A batch's counts so far (whole batch, across continue-as-new). */
export const progressQuery = defineQuery<BatchProgress>('progress');

/**
 * The summary of a batch that has finished or was cancelled, else null. A cancelled
 * workflow's result carries no value, so this is how a client learns what a cancelled
 * batch did, cancelled and never started.
 */
export const summaryQuery = defineQuery<BatchSummary | null>('summary');
