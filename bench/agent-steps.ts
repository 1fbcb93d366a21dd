/**
 * Section "agent steps": what one durable agent step costs on top of the same step run
 * in-process, and how many steps per second one worker sustains with many runs at once.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { AgentRunInput, AgentRunResult } from '../src/shared/run-types';
import { bareLoop, TENANT } from './bare-loop';
import { BENCH_AGENT } from './bench-agent';
import { measureCpu, medianCpu, perStep, type CpuPerStep } from './cpu';
import type { BenchEnv } from './env';
import { intervals, modelScheduleTimes } from './history';
import { median, medianQuantiles, quantiles, type Quantiles } from './stats';

export interface AgentStepsOptions {
  /** Which bench agent runs (local- or regular-activity tool). */
  agent: string;
  /** Model steps per measured run; n steps give n-1 step intervals. */
  steps: number;
  repetitions: number;
  concurrentRuns: number;
  stepsPerConcurrentRun: number;
  throughputRepetitions: number;
}

export const DEFAULT_AGENT_STEPS: AgentStepsOptions = {
  agent: BENCH_AGENT,
  steps: 201,
  repetitions: 5,
  concurrentRuns: 50,
  stepsPerConcurrentRun: 10,
  throughputRepetitions: 3,
};

export interface AgentStepsResult {
  /** Server-stamped time per durable step (callModel scheduled → next callModel scheduled). */
  step_wall_ms: Quantiles;
  /** The same step in-process, no Temporal. */
  bare_loop_ms: Quantiles;
  /** step_wall quantiles minus the bare loop's median (medians over repetitions). */
  step_overhead_ms: Quantiles;
  /** Client-side wall time of a whole run divided by its steps (start, resolve and result included). */
  run_ms_per_step: number;
  /** Median step wall time over the first and the last quarter of a run: growth with conversation length. */
  step_wall_by_position_ms: { first_quarter_p50: number; last_quarter_p50: number };
  steps_per_s: number;
  /** CPU per durable step (sequential runs): bench process (worker + client) and Temporal server. */
  cpu_ms_per_step: CpuPerStep;
  /** CPU per step while 50 runs share the worker. */
  cpu_ms_per_step_concurrent: CpuPerStep;
  /** Per repetition, for the record: noise is visible, not hidden behind medians. */
  repetitions: Array<{ step_wall_ms: Quantiles; bare_loop_ms: Quantiles; run_ms_per_step: number; cpu_ms_per_step: CpuPerStep }>;
  throughput_repetitions: Array<{ steps: number; seconds: number; steps_per_s: number; cpu_ms_per_step: CpuPerStep }>;
}

/** Bounds every run so a stuck worker fails the bench instead of hanging it. */
const RUN_TIMEOUT = '2m';

async function runAgent(env: BenchEnv, agent: string, maxSteps: number): Promise<{ workflowId: string; result: AgentRunResult }> {
  const workflowId = `run-bench-${randomUUID()}`;
  // A unique task per run: a deterministic model request repeated across runs would be
  // served by the response cache, and the bench would time cache hits, not model steps.
  const input: AgentRunInput = { agent, input: `bench ${workflowId}`, tenantId: TENANT, maxSteps };
  const handle = await env.client.workflow.start('agentRun', {
    taskQueue: env.taskQueue,
    workflowId,
    args: [input],
    workflowExecutionTimeout: RUN_TIMEOUT,
  });
  const result = (await handle.result()) as AgentRunResult;
  if (result.steps !== maxSteps) throw new Error(`run ${workflowId} took ${result.steps} steps, expected ${maxSteps}`);
  return { workflowId, result };
}

/**
 * Like Promise.all, but waits for every run to settle before failing: the environment
 * is shut down right after, and a run still polling for its result would then crash the
 * process on a closed connection instead of reporting the first failure.
 */
async function allRuns<T>(runs: Array<Promise<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(runs);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/** Warms JIT, workflow cache, server and SQLite before anything is timed. */
async function warmUp(env: BenchEnv, o: AgentStepsOptions): Promise<void> {
  await bareLoop(env.activities, 50, o.agent);
  await allRuns(Array.from({ length: Math.min(10, o.concurrentRuns) }, () => runAgent(env, o.agent, 10)));
}

async function measureOverhead(env: BenchEnv, o: AgentStepsOptions) {
  const reps: AgentStepsResult['repetitions'] = [];
  const firstQuarter: number[] = [];
  const lastQuarter: number[] = [];
  for (let r = 0; r < o.repetitions; r++) {
    const bare = await bareLoop(env.activities, o.steps, o.agent);
    const started = performance.now();
    const { value: { workflowId }, ...cpu } = await measureCpu(() => runAgent(env, o.agent, o.steps));
    const runMs = performance.now() - started;
    const steps = intervals(await modelScheduleTimes(env.client, workflowId));
    if (steps.length !== o.steps - 1) throw new Error(`run ${workflowId}: ${steps.length} step intervals in history, expected ${o.steps - 1}`);
    const quarter = Math.floor(steps.length / 4);
    firstQuarter.push(median(steps.slice(0, quarter)));
    lastQuarter.push(median(steps.slice(-quarter)));
    reps.push({ step_wall_ms: quantiles(steps), bare_loop_ms: quantiles(bare), run_ms_per_step: runMs / o.steps, cpu_ms_per_step: perStep(cpu, o.steps) });
  }
  return { reps, firstQuarter: median(firstQuarter), lastQuarter: median(lastQuarter) };
}

async function measureThroughput(env: BenchEnv, o: AgentStepsOptions): Promise<AgentStepsResult['throughput_repetitions']> {
  const out: AgentStepsResult['throughput_repetitions'] = [];
  for (let r = 0; r < o.throughputRepetitions; r++) {
    const started = performance.now();
    const cpu = await measureCpu(() => allRuns(Array.from({ length: o.concurrentRuns }, () => runAgent(env, o.agent, o.stepsPerConcurrentRun))));
    const seconds = (performance.now() - started) / 1000;
    const steps = o.concurrentRuns * o.stepsPerConcurrentRun;
    out.push({ steps, seconds, steps_per_s: steps / seconds, cpu_ms_per_step: perStep(cpu, steps) });
  }
  return out;
}

export async function agentSteps(env: BenchEnv, o: AgentStepsOptions = DEFAULT_AGENT_STEPS): Promise<AgentStepsResult> {
  await warmUp(env, o);
  const overhead = await measureOverhead(env, o);
  const throughput = await measureThroughput(env, o);
  const stepWall = medianQuantiles(overhead.reps.map((r) => r.step_wall_ms));
  const bare = medianQuantiles(overhead.reps.map((r) => r.bare_loop_ms));
  return {
    step_wall_ms: stepWall,
    bare_loop_ms: bare,
    // The in-process cost is taken at its median for both quantiles: its own p99 is GC
    // and scheduler noise, and subtracting it would understate the tail Temporal adds.
    step_overhead_ms: { p50: stepWall.p50 - bare.p50, p99: stepWall.p99 - bare.p50 },
    run_ms_per_step: median(overhead.reps.map((r) => r.run_ms_per_step)),
    step_wall_by_position_ms: { first_quarter_p50: overhead.firstQuarter, last_quarter_p50: overhead.lastQuarter },
    steps_per_s: median(throughput.map((t) => t.steps_per_s)),
    cpu_ms_per_step: medianCpu(overhead.reps.map((r) => r.cpu_ms_per_step)),
    cpu_ms_per_step_concurrent: medianCpu(throughput.map((t) => t.cpu_ms_per_step)),
    repetitions: overhead.reps,
    throughput_repetitions: throughput,
  };
}
