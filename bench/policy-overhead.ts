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
import { startBenchEnv, type BenchEnv, type BenchEnvOptions } from './env';
import { pairedSteps, type PairedStepsOptions, type PairedStepsResult } from './paired-steps';
import type { Row } from './report';

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

export type PolicyOverheadOptions = PairedStepsOptions;

/** Target from the issue: the policies may add at most this much to a step (p50). */
export const POLICY_OVERHEAD_TARGET_MS = 3;

export interface PolicyOverheadResult extends PairedStepsResult {
  off: typeof POLICIES_OFF;
}

/** `on` is a running environment with the default policies; the "off" one is started alike and stopped here. */
export async function policyOverhead(on: BenchEnv, onOptions: BenchEnvOptions, o: PolicyOverheadOptions): Promise<PolicyOverheadResult> {
  const off = await startBenchEnv({ ...onOptions, policies: { name: 'policies off (bench/policy-overhead.ts POLICIES_OFF)', file: POLICIES_OFF } });
  try {
    return { ...(await pairedSteps({ on, off }, o)), off: POLICIES_OFF };
  } finally {
    await off.shutdown();
  }
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
