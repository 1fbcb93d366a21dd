/**
 * Section "budget": what the reserve → commit pair around every model call costs when 50
 * runs of one tenant spend at once. They all lock the same tenant counter rows, so this
 * is the ledger's worst realistic case. Runs use the worker's pool, as callModel does.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { loadPolicyConfig } from '../src/policies';
import { BudgetLedger, type BudgetCall } from '../src/policies/budget';
import { BENCH_AGENT } from './bench-agent';
import type { BenchEnv } from './env';
import type { Row } from './report';
import { median, medianQuantiles, quantiles, type Quantiles } from './stats';

export interface BudgetBenchOptions {
  /** Simulated runs spending at the same time, all of one tenant. */
  concurrency: number;
  /** reserve → commit pairs each run makes, one after the other (one per model call). */
  pairsPerRun: number;
  repetitions: number;
}

export const DEFAULT_BUDGET_BENCH: BudgetBenchOptions = { concurrency: 50, pairsPerRun: 20, repetitions: 3 };

export interface BudgetBenchResult {
  /** From before reserve to after commit, per pair. */
  reserve_commit_ms: Quantiles;
  concurrency: number;
  /** Pairs completed per second across all runs. */
  pairs_per_s: number;
  pairs_per_repetition: number;
  /** Connections the runs share (the worker's pool). */
  pool_max: number | undefined;
  repetitions: Array<{ reserve_commit_ms: Quantiles; pairs_per_s: number }>;
}

/** A model call's worst-case estimate and what it then cost. */
const ESTIMATE = { usd: 0.004, tokens: 3000 };
const ACTUAL = { usd: 0.0012, tokens: 900 };

/** One run: `pairs` model calls in a row, each reserving, then committing; returns each pair's time. */
async function simulatedRun(ledger: BudgetLedger, tenantId: string, pairs: number): Promise<number[]> {
  const workflowId = `run-${tenantId}-${randomUUID()}`;
  const samples: number[] = [];
  for (let step = 1; step <= pairs; step++) {
    const call: BudgetCall = { workflowId, activityId: String(step), attempt: 1, tenantId, agent: BENCH_AGENT };
    const t0 = performance.now();
    await ledger.reserve(call, ESTIMATE);
    await ledger.commit(call, ACTUAL);
    samples.push(performance.now() - t0);
  }
  return samples;
}

async function repetition(ledger: BudgetLedger, tenantId: string, o: BudgetBenchOptions): Promise<{ samples: number[]; pairs_per_s: number }> {
  const started = performance.now();
  const runs = await Promise.all(Array.from({ length: o.concurrency }, () => simulatedRun(ledger, tenantId, o.pairsPerRun)));
  const samples = runs.flat();
  return { samples, pairs_per_s: samples.length / ((performance.now() - started) / 1000) };
}

export async function budgetLatency(env: BenchEnv, o: BudgetBenchOptions = DEFAULT_BUDGET_BENCH): Promise<BudgetBenchResult> {
  // The default limits (a run cap, so each run has its own counter too), on a tenant of
  // this bench alone so the counters start empty.
  const ledger = new BudgetLedger({ pool: env.deps.db, config: loadPolicyConfig(undefined).budget });
  const tenantId = `bench-budget-${randomUUID()}`;
  // Warm-up: creates the tenant's counter rows and prepares statements on every connection.
  await repetition(ledger, tenantId, { ...o, pairsPerRun: 2 });
  const reps: BudgetBenchResult['repetitions'] = [];
  for (let r = 0; r < o.repetitions; r++) {
    const { samples, pairs_per_s } = await repetition(ledger, tenantId, o);
    reps.push({ reserve_commit_ms: quantiles(samples), pairs_per_s });
  }
  return {
    reserve_commit_ms: medianQuantiles(reps.map((r) => r.reserve_commit_ms)),
    concurrency: o.concurrency,
    pairs_per_s: median(reps.map((r) => r.pairs_per_s)),
    pairs_per_repetition: o.concurrency * o.pairsPerRun,
    pool_max: env.deps.db.options.max,
    repetitions: reps,
  };
}

export function budgetRows(r: BudgetBenchResult): Row[] {
  const section = `budget (${r.concurrency} runs, 1 tenant)`;
  return [
    { section, metric: 'reserve+commit', ...r.reserve_commit_ms, unit: 'ms' },
    { section, metric: 'pairs_per_s', value: r.pairs_per_s, unit: 'pairs/s' },
  ];
}
