/**
 * Tool execution and compensation. Each call gets an idempotency key from the workflow
 * (workflow id, step and tool call id) and an exactly-once helper for its effects.
 */
import { Context } from '@temporalio/activity';
import type pg from 'pg';
import { compensationDecision, irreversibleDecision } from '../audit/decisions';
import type { AuditDecision } from '../audit/types';
import { policyMetrics, withSpan } from '../infra/telemetry';
import type { CompensationEntryOutcome } from '../shared/run-types';
import type { ToolOutcome } from '../shared/tool-plan';
import type { PolicyEvent } from '../shared/policy-events';
import { cachePolicyFor, isCacheableTool } from '../policies/cache';
import { guardToolResult } from '../policies/guardrails';
import { logPolicyEvents } from '../policies/log-events';
import { toolBreaker } from '../policies/router';
import { ToolError, ToolUnavailableError, type AnyTool, type ToolContext } from '../tools/define-tool';
import { readEffect, runOnce } from '../tools/effects';
import { isInfrastructureError } from '../infra/outage';
import type { ActivityDeps } from './index';
import { atActivityEdge } from './activity-edge';
import { recordDecisions } from './audit';

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
  /** See CompensationEntry.outcome: `unknown` is undone only with an effect row; `too_large` reads its result from it. */
  outcome?: CompensationEntryOutcome;
}

/** What `compensateTool` did: undid the call, or found it never acted (no effect row). */
export type CompensationResult = 'compensated' | 'not_executed';

/** Results larger than this (as JSON text) go back to the workflow cut, well under Temporal's 2 MB payload limit. */
export const MAX_RETURNED_RESULT_CHARS = 64_000;

function toolContext(db: pg.Pool, input: RunToolInput, kind: 'execute' | 'compensate'): ToolContext {
  const ctx = Context.current();
  const workflowId = ctx.info.workflowExecution?.workflowId;
  if (!workflowId) throw new ToolUnavailableError('tools run only inside an agent run');
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
    if (!tool) throw new ToolUnavailableError(`agent "${agent}" has no tool "${name}"`);
    return tool;
  };

  /** The tool itself, behind its circuit breaker; only unexplained failures count against the tool. */
  async function execute(tool: AnyTool, input: RunToolInput): Promise<unknown> {
    return policies.router.breakers.run(
      toolBreaker(input.tool),
      async () => (await tool.execute(input.args, toolContext(db, input, 'execute'))) ?? null,
      // An outage is not the tool's fault: it does not count towards opening its breaker.
      (err) => !(err instanceof ToolError) && !isInfrastructureError(err),
    );
  }

  return {
    async runTool(input: RunToolInput): Promise<ToolOutcome> {
      return atActivityEdge(() => toolStep(input));
    },

    /**
     * Undoes one call. A call whose outcome is unknown (the activity failed, or the run
     * was cancelled meanwhile) is undone only if its effect row says it acted, with the
     * result recorded there; a call whose result was too large to carry gets it from there too.
     */
    async compensateTool(input: CompensateToolInput): Promise<CompensationResult> {
      return atActivityEdge(async () => {
        const tool = lookup(input.agent, input.tool);
        if (!tool.compensate) throw new ToolUnavailableError(`tool "${input.tool}" has no compensation`);
        const compensate = tool.compensate.bind(tool);
        let result = input.result;
        if (input.outcome) {
          const row = await readEffect(db, input.idempotencyKey);
          if (row) result = row.result;
          else if (input.outcome === 'unknown') return 'not_executed';
        }
        const attrs = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': input.tool, 'gen_ai.tool.call.id': input.callId, 'durable_agents.compensation': true };
        try {
          await withSpan(`execute_tool ${input.tool}`, attrs, () => compensate(input.args, result, toolContext(db, input, 'compensate')));
        } catch (err) {
          // Recorded once, by the attempt after which the saga gives up on this step.
          if (isFinalAttempt(err)) await recordDecisions(db, input.tenantId, [compensationDecision(input.tool, input.callId, input.idempotencyKey, failureType(err))]);
          throw err;
        }
        await recordDecisions(db, input.tenantId, [compensationDecision(input.tool, input.callId, input.idempotencyKey)]);
        return 'compensated' as const;
      });
    },
  };

  async function toolStep(input: RunToolInput): Promise<ToolOutcome> {
    const tool = lookup(input.agent, input.tool);
    const who = { agent: input.agent, tenantId: input.tenantId };
    const guardrails = policies.guardrails.for(input.agent, input.tenantId);
    const cacheConfig = policies.cacheConfig;
    const cacheable = cacheConfig.tools.enabled && isCacheableTool(tool) && cachePolicyFor(cacheConfig, who).enabled;
    const key = cacheable ? policies.toolResults.toolKey(input.tenantId, input.agent, input.tool, input.args) : undefined;
    const attrs = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': input.tool, 'gen_ai.tool.call.id': input.callId };
    return withSpan(`execute_tool ${input.tool}`, attrs, async (span) => {
      const events: PolicyEvent[] = [];
      const decisions: AuditDecision[] = [];
      const done = async (outcome: ToolOutcome): Promise<ToolOutcome> => {
        logPolicyEvents(log.child({ ...Context.current().info.workflowExecution }), events);
        await recordDecisions(db, input.tenantId, decisions);
        return events.length ? { ...outcome, events } : outcome;
      };
      // An unreachable cache is a miss: the tool itself decides whether the step can go on.
      const hit = key ? await policies.toolResults.get(input.tenantId, key).catch((err: Error) => void log.warn('tool result cache lookup failed', { error: err.message })) : undefined;
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
          // retried by Temporal and, if it persists, fails the run. Its message comes from
          // outside (an upstream API, a database) like any output: guarded the same way.
          if (err instanceof ToolError) {
            const g = guardToolResult(err.message, guardrails, who);
            if (g.event) events.push(g.event);
            if (g.decision) decisions.push(withCall(g.decision, input));
            return done({ ok: false, error: g.action === 'block' ? `the tool failed; its error message was withheld by guardrails (${g.summary})` : g.text });
          }
          throw err; // an outage is named at the activity's edge
        }
        // The effect happened and cannot be undone: the trail says so (not for a result served from the cache, which ran nothing).
        if (tool.effect === 'irreversible') decisions.push(irreversibleDecision(input.agent, input.tool, input.callId, input.idempotencyKey));
        if (key) await policies.toolResults.set(input.tenantId, key, result, { ttlSeconds: cacheConfig.tools.ttlSeconds }).catch((err: Error) => log.warn('tool result cache store failed', { error: err.message }));
      }
      span.setAttribute('durable_agents.cache', hit ? hit.level : key ? 'miss' : 'bypass');

      // Tool output is untrusted input to the next model call: check it before it gets there.
      const text = typeof result === 'string' ? result : JSON.stringify(result) ?? 'null';
      const guarded = guardToolResult(text, guardrails, who);
      if (guarded.event) events.push(guarded.event);
      if (guarded.decision) decisions.push(withCall(guarded.decision, input));
      // A result too large for the activity's payload goes back cut; the effect row keeps the whole of it.
      const cut = text.length > MAX_RETURNED_RESULT_CHARS ? { result: `${text.slice(0, MAX_RETURNED_RESULT_CHARS)}…[truncated: ${text.length} characters]`, truncated: true as const } : { result };
      return done({
        ok: true,
        ...cut,
        ...(guarded.action === 'block' ? { withheld: guarded.summary } : guarded.action === 'redact' ? { redacted: guarded.text } : {}),
        ...(hit ? { cached: hit.level } : {}),
      });
    });
  }
}

/** A guardrail decision on a tool's output, with the call it was about. */
function withCall(d: AuditDecision, input: RunToolInput): AuditDecision {
  return { ...d, detail: { ...d.detail, tool: input.tool, callId: input.callId }, data: { ...(d.data as object), tool: input.tool, callId: input.callId } };
}

/** The failure is final: not retryable, or this was the last attempt the retry policy allows. */
function isFinalAttempt(err: unknown): boolean {
  const { attempt, retryPolicy } = Context.current().info;
  if (isInfrastructureError(err)) return false; // the workflow waits out an outage and starts the step again
  const nonRetryable = (err as { nonRetryable?: boolean; retryable?: boolean }).nonRetryable === true || (err as { retryable?: boolean }).retryable === false;
  return nonRetryable || (retryPolicy?.maximumAttempts !== undefined && retryPolicy.maximumAttempts > 0 && attempt >= retryPolicy.maximumAttempts);
}

function failureType(err: unknown): string {
  const e = err as { type?: unknown; name?: unknown };
  return typeof e.type === 'string' ? e.type : typeof e.name === 'string' ? e.name : 'Error';
}
