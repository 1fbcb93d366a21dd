/**
 * Percentiles and medians for latency samples. Nearest-rank percentiles: with a few
 * hundred samples, p99 is an observed step, never an interpolation between two.
 */

/** The p-th percentile (0–100) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** p50 and p99 of one set of samples, in the unit of the samples. */
export interface Quantiles {
  p50: number;
  p99: number;
}

export function quantiles(samples: readonly number[]): Quantiles {
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

/** Median of each quantile across repetitions: one noisy repetition cannot move the result. */
export function medianQuantiles(reps: readonly Quantiles[]): Quantiles {
  return { p50: median(reps.map((q) => q.p50)), p99: median(reps.map((q) => q.p99)) };
}

/** Rounds for reports: 0.01 ms resolution is more than the clock noise deserves. */
export function round(n: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
