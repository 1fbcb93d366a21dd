/**
 * Section "policies": what the default policies add to one agent step. The agent-steps
 * measurement runs against two workers that differ only in policy configuration, the
 * defaults and everything that can be turned off turned off, in alternating rounds so
 * that other load on the machine falls on both alike.
 *
 * Compared is the durable step's wall time, not agent-steps' step_overhead: that one
 * subtracts the in-process loop, which runs the same policies and would cancel them out.
 */
import { GuardrailConfigSchema } from '../src/policies/guardrails';
import { agentSteps, type AgentStepsOptions, type AgentStepsResult } from './agent-steps';
import { startBenchEnv, type BenchEnv, type BenchEnvOptions } from './env';
import type { Row } from './report';
import { median, medianQuantiles, type Quantiles } from './stats';

/** Every guardrail text check, by its config key (tool access rules have no switch, and none are configured by default). */
const GUARDRAIL_CHECKS = Object.keys(GuardrailConfigSchema.shape).filter((k) => k !== 'tools');

/**
 * A policy file with guardrail checks, response and tool caching and the budget ledger
 * off. The router stays: it is how a step reaches its model.
 */
export const POLICIES_OFF = {
  guardrails: { base: Object.fromEntries(GUARDRAIL_CHECKS.map((k) => [k, { enabled: false }])) },
  cache: { enabled: false, tools: { enabled: false } },
  budget: { enabled: false },
};

export interface PolicyOverheadOptions {
  /** On/off pairs; each runs agent-steps once per worker, in the order on-off, off-on, on-off, … */
  rounds: number;
  steps: AgentStepsOptions;
}

/** Target from the issue: the policies may add at most this much to a step (p50). */
export const POLICY_OVERHEAD_TARGET_MS = 3;

type Side = 'on' | 'off';

export interface PolicyOverheadResult {
  /** Durable step wall time (server-stamped), default policies, median over rounds. */
  step_wall_on_ms: Quantiles;
  step_wall_off_ms: Quantiles;
  /** The same step in-process (no Temporal), where the policies' own cost is least noisy. */
  bare_loop_on_ms: Quantiles;
  bare_loop_off_ms: Quantiles;
  /** What the policies add to a durable step: median over rounds of (on − off) step wall p50. */
  added_p50_ms: number;
  /** The same for the in-process step. */
  added_in_process_p50_ms: number;
  steps_per_s_on: number;
  steps_per_s_off: number;
  /** Per round, for the record: the spread says how far to trust added_p50_ms on a busy machine. */
  rounds: Array<{ step_wall_p50_ms: Record<Side, number>; bare_loop_p50_ms: Record<Side, number> }>;
  off: typeof POLICIES_OFF;
}

/** `on` is a running environment with the default policies; the "off" one is started alike and stopped here. */
export async function policyOverhead(on: BenchEnv, onOptions: BenchEnvOptions, o: PolicyOverheadOptions): Promise<PolicyOverheadResult> {
  const off = await startBenchEnv({ ...onOptions, policies: { name: 'policies off (bench/policy-overhead.ts POLICIES_OFF)', file: POLICIES_OFF } });
  const envs: Record<Side, BenchEnv> = { on, off };
  const runs: Array<Record<Side, AgentStepsResult>> = [];
  try {
    for (let r = 0; r < o.rounds; r++) {
      // Alternating which goes first, so neither side always runs in the other's wake.
      const order: Side[] = r % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
      const round: Partial<Record<Side, AgentStepsResult>> = {};
      for (const side of order) round[side] = await agentSteps(envs[side], o.steps);
      runs.push(round as Record<Side, AgentStepsResult>);
    }
  } finally {
    await off.shutdown();
  }
  const wall = (side: Side): Quantiles => medianQuantiles(runs.map((r) => r[side].step_wall_ms));
  const bare = (side: Side): Quantiles => medianQuantiles(runs.map((r) => r[side].bare_loop_ms));
  // Paired by round: load that comes and goes hits both sides of a round alike.
  const added = (of: (a: AgentStepsResult) => Quantiles): number => median(runs.map((r) => of(r.on).p50 - of(r.off).p50));
  return {
    step_wall_on_ms: wall('on'),
    step_wall_off_ms: wall('off'),
    bare_loop_on_ms: bare('on'),
    bare_loop_off_ms: bare('off'),
    added_p50_ms: added((a) => a.step_wall_ms),
    added_in_process_p50_ms: added((a) => a.bare_loop_ms),
    steps_per_s_on: median(runs.map((r) => r.on.steps_per_s)),
    steps_per_s_off: median(runs.map((r) => r.off.steps_per_s)),
    rounds: runs.map((r) => ({
      step_wall_p50_ms: { on: r.on.step_wall_ms.p50, off: r.off.step_wall_ms.p50 },
      bare_loop_p50_ms: { on: r.on.bare_loop_ms.p50, off: r.off.bare_loop_ms.p50 },
    })),
    off: POLICIES_OFF,
  };
}

export function policyRows(r: PolicyOverheadResult): Row[] {
  const section = 'policies on vs off';
  return [
    { section, metric: 'step_wall_ms, policies on', ...r.step_wall_on_ms, unit: 'ms' },
    { section, metric: 'step_wall_ms, policies off', ...r.step_wall_off_ms, unit: 'ms' },
    { section, metric: 'policies add (durable step)', value: r.added_p50_ms, unit: 'ms p50', target: `≤ ${POLICY_OVERHEAD_TARGET_MS}` },
    { section, metric: 'policies add (in-process)', value: r.added_in_process_p50_ms, unit: 'ms p50' },
    { section, metric: 'steps_per_s (50 runs), policies on', value: r.steps_per_s_on, unit: 'steps/s' },
    { section, metric: 'steps_per_s (50 runs), policies off', value: r.steps_per_s_off, unit: 'steps/s' },
  ];
}
