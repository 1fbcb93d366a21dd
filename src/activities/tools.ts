/**
 * Tool execution and compensation. Each call gets an idempotency key from the workflow
 * (workflow id, step and tool call id) and an exactly-once helper for its effects.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { policyMetrics, withSpan } from '../infra/telemetry';
import { FailureType } from '../shared/failures';
import type { ToolOutcome } from '../shared/tool-plan';
import type { PolicyEvent } from '../shared/policy-events';
import { cachePolicyFor, isCacheableTool } from '../policies/cache';
import { CircuitOpenError, toolBreaker } from '../policies/router';
import { ToolError, type AnyTool, type ToolContext } from '../tools/define-tool';
import { runOnce } from '../tools/effects';
import type { ActivityDeps } from './index';
import { guardToolResult, logPolicyEvents } from './model-policies';

export interface RunToolInput {
  agent: string;
  tool: string;
  callId: string;
  args: unknown;
  tenantId: string;
  idempotencyKey: string;
}

export interface CompensateToolInput extends RunToolInput {
  result: unknown;
}

function toolContext(db: pg.Pool, input: RunToolInput, kind: 'execute' | 'compensate'): ToolContext {
  const ctx = Context.current();
  const workflowId = ctx.info.workflowExecution?.workflowId;
  if (!workflowId) throw ApplicationFailure.nonRetryable('tools run only inside an agent run', FailureType.ToolFailed);
  const key = kind === 'execute' ? input.idempotencyKey : `${input.idempotencyKey}:compensate`;
  return {
    idempotencyKey: key,
    workflowId,
    toolCallId: input.callId,
    tenantId: input.tenantId,
    db,
    signal: ctx.cancellationSignal,
    heartbeat: (d) => ctx.heartbeat(d),
    once: (effect) => runOnce(db, { key, tool: input.tool, kind, tenantId: input.tenantId, workflowId, args: input.args }, effect),
  };
}

export function createToolActivities({ db, agents, policies, log }: Pick<ActivityDeps, 'db' | 'agents' | 'policies' | 'log'>) {
  const lookup = (agent: string, name: string): AnyTool => {
    const tool = agents.tools(agent)?.get(name);
    if (!tool) throw ApplicationFailure.nonRetryable(`agent "${agent}" has no tool "${name}"`, FailureType.ToolFailed);
    return tool;
  };

  /** The tool itself, behind its circuit breaker; only unexplained failures count against the tool. */
  async function execute(tool: AnyTool, input: RunToolInput): Promise<unknown> {
    try {
      return await policies.router.breakers.run(
        toolBreaker(input.tool),
        async () => (await tool.execute(input.args, toolContext(db, input, 'execute'))) ?? null,
        (err) => !(err instanceof ToolError),
      );
    } catch (err) {
      if (err instanceof CircuitOpenError) {
        throw ApplicationFailure.create({ type: FailureType.CircuitOpen, message: err.message, nextRetryDelay: Math.max(1000, err.retryAfterMs ?? 1000) });
      }
      throw err;
    }
  }

  return {
    async runTool(input: RunToolInput): Promise<ToolOutcome> {
      const tool = lookup(input.agent, input.tool);
      const who = { agent: input.agent, tenantId: input.tenantId };
      const cacheConfig = policies.cacheConfig;
      const cacheable = cacheConfig.tools.enabled && isCacheableTool(tool) && cachePolicyFor(cacheConfig, who).enabled;
      const key = cacheable ? policies.toolResults.toolKey(input.tenantId, input.tool, input.args) : undefined;
      const attrs = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': input.tool, 'gen_ai.tool.call.id': input.callId };
      return withSpan(`execute_tool ${input.tool}`, attrs, async (span) => {
        const events: PolicyEvent[] = [];
        const hit = key ? await policies.toolResults.get(input.tenantId, key) : undefined;
        if (key) policyMetrics.cacheLookups.add(1, { cache: 'tool', outcome: hit?.level ?? 'miss' });
        let result: unknown;
        if (hit) {
          result = hit.value;
          events.push({ kind: 'cache_hit', detail: `${input.tool} result served from ${hit.level}` });
        } else {
          try {
            result = await execute(tool, input);
          } catch (err) {
            // An expected, explained failure is for the model to handle; anything else is
            // retried by Temporal and, if it persists, fails the run.
            if (err instanceof ToolError) return { ok: false, error: err.message };
            throw err;
          }
          if (key) await policies.toolResults.set(input.tenantId, key, result, { ttlSeconds: cacheConfig.tools.ttlSeconds });
        }
        span.setAttribute('durable_agents.cache', hit ? hit.level : key ? 'miss' : 'bypass');

        // Tool output is untrusted input to the next model call: check it before it gets there.
        const text = typeof result === 'string' ? result : JSON.stringify(result);
        const guarded = guardToolResult(text, policies.guardrails.for(input.agent, input.tenantId), who);
        if (guarded.event) events.push(guarded.event);
        logPolicyEvents(log, Context.current().info.workflowExecution ?? {}, events);
        if (guarded.action === 'block') return { ok: false, error: `tool output withheld by guardrails (${guarded.summary})`, events };
        return {
          ok: true,
          result,
          ...(guarded.action === 'redact' ? { redacted: guarded.text } : {}),
          ...(hit ? { cached: hit.level } : {}),
          ...(events.length ? { events } : {}),
        };
      });
    },

    async compensateTool(input: CompensateToolInput): Promise<void> {
      const tool = lookup(input.agent, input.tool);
      if (!tool.compensate) throw ApplicationFailure.nonRetryable(`tool "${input.tool}" has no compensation`, FailureType.ToolFailed);
      const attrs = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': input.tool, 'gen_ai.tool.call.id': input.callId, 'durable_agents.compensation': true };
      await withSpan(`execute_tool ${input.tool}`, attrs, () => tool.compensate!(input.args, input.result, toolContext(db, input, 'compensate')));
    },
  };
}
