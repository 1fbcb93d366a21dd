/**
 * Names and queries of `batchRun`. Clients import this module, never
 * the workflow implementations.
 */
import { defineQuery } from '@temporalio/workflow';
import type { BatchProgress } from '../../shared/batch-types';

export const BATCH_RUN_WORKFLOW = 'batchRun';

/** A batch's counts so far (whole batch, across continue-as-new). */
export const progressQuery = defineQuery<BatchProgress>('progress');
