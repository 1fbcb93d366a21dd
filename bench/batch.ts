/**
 * Section "batch": items per second a `batchRun` sustains at a given window size, and
 * how many history events each item costs the batch (parent) and its child run. Items
 * run the bench agent for one step (one scripted model call + one local no-op tool), so
 * the figure is the batch machinery's, not a model's.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { WorkflowHandle } from '@temporalio/client';
import { PostgresInputStore } from '../src/batch/input-store';
import { BatchClient } from '../src/client/batch-client';
import type { BatchSummary } from '../src/shared/batch-types';
import { BENCH_AGENT } from './bench-agent';
import type { BenchEnv } from './env';
import type { Row } from './report';
import { median } from './stats';

/** Options of {@link batchThroughput}. */
export interface BatchBenchOptions {
  /** Window sizes measured (default 1, 10, 50). */
  concurrencies: number[];
  /** Items per measured batch at a concurrency (default max(50, 10 × concurrency)). */
  itemsFor: (concurrency: number) => number;
  /** Batches per concurrency; figures are medians. Repetitions go round all concurrencies, so load spikes spread. */
  repetitions: number;
  /** Items per workflow run before continue-as-new (the batch default, 200). */
  continueAsNewEvery?: number;
}

export const DEFAULT_BATCH_BENCH: BatchBenchOptions = {
  concurrencies: [1, 10, 50],
  itemsFor: (c) => Math.max(50, 10 * c),
  repetitions: 3,
};

/** One measured batch. */
export interface BatchBenchRun {
  concurrency: number;
  items: number;
  seconds: number;
  items_per_s: number;
  /** Workflow runs in the batch's continue-as-new chain. */
  batch_runs: number;
  /** History events of the batch workflow (all runs) per item. */
  batch_events_per_item: number;
  /** Longest single run's history, the figure continue-as-new bounds. */
  max_run_history: number;
  /** History events of one item's child run (the first item's). */
  child_events_per_item: number;
}

/** What `batchThroughput` returns, for bench/results/latest.json under `batch`. */
export interface BatchBenchResult {
  /** Items per second by concurrency (median over repetitions), e.g. `{ "1": 6.1, "10": 30.2, "50": 41.0 }`. */
  items_per_s: Record<string, number>;
  /** Batch plus child history events per item, by concurrency (median over repetitions). */
  history_events_per_item: Record<string, number>;
  runs: BatchBenchRun[];
  config: { agent: string; item: string; continue_as_new_every: number; repetitions: number };
}

async function chainLengths(env: BenchEnv, id: string): Promise<number[]> {
  const lengths: number[] = [];
  let runId: string | undefined = (await env.client.workflow.getHandle(id).describe()).runId;
  // Bounded: a bench batch continues as new a handful of times.
  for (let hop = 0; runId && hop < 1000; hop++) {
    const handle: WorkflowHandle = env.client.workflow.getHandle(id, runId);
    lengths.push((await handle.describe()).historyLength);
    const history = await handle.fetchHistory();
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return lengths;
}

/** Runs one batch of `items` one-step items at `concurrency` and reads its histories. */
async function measureBatch(env: BenchEnv, batches: BatchClient, concurrency: number, items: number, continueAsNewEvery: number | undefined): Promise<BatchBenchRun> {
  // Unique per batch, as in agent-steps: a repeated deterministic request would be a cache hit.
  const nonce = randomUUID();
  const tasks = Array.from({ length: items }, (_, i) => `bench item ${i} ${nonce}`);
  const started = performance.now();
  const { id } = await batches.startBatch({ agent: BENCH_AGENT, maxSteps: 1 }, { items: tasks }, {
    concurrency,
    ...(continueAsNewEvery ? { continueAsNewEvery } : {}),
  });
  const summary: BatchSummary = await batches.result(id);
  const seconds = (performance.now() - started) / 1000;
  if (summary.succeeded !== items) throw new Error(`bench batch ${id}: ${summary.succeeded} of ${items} items succeeded (${summary.failures[0]?.error ?? 'no failure recorded'})`);
  const lengths = await chainLengths(env, id);
  const child = await env.client.workflow.getHandle(`${id}-item-0`).describe();
  return {
    concurrency,
    items,
    seconds,
    items_per_s: items / seconds,
    batch_runs: lengths.length,
    batch_events_per_item: lengths.reduce((a, b) => a + b, 0) / items,
    max_run_history: Math.max(...lengths),
    child_events_per_item: child.historyLength,
  };
}

/** Measures batch throughput (items/s) and history events per item at each concurrency. */
export async function batchThroughput(env: BenchEnv, options: Partial<BatchBenchOptions> = {}): Promise<BatchBenchResult> {
  const o = { ...DEFAULT_BATCH_BENCH, ...options };
  const batches = new BatchClient(env.client, env.taskQueue, new PostgresInputStore(env.deps.db));
  // Warm-up: the batch workflow's first tasks and the batch tables' first rows.
  await measureBatch(env, batches, 10, 10, o.continueAsNewEvery);
  const runs: BatchBenchRun[] = [];
  for (let r = 0; r < o.repetitions; r++) {
    for (const concurrency of o.concurrencies) runs.push(await measureBatch(env, batches, concurrency, o.itemsFor(concurrency), o.continueAsNewEvery));
  }
  const by = (f: (run: BatchBenchRun) => number) => Object.fromEntries(o.concurrencies.map((c) => [String(c), median(runs.filter((r) => r.concurrency === c).map(f))]));
  return {
    items_per_s: by((r) => r.items_per_s),
    history_events_per_item: by((r) => r.batch_events_per_item + r.child_events_per_item),
    runs,
    config: { agent: BENCH_AGENT, item: 'one agent step: scripted model call + local no-op tool, maxSteps 1', continue_as_new_every: o.continueAsNewEvery ?? 200, repetitions: o.repetitions },
  };
}

export function batchRows(r: BatchBenchResult): Row[] {
  const section = 'batch (1-step items)';
  return Object.keys(r.items_per_s).flatMap((c) => [
    { section, metric: `items_per_s, concurrency ${c}`, value: r.items_per_s[c], unit: 'items/s' },
    { section, metric: `history events per item, concurrency ${c}`, value: r.history_events_per_item[c], unit: 'events' },
  ]);
}
