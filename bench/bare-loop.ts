/**
 * The agent loop without Temporal: the same activity functions the worker runs
 * (callModel with the scripted model and the worker's policies, runTool with the no-op
 * tool), called in-process in the order agentRun calls them. What this costs per step is
 * the floor; whatever a durable step costs on top is orchestration overhead.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Activities } from '../src/activities';
import type { ChatMessage, ToolMessage } from '../src/shared/messages';
import { BENCH_AGENT } from './bench-agent';

/** The tenant every bench run uses, here and in the durable runs. */
export const TENANT = 'bench';

/**
 * Runs activities in an activity context whose ids change per call, as under a worker:
 * anything keyed by (workflow, activity, attempt), such as a budget reservation, must
 * see a new call each time or the loop would measure idempotent no-ops.
 */
function activityRunner() {
  const workflowExecution = { workflowId: `bare-${randomUUID()}`, runId: randomUUID() };
  let seq = 0;
  return <A extends unknown[], R>(kind: { type: string; local: boolean }, fn: (...args: A) => Promise<R>, ...args: A): Promise<R> => {
    seq += 1;
    const env = new MockActivityEnvironment({ activityType: kind.type, activityId: String(seq), isLocal: kind.local, workflowExecution });
    return env.run(fn, ...args) as Promise<R>;
  };
}

/** Per-step wall time (ms) of `steps` in-process steps, each "model call, then its tool calls". */
export async function bareLoop(activities: Activities, steps: number, agent = BENCH_AGENT): Promise<number[]> {
  const run = activityRunner();
  const spec = await run({ type: 'resolveAgent', local: true }, activities.resolveAgent, agent);
  const messages: ChatMessage[] = [
    { role: 'system', content: spec.instructions },
    // Unique per loop, as in the durable runs, so the response cache never answers.
    { role: 'user', content: `bench ${randomUUID()}` },
  ];
  const durations: number[] = [];
  for (let step = 1; step <= steps; step++) {
    const started = performance.now();
    const res = await run({ type: 'callModel', local: false }, activities.callModel, { agent: spec.name, model: spec.model, messages, temperature: spec.temperature, step, tenantId: TENANT });
    messages.push(res.message);
    const replies = await Promise.all(
      res.plans.map(async (plan): Promise<ToolMessage> => {
        if (plan.status !== 'ready') throw new Error(`bench tool call was not planned: ${plan.status}`);
        const local = spec.tools.find((t) => t.name === plan.tool)?.local ?? false;
        const outcome = await run({ type: 'runTool', local }, activities.runTool, {
          agent: spec.name,
          tool: plan.tool,
          callId: plan.callId,
          args: plan.args,
          tenantId: TENANT,
          idempotencyKey: `bare/${step}/${plan.callId}`,
        });
        if (!outcome.ok) throw new Error(`bench tool failed: ${outcome.error}`);
        return { role: 'tool', toolCallId: plan.callId, name: plan.tool, content: String(outcome.result) };
      }),
    );
    messages.push(...replies);
    durations.push(performance.now() - started);
  }
  return durations;
}
