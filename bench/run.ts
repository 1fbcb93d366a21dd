/**
 * `npm run bench`: for each setup below, starts a Temporal dev server, Postgres and a
 * worker, runs the bench sections against them, prints a table and writes
 * bench/results/latest.json. Sections are modules that take the environment and return
 * figures; a new section is one more step in `headlineSections`.
 *
 * BENCH_SETUPS (default "default,memory") chooses the setups; the first one measured
 * gives the headline figures and alone runs the sections beyond agent steps (guardrails,
 * cache, budget, batch, policies on vs off, encryption on vs off).
 *
 * BENCH_QUICK=1 runs every section with far fewer repetitions and steps (about two
 * minutes on a busy 2-core machine, against an estimated eight to ten for the full
 * bench): for checking that the bench works, not for figures to quote. The results file
 * says which under `mode`.
 */
import { performance } from 'node:perf_hooks';
import { agentSteps, DEFAULT_AGENT_STEPS, type AgentStepsOptions, type AgentStepsResult } from './agent-steps';
import { batchRows, batchThroughput, type BatchBenchOptions, type BatchBenchResult } from './batch';
import { budgetLatency, budgetRows, DEFAULT_BUDGET_BENCH, type BudgetBenchOptions, type BudgetBenchResult } from './budget';
import { CACHE_TARGETS, cacheLatency, cacheRows, DEFAULT_CACHE_BENCH, type CacheBenchOptions, type CacheBenchResult } from './cache';
import { ENCRYPTION_OVERHEAD_TARGET_MS, encryptionOverhead, encryptionRows, type EncryptionBenchOptions, type EncryptionBenchResult } from './encryption';
import { shutdownAll, startBenchEnv, type BenchEnv, type BenchEnvOptions } from './env';
import { DEFAULT_GUARDRAIL_BENCH, GUARDRAIL_TARGETS, guardrailRows, guardrailThroughput, type GuardrailBenchOptions, type GuardrailBenchResult } from './guardrails';
import { POLICY_OVERHEAD_TARGET_MS, policyOverhead, policyRows, type PolicyOverheadOptions, type PolicyOverheadResult } from './policy-overhead';
import { machine, printTable, writeResults, type Row } from './report';

const TARGETS = { overheadP50: 15, overheadP99: 60, stepsPerS: 60 };

/** How long each section runs. */
interface Plan {
  /** Agent steps of the headline setup. */
  steps: AgentStepsOptions;
  /** Agent steps of the other setups: fewer repetitions, same shape. */
  comparison: AgentStepsOptions;
  guardrails: GuardrailBenchOptions;
  cache: CacheBenchOptions;
  budget: BudgetBenchOptions;
  batch: Partial<BatchBenchOptions>;
  policies: PolicyOverheadOptions;
  encryption: EncryptionBenchOptions;
}

const FULL: Plan = {
  steps: DEFAULT_AGENT_STEPS,
  comparison: { ...DEFAULT_AGENT_STEPS, repetitions: 3, throughputRepetitions: 2 },
  guardrails: DEFAULT_GUARDRAIL_BENCH,
  cache: DEFAULT_CACHE_BENCH,
  budget: DEFAULT_BUDGET_BENCH,
  batch: {}, // batch.ts defaults: 50, 100 and 500 items at concurrency 1, 10 and 50, three times
  // More, shorter rounds rather than long runs: a difference of a few ms must outlast load that comes and goes.
  policies: { rounds: 4, steps: { ...DEFAULT_AGENT_STEPS, steps: 101, repetitions: 2, stepsPerConcurrentRun: 5, throughputRepetitions: 1 } },
  encryption: { steps: { rounds: 4, steps: { ...DEFAULT_AGENT_STEPS, steps: 101, repetitions: 2, stepsPerConcurrentRun: 5, throughputRepetitions: 1 } }, requests: 300, repetitions: 3 },
};

const QUICK_STEPS: AgentStepsOptions = { ...DEFAULT_AGENT_STEPS, steps: 51, repetitions: 2, stepsPerConcurrentRun: 5, throughputRepetitions: 1 };

const QUICK: Plan = {
  steps: QUICK_STEPS,
  comparison: QUICK_STEPS,
  guardrails: { repetitions: 2, checksPerRepetition: 1000 },
  cache: { entries: 50, repetitions: 2 },
  budget: { ...DEFAULT_BUDGET_BENCH, pairsPerRun: 5, repetitions: 2 },
  batch: { itemsFor: (c) => Math.max(10, 2 * c), repetitions: 1 },
  policies: { rounds: 2, steps: QUICK_STEPS },
  encryption: { steps: { rounds: 2, steps: QUICK_STEPS }, requests: 50, repetitions: 2 },
};

const QUICK_MODE = process.env.BENCH_QUICK === '1';
const PLAN = QUICK_MODE ? QUICK : FULL;

interface Setup {
  name: string;
  what: string;
  env: BenchEnvOptions;
  steps: AgentStepsOptions;
}

const SETUPS: Setup[] = [
  {
    name: 'default',
    what: 'src/ as is: startDevServer with an SQLite file (the embedded default), createAgentWorker defaults, default policies',
    env: { store: 'sqlite-file' },
    steps: PLAN.steps,
  },
  { name: 'memory', what: 'as default, but dbFilename null (history in memory, as the tests run)', env: { store: 'memory' }, steps: PLAN.comparison },
];

function chosenSetups(): Setup[] {
  const names = (process.env.BENCH_SETUPS ?? SETUPS.map((s) => s.name).join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  return names.map((n) => {
    const setup = SETUPS.find((s) => s.name === n);
    if (!setup) throw new Error(`BENCH_SETUPS: unknown setup "${n}" (known: ${SETUPS.map((s) => s.name).join(', ')})`);
    return setup;
  });
}

/** The sections measured for the headline setup only. */
interface Sections {
  guardrails: GuardrailBenchResult;
  cache: CacheBenchResult;
  budget: BudgetBenchResult;
  batch: BatchBenchResult;
  policies: PolicyOverheadResult;
  encryption: EncryptionBenchResult;
}

interface Measured {
  setup: Setup;
  agentSteps: AgentStepsResult;
  config: Record<string, unknown>;
  sections?: Sections;
}

/** Runs one section, saying so on stderr: a full bench is long enough to want progress. */
async function announced<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  process.stderr.write(`bench:   ${name} …\n`);
  const started = performance.now();
  const value = await fn();
  process.stderr.write(`bench:   ${name} done (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  return value;
}

/** Policies, cache, budget and batch: once, against the headline environment. */
async function headlineSections(env: BenchEnv, setup: Setup): Promise<Sections> {
  const guardrails = await announced('guardrails', () => guardrailThroughput(PLAN.guardrails));
  const cache = await announced('cache', () => cacheLatency(env, PLAN.cache));
  const budget = await announced('budget', () => budgetLatency(env, PLAN.budget));
  const batch = await announced('batch', () => batchThroughput(env, PLAN.batch));
  const policies = await announced('policies on vs off', () => policyOverhead(env, setup.env, PLAN.policies));
  const encryption = await announced('encryption on vs off', () => encryptionOverhead(env, setup.env, PLAN.encryption));
  return { guardrails, cache, budget, batch, policies, encryption };
}

/** One environment, every section against it, always shut down. */
async function measureSetup(setup: Setup, headline: boolean): Promise<Measured> {
  const env = await startBenchEnv(setup.env);
  try {
    const steps = await announced('agent steps', () => agentSteps(env, setup.steps));
    return { setup, agentSteps: steps, config: env.config, ...(headline ? { sections: await headlineSections(env, setup) } : {}) };
  } finally {
    await env.shutdown();
  }
}

function rows(m: Measured): Row[] {
  const section = `agent-steps [${m.setup.name}]`;
  const r = m.agentSteps;
  const s = m.sections;
  return [
    { section, metric: 'step_wall_ms (history)', ...r.step_wall_ms, unit: 'ms' },
    { section, metric: 'bare_loop_ms (in-process)', ...r.bare_loop_ms, unit: 'ms' },
    { section, metric: 'step_overhead_ms', ...r.step_overhead_ms, unit: 'ms', target: `p50 ≤ ${TARGETS.overheadP50}, p99 ≤ ${TARGETS.overheadP99}` },
    { section, metric: 'run wall / steps (client)', value: r.run_ms_per_step, unit: 'ms' },
    { section, metric: 'cpu/step bench proc | server', p50: r.cpu_ms_per_step.worker_process, p99: r.cpu_ms_per_step.temporal_server, unit: 'ms (cols)' },
    { section, metric: `steps_per_s (${m.setup.steps.concurrentRuns} runs x ${m.setup.steps.stepsPerConcurrentRun})`, value: r.steps_per_s, unit: 'steps/s', target: `≥ ${TARGETS.stepsPerS}` },
    ...(s ? [...guardrailRows(s.guardrails), ...cacheRows(s.cache), ...budgetRows(s.budget), ...batchRows(s.batch), ...policyRows(s.policies), ...encryptionRows(s.encryption)] : []),
  ];
}

async function main(): Promise<void> {
  const started = performance.now();
  const measured: Measured[] = [];
  for (const [i, setup] of chosenSetups().entries()) {
    process.stderr.write(`bench: setup "${setup.name}"${QUICK_MODE ? ' (quick)' : ''} …\n`);
    measured.push(await measureSetup(setup, i === 0));
  }
  const head = measured[0]!;
  const sections = head.sections!;
  const mode = QUICK_MODE ? 'quick (BENCH_QUICK=1: few repetitions, not for quoting)' : 'full';
  printTable(`durable-agents bench, ${mode} (medians over repetitions; step_overhead = step_wall − bare_loop p50)`, measured.flatMap(rows));
  const seconds = (performance.now() - started) / 1000;
  const file = writeResults({
    mode: QUICK_MODE ? 'quick' : 'full',
    step_overhead_ms: head.agentSteps.step_overhead_ms,
    bare_loop_ms: head.agentSteps.bare_loop_ms,
    step_wall_ms: head.agentSteps.step_wall_ms,
    steps_per_s: head.agentSteps.steps_per_s,
    guardrails: sections.guardrails,
    cache: sections.cache,
    budget: sections.budget,
    batch: sections.batch,
    policies: sections.policies,
    encryption: sections.encryption,
    targets: {
      step_overhead_ms: { p50: TARGETS.overheadP50, p99: TARGETS.overheadP99 },
      steps_per_s: TARGETS.stepsPerS,
      guardrails: { latency_p50_ms: GUARDRAIL_TARGETS.latencyP50Ms },
      cache: { l1_hit_ms: CACHE_TARGETS.l1HitMs, l2_hit_p50_ms: CACHE_TARGETS.l2HitP50Ms },
      policies: { added_p50_ms: POLICY_OVERHEAD_TARGET_MS },
      encryption: { added_p50_ms: ENCRYPTION_OVERHEAD_TARGET_MS },
    },
    config: { setup: head.setup.name, what: head.setup.what, options: head.setup.steps, plan: PLAN, ...head.config },
    setups: Object.fromEntries(measured.map((m) => [m.setup.name, { what: m.setup.what, options: m.setup.steps, config: m.config, 'agent-steps': m.agentSteps }])),
    machine: machine(),
    command: QUICK_MODE ? 'BENCH_QUICK=1 npm run bench' : 'npm run bench',
    finished_at: new Date().toISOString(),
    duration_s: seconds,
  });
  process.stdout.write(`\nwrote ${file} (${seconds.toFixed(0)} s)\n`);
}

// Ctrl-C, a kill or a stray error must not leave a Temporal server or Postgres behind.
function stopAndExit(why: string, code: number): void {
  process.stderr.write(`bench: ${why}, shutting down\n`);
  void shutdownAll().finally(() => process.exit(code));
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => stopAndExit(signal, 130));
process.once('uncaughtException', (err) => stopAndExit(`uncaught ${err.stack ?? err.message}`, 1));
process.once('unhandledRejection', (err) => stopAndExit(`unhandled rejection ${String(err)}`, 1));

main().catch((err: Error) => {
  process.stderr.write(`bench failed: ${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
