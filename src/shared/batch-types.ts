/**
 * Inputs, outputs and progress of the `batchRun` workflow, shared by the workflow, its
 * activities, the client SDK and the CLI. Plain JSON only.
 */
import type { FlowSpec } from './flow-types';

/** What each item of a batch runs: an agent, or a flow (child workflow `flowRun`). */
export type BatchTarget =
  | {
      kind: 'agent';
      /** Registered agent name. */
      agent: string;
      /** Overrides the agent's own step limit for every item. */
      maxSteps?: number;
    }
  | {
      kind: 'flow';
      /** The validated flow spec (resolved by the client); each item starts `flowRun` with it and the item as input. */
      spec: FlowSpec;
    };

/**
 * Where a batch's items come from. Whatever the source, the batch's first step copies the
 * items into `batch_items` (a snapshot), and every later read is a page of that table.
 * Files are read by the client and stored: the worker never opens a path a client names.
 */
export type BatchSource =
  | {
      /** Items a client stored in `batch_inputs` under `setId` (inline lists, a JSONL file). */
      kind: 'stored';
      setId: string;
      /** Delete the stored set once the batch has its snapshot (one-off batches own their set). */
      consume?: boolean;
    }
  | {
      /** A read-only SELECT run by the worker under the batch-query role; column `input` (else the first column) is the item, `key` an optional label. */
      kind: 'query';
      sql: string;
    };

/** One input item as a person writes it; a JSONL line is a JSON string or `{ "input": "...", "key"?: "..." }`. */
export interface BatchInputItem {
  input: string;
  /** Optional label carried to the outcome row, e.g. a ticket id. */
  key?: string;
}

/** What a batch does; the batch id is the workflow id (`batch-<tenant>-<uuid>`, or a schedule's id plus timestamp). */
export interface BatchSpec {
  target: BatchTarget;
  source: BatchSource;
  tenantId: string;
  /** Child runs in flight at once (sliding window). */
  concurrency?: number;
  /** Items read per page. */
  pageSize?: number;
  /** Items started per workflow run before continue-as-new; bounds each run's history. */
  continueAsNewEvery?: number;
  /**
   * Fail the batch (after every item ran) when more than this share of items failed, so a
   * schedule with pause-on-failure stops. Absent: item failures never fail the batch.
   */
  maxFailureRatio?: number;
}

/** Counters carried across continue-as-new; never the items or their outcomes. */
export interface BatchCarry {
  /** Index of the next item to read. */
  cursor: number;
  total: number;
  started: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  costUsd: number;
  /** How many times the batch continued as new so far. */
  runs: number;
  /** ISO time the batch's first run started (workflowInfo().startTime is each run's own). */
  startedAt: string;
}

export interface BatchRunInput {
  spec: BatchSpec;
  /** Set only by continue-as-new. */
  carry?: BatchCarry;
}

export type ItemStatus = 'pending' | 'succeeded' | 'failed' | 'cancelled';

/** One item of a page read from `batch_items`. */
export interface BatchItem {
  idx: number;
  input: string;
  key?: string;
  /** `pending` unless an earlier execution of this batch already recorded the item. */
  status: ItemStatus;
  costUsd: number;
}

/** One item's outcome, recorded in `batch_items` (idempotently: only a pending row changes). */
export interface ItemOutcome {
  idx: number;
  status: Exclude<ItemStatus, 'pending'>;
  childWorkflowId: string;
  costUsd: number;
  /** Answer preview for succeeded items. */
  answer?: string;
  /** Reason for failed or cancelled items. */
  error?: string;
}

export type BatchStatus = 'staging' | 'running' | 'draining' | 'finishing' | 'completed' | 'cancelled' | 'failed';

/** The `progress` query's answer. Counts cover the whole batch, across continue-as-new. */
export interface BatchProgress {
  batchId: string;
  status: BatchStatus;
  /** Unknown (undefined) until the inputs are staged. */
  total?: number;
  started: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  inFlight: number;
  costUsd: number;
  concurrency: number;
  /** Continue-as-new count so far. */
  runs: number;
  /** ISO time the batch (its first run) started. */
  startedAt: string;
}

/** A failed item in a summary. */
export interface BatchFailure {
  idx: number;
  key?: string;
  childWorkflowId?: string;
  error: string;
}

/** A finished batch, counted from Postgres so every item is accounted for. */
export interface BatchSummary {
  batchId: string;
  status: 'completed' | 'cancelled';
  total: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Items never run (only non-zero for a cancelled batch). */
  pending: number;
  /** Sum of the items' reported cost (failed runs report none). */
  costUsd: number;
  /** From staging to the last outcome, by the database clock. */
  durationMs: number;
  /** Continue-as-new count. */
  runs: number;
  /** The first failures by item index; all of them are in `batch_items` (status 'failed'). */
  failures: BatchFailure[];
}

/** Defaults and limits of a batch spec. */
export const BATCH_DEFAULTS = {
  concurrency: 10,
  pageSize: 100,
  continueAsNewEvery: 200,
  maxConcurrency: 1000,
  maxPageSize: 1000,
  maxContinueAsNewEvery: 10_000,
  /** Outcomes are written to Postgres in groups of this many (and before continue-as-new). */
  flushEvery: 50,
  /** Failures listed in a summary. */
  summaryFailures: 20,
} as const;

/**
 * Where a client keeps a batch's inline or file inputs until the batch snapshots them;
 * workers read the same store (`batch_inputs` in Postgres: src/batch/input-store.ts).
 * The SDK takes one by injection, so a client that only starts runs never loads a
 * database driver.
 */
export interface BatchInputStore {
  /** Stores a new set under `setId` and returns its size; refuses an id already stored. */
  store(setId: string, chunks: AsyncIterable<BatchInputItem[]>): Promise<number>;
  /** Whether a batch with this id has taken its snapshot (its rows outlive its history). */
  batchExists(batchId: string): Promise<boolean>;
  /** Removes a set (a start that failed, a deleted schedule); returns how many items went. */
  remove(setId: string): Promise<number>;
  /** Releases what the store opened. */
  close(): Promise<void>;
}
