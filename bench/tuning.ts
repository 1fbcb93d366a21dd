/**
 * `npm run build && node dist/bench/tuning.js [variant…]`: what limits an agent step.
 * Runs the agent-steps section, shortened, once per variant of server, worker and tool
 * settings, and writes bench/results/tuning.json. Not part of `npm run bench` (a full
 * pass takes about 8 minutes); its findings went into src/infra/temporal-dev.ts, and
 * variant "transfer-rps-20" shows the one that mattered most by taking it out again.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { WorkerOptions } from '@temporalio/worker';
import { PROJECT_ROOT } from '../src/infra/paths';
import { PERFORMANCE_ARGS } from '../src/infra/temporal-dev';
import { agentSteps, DEFAULT_AGENT_STEPS, type AgentStepsOptions, type AgentStepsResult } from './agent-steps';
import { BENCH_AGENT_REMOTE_TOOL } from './bench-agent';
import { startBenchEnv, type BenchEnvOptions, type HistoryStore } from './env';
import { machine, printTable, writeResults, type Row } from './report';

interface Variant {
  name: string;
  why: string;
  env: BenchEnvOptions;
  agent?: string;
  /** Left out unless named: it takes minutes on its own. */
  slow?: boolean;
}

const dc = (kv: string): string[] => ['--dynamic-config-value', kv];
const without = (args: readonly string[], value: string): string[] => {
  const out = [...args];
  const i = out.indexOf(value);
  if (i > 0) out.splice(i - 1, 2);
  return out;
};

/** A variant on src/'s server flags, changing the server flags or worker options it names. */
function variant(name: string, why: string, o: { store?: HistoryStore; serverArgs?: string[]; worker?: Partial<WorkerOptions>; agent?: string } = {}): Variant {
  const experiment = { ...(o.serverArgs ? { serverArgs: o.serverArgs } : {}), ...(o.worker ? { workerOptions: o.worker } : {}) };
  return {
    name,
    why,
    env: { store: o.store ?? 'sqlite-file', ...(Object.keys(experiment).length ? { experiment } : {}) },
    ...(o.agent ? { agent: o.agent } : {}),
  };
}

const VARIANTS: Variant[] = [
  variant('baseline', 'src/ as is: SQLite file, startDevServer + createAgentWorker defaults'),
  variant('memory', 'history in memory (dbFilename null)', { store: 'memory' }),
  variant('remote-tool', 'no-op tool as a regular activity instead of a local one', { agent: BENCH_AGENT_REMOTE_TOOL }),
  variant('eager-off', 'server without system.enableActivityEagerExecution', { serverArgs: without(PERFORMANCE_ARGS, 'system.enableActivityEagerExecution=true') }),
  variant('transfer-rps-20', 'server without history.transferProcessorMaxPollRPS=1000 (the server default, 20 polls/s)', { serverArgs: without(PERFORMANCE_ARGS, 'history.transferProcessorMaxPollRPS=1000') }),
  { name: 'no-cache', why: 'maxCachedWorkflows 0: every task replays the history', env: { store: 'sqlite-file', tuning: { maxCachedWorkflows: 0 } }, slow: true },
  variant('sqlite-sync-off', 'SQLite synchronous=off', { serverArgs: [...without(PERFORMANCE_ARGS, 'synchronous=normal'), '--sqlite-pragma', 'synchronous=off'] }),
  variant('partitions-1', 'one task-queue partition', { serverArgs: [...PERFORMANCE_ARGS, ...dc('matching.numTaskqueueReadPartitions=1'), ...dc('matching.numTaskqueueWritePartitions=1')] }),
  variant('wft-exec-100', 'maxConcurrentWorkflowTaskExecutions 100 (default 40)', { worker: { maxConcurrentWorkflowTaskExecutions: 100 } }),
  variant('wft-exec-10', 'maxConcurrentWorkflowTaskExecutions 10', { worker: { maxConcurrentWorkflowTaskExecutions: 10 } }),
  variant('polls-2', 'maxConcurrentWorkflowTaskPolls 2, maxConcurrentActivityTaskPolls 2', { worker: { maxConcurrentWorkflowTaskPolls: 2, maxConcurrentActivityTaskPolls: 2 } }),
  variant('polls-autoscale', 'workflow and activity pollers autoscaling', { worker: { workflowTaskPollerBehavior: { type: 'autoscaling' }, activityTaskPollerBehavior: { type: 'autoscaling' } } }),
  variant('threads-2', 'workflowThreadPoolSize 2', { worker: { workflowThreadPoolSize: 2 } }),
  variant('debug-mode', 'debugMode (workflows on the main thread; diagnosis only, never for production)', { worker: { debugMode: true } }),
];

/** Shorter than the headline bench: enough to rank variants, short enough to run a dozen. */
const OPTIONS: Omit<AgentStepsOptions, 'agent'> = { ...DEFAULT_AGENT_STEPS, steps: 101, repetitions: 2, throughputRepetitions: 2 };

function rows(name: string, r: AgentStepsResult): Row[] {
  return [
    { section: name, metric: 'step_wall_ms', ...r.step_wall_ms, unit: 'ms' },
    { section: name, metric: 'step_overhead_ms', ...r.step_overhead_ms, unit: 'ms' },
    { section: name, metric: 'steps_per_s (50 runs)', value: r.steps_per_s, unit: 'steps/s' },
    { section: name, metric: 'cpu/step worker | server', p50: r.cpu_ms_per_step.worker_process, p99: r.cpu_ms_per_step.temporal_server, unit: 'ms, 1 run' },
    { section: name, metric: 'cpu/step worker | server', p50: r.cpu_ms_per_step_concurrent.worker_process, p99: r.cpu_ms_per_step_concurrent.temporal_server, unit: 'ms, 50 runs' },
  ];
}

function choose(wanted: string[]): Variant[] {
  const unknown = wanted.filter((w) => !VARIANTS.some((v) => v.name === w));
  if (unknown.length) throw new Error(`unknown variant(s) ${unknown.join(', ')}; known: ${VARIANTS.map((v) => v.name).join(', ')}`);
  return wanted.length ? wanted.map((w) => VARIANTS.find((v) => v.name === w)!) : VARIANTS.filter((v) => !v.slow);
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const started = performance.now();
  const results: Record<string, unknown> = {};
  const table: Row[] = [];
  for (const v of choose(wanted)) {
    const env = await startBenchEnv(v.env);
    try {
      const r = await agentSteps(env, { ...OPTIONS, agent: v.agent ?? DEFAULT_AGENT_STEPS.agent });
      results[v.name] = { why: v.why, config: env.config, ...r };
      table.push(...rows(v.name, r));
      process.stderr.write(`tuning: ${v.name} done (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
    } finally {
      await env.shutdown();
    }
  }
  printTable('durable-agents tuning (cpu rows: p50 column = bench process, p99 column = Temporal server)', table);
  const file = writeResults(
    { variants: results, options: OPTIONS, machine: machine(), command: `node dist/bench/tuning.js ${wanted.join(' ')}`.trim() },
    path.join(PROJECT_ROOT, 'bench', 'results', 'tuning.json'),
  );
  process.stdout.write(`\nwrote ${file}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`tuning failed: ${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
