/**
 * fast-check settings for the guarantees suite. CI runs a few cases per property with a
 * fixed seed, so a failure reproduces; locally, more cases or a time budget:
 *
 *   GUARANTEES_RUNS=200 npx jest test/guarantees          # 200 cases per property
 *   GUARANTEES_MINUTES=30 npx jest test/guarantees        # each property for up to 30 minutes
 *   GUARANTEES_SEED=123 …                                 # another seed (the failure report prints the one to replay)
 */
import type fc from 'fast-check';

const minutes = Number(process.env.GUARANTEES_MINUTES ?? 0);
const runs = Number(process.env.GUARANTEES_RUNS ?? 0);
export const SEED = Number(process.env.GUARANTEES_SEED ?? 20261202);

/** fast-check parameters: `ciRuns` cases with the fixed seed unless the environment asks for more. */
export function params<T>(ciRuns: number): fc.Parameters<T> {
  if (minutes > 0) return { seed: SEED, numRuns: 1_000_000, interruptAfterTimeLimit: minutes * 60_000, markInterruptAsFailure: false, endOnFailure: true };
  return { seed: SEED, numRuns: runs > 0 ? runs : ciRuns, endOnFailure: true };
}

/** A jest timeout that fits `ciRuns` cases of about `perCaseMs` each (or the local time budget). */
export function timeoutFor(ciRuns: number, perCaseMs: number): number {
  if (minutes > 0) return minutes * 60_000 + 120_000;
  return (runs > 0 ? runs : ciRuns) * perCaseMs + 60_000;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
