/**
 * Agent steps on two workers that differ in one setting, in alternating rounds so that
 * other load on the machine falls on both alike; what the setting adds is the median over
 * rounds of the paired difference. Used for policies on vs off and encryption on vs off.
 *
 * Compared is the durable step's wall time, not agent-steps' step_overhead: that one
 * subtracts the in-process loop, which may run the same code and cancel it out.
 */
import { agentSteps, type AgentStepsOptions, type AgentStepsResult } from './agent-steps';
import type { BenchEnv } from './env';
import { median, medianQuantiles, type Quantiles } from './stats';

export interface PairedStepsOptions {
  /** On/off pairs; each runs agent-steps once per worker, in the order on-off, off-on, on-off, … */
  rounds: number;
  steps: AgentStepsOptions;
}

type Side = 'on' | 'off';

export interface PairedStepsResult {
  /** Durable step wall time (server-stamped), median over rounds. */
  step_wall_on_ms: Quantiles;
  step_wall_off_ms: Quantiles;
  /** The same step in-process (no Temporal). */
  bare_loop_on_ms: Quantiles;
  bare_loop_off_ms: Quantiles;
  /** What "on" adds to a durable step: median over rounds of (on − off) step wall p50. */
  added_p50_ms: number;
  /** The same for the in-process step. */
  added_in_process_p50_ms: number;
  steps_per_s_on: number;
  steps_per_s_off: number;
  /** Per round, for the record: the spread says how far to trust added_p50_ms on a busy machine. */
  rounds: Array<{ step_wall_p50_ms: Record<Side, number>; bare_loop_p50_ms: Record<Side, number> }>;
}

export async function pairedSteps(envs: Record<Side, BenchEnv>, o: PairedStepsOptions): Promise<PairedStepsResult> {
  const runs: Array<Record<Side, AgentStepsResult>> = [];
  for (let r = 0; r < o.rounds; r++) {
    // Alternating which goes first, so neither side always runs in the other's wake.
    const order: Side[] = r % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    const round: Partial<Record<Side, AgentStepsResult>> = {};
    for (const side of order) round[side] = await agentSteps(envs[side], o.steps);
    runs.push(round as Record<Side, AgentStepsResult>);
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
  };
}
