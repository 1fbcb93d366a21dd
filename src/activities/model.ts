/**
 * One model step, in this order: guardrails on the input, the response cache, the route
 * (the agent's model and fallbacks, or a routed tier), a budget reservation, the provider
 * chain, the budget commit, the response stored in the cache, guardrails on the output,
 * and the tool calls renamed to the run's own ids and checked against schemas and access
 * rules. Every policy decision is returned, so it lands in the run's history.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { policyMetrics, withSpan } from '../infra/telemetry';
import { costOf } from '../models/pricing';
import { parseModelRef, type ModelRequest, type ModelResponse } from '../models/types';
import { BudgetExceededError, estimateChainCost, type BudgetCall, type Reservation } from '../policies/budget';
import { cachePolicyFor } from '../policies/cache';
import { checkToolCall } from '../policies/guardrails';
import type { RoutePlan } from '../policies/router';
import { DEFAULT_MAX_OUTPUT_TOKENS, pinnedOf, type PinnedAgent } from '../shared/agent-spec';
import { callIdFor } from '../shared/call-ids';
import { FailureType } from '../shared/failures';
import { ZERO_USAGE, type AssistantMessage, type ChatMessage, type FinishReason, type Usage } from '../shared/messages';
import type { CacheOutcome, PolicyEvent } from '../shared/policy-events';
import type { FlowBudget } from '../shared/run-types';
import type { ToolCallPlan } from '../shared/tool-plan';
import { planToolCalls } from '../tools/plan';
import type { ActivityDeps } from './index';
import { atActivityEdge } from './activity-edge';
import { alertEvents, commitAnswered, guardInput, guardOutput, logPolicyEvents, toPolicyFailure } from './model-policies';

export interface CallModelInput {
  agent: string;
  model: string;
  messages: ChatMessage[];
  temperature: number;
  step: number;
  tenantId: string;
  /** The caller's role within the tenant, for tool allowlists. */
  role?: string;
  /** The agent's own cap per run; tightens the configured cap. */
  runCapUsd?: number;
  /** A cap a person set for this run (the `raiseBudget` update); replaces the configured cap. */
  runCapRaisedUsd?: number;
  /** The budget of the flow this run is part of, shared with its other runs. */
  flowBudget?: FlowBudget;
  /** Output bound sent to the provider and held by the budget reservation (default 4,096). */
  maxTokens?: number;
  /**
   * This model call's key in the budget ledger, unique over the workflow's whole life
   * (`<run id>/<n>`, the run's n-th model call: activity ids start again after continue-as-new). Absent in calls
   * scheduled by older workflow code: then the run id and activity id.
   */
  callKey?: string;
  /** 0 for the first try of the call; the workflow starts it again after an outage with 1, 2, … */
  callTry?: number;
  /** How many handoffs deep this run is (0 or absent for a run started by a client); part of its tool-call ids. */
  handoffDepth?: number;
  /** The agent as the run started with it (absent in calls scheduled by older workflow code: the worker's current agent). */
  pinned?: PinnedAgent;
}

/** A provider answer whose cost could not be committed in the activity: the workflow commits it durably (`chargeModelCall`). */
export interface PendingCharge {
  call: BudgetCall;
  usd: number;
  tokens: number;
}

export interface CallModelResult {
  message: AssistantMessage;
  usage: Usage;
  costUsd: number;
  model: string;
  finishReason: FinishReason;
  plans: ToolCallPlan[];
  // The three below are optional because results recorded before policies existed lack them
  // and a replaying workflow reads those from history.
  cache?: CacheOutcome;
  events?: PolicyEvent[];
  /** User messages the input guardrails redacted; the workflow keeps these versions. */
  redactions?: Array<{ index: number; content: string }>;
  /** Set when the final answer did not match the agent's output schema: what was wrong. */
  invalidOutput?: string;
  /** Set when Postgres was unreachable at commit time: the charge the workflow must still make. */
  pendingCharge?: PendingCharge;
}

/** Attempts of one call share a ledger key; a try after an outage counts on from here, so it supersedes the earlier tries' holds. */
const ATTEMPTS_PER_TRY = 1000;

export function createModelActivities({ agents, policies, log }: Pick<ActivityDeps, 'agents' | 'policies' | 'log'>) {
  return {
    async callModel(input: CallModelInput): Promise<CallModelResult> {
      return atActivityEdge(() => modelStep(input));
    },

    /** Commits a charge `callModel` could not (Postgres was down); idempotent per attempt, so a repeat charges nothing. */
    async chargeModelCall(pending: PendingCharge): Promise<PolicyEvent[]> {
      return atActivityEdge(async () => alertEvents((await policies.budget.commit(pending.call, { usd: pending.usd, tokens: pending.tokens })).alerts));
    },
  };

  async function modelStep(input: CallModelInput): Promise<CallModelResult> {
    const current = agents.spec(input.agent);
    const registry = agents.tools(input.agent);
    if (!current || !registry) throw ApplicationFailure.nonRetryable(`unknown agent "${input.agent}"`, FailureType.UnknownAgent);
    // The run's own version of the agent; calls scheduled by older workflow code carry none.
    const spec = input.pinned ?? pinnedOf(current);
    const pinnedNames = new Set(spec.tools.map((t) => t.name));
    const gone = [...pinnedNames].filter((name) => !registry.get(name));
    if (gone.length) {
      throw ApplicationFailure.nonRetryable(
        `agent "${input.agent}" on this worker no longer has the tool${gone.length > 1 ? 's' : ''} ${gone.join(', ')} this run started with: run it on a worker that has them, or cancel it`,
        FailureType.AgentChanged,
      );
    }
    // Only the pinned tools can run, even if the model names one the agent has gained since.
    const tools = { get: (name: string) => (pinnedNames.has(name) ? registry.get(name) : undefined) };
    const info = Context.current().info;
    const run = info.workflowExecution!;
    const who = { agent: input.agent, tenantId: input.tenantId, ...(input.role ? { role: input.role } : {}) };
    const guardrails = policies.guardrails.for(input.agent, input.tenantId);
    const { provider: providerName, model } = parseModelRef(input.model);
    const maxTokens = input.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
    const attrs = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': providerName, 'gen_ai.request.model': model, 'gen_ai.request.temperature': input.temperature, 'gen_ai.request.max_tokens': maxTokens, 'gen_ai.agent.name': input.agent };

    return withSpan(`chat ${model}`, attrs, async (span) => {
      // 1. Input guardrails: nothing blocked ever reaches a provider.
      const guarded = guardInput(input.messages, guardrails, who);
      const events: PolicyEvent[] = [...guarded.events];
      const request = { model, messages: guarded.sent, tools: spec.tools, temperature: input.temperature, maxTokens };

      // 2. Cache: deterministic requests only, scoped by tenant; a hit costs nothing. An
      //    unreachable cache is a miss, not a failed step.
      const cachePolicy = cachePolicyFor(policies.cacheConfig, who);
      const key = cachePolicy.enabled ? policies.responses.key({ provider: providerName, ...request }, input.tenantId, cachePolicy) : undefined;
      const hit = key ? await policies.responses.get(input.tenantId, key).catch((err: Error) => void log.warn('response cache lookup failed', { error: err.message })) : undefined;
      if (key) policyMetrics.cacheLookups.add(1, { cache: 'model', outcome: hit?.level ?? 'miss' });
      let response: ModelResponse;
      let costUsd = 0;
      let pendingCharge: PendingCharge | undefined;
      if (hit) {
        response = hit.value;
        events.push({ kind: 'cache_hit', detail: `response served from ${hit.level}` });
      } else {
        const call: BudgetCall = {
          workflowId: run.workflowId,
          activityId: input.callKey ?? `${run.runId}/${info.activityId}`,
          attempt: (input.callTry ?? 0) * ATTEMPTS_PER_TRY + info.attempt,
          tenantId: input.tenantId,
          agent: input.agent,
          ...(input.runCapUsd !== undefined ? { runCapUsd: input.runCapUsd } : {}),
          ...(input.runCapRaisedUsd !== undefined ? { runCapRaisedUsd: input.runCapRaisedUsd } : {}),
          ...(input.flowBudget ? { flowBudget: input.flowBudget } : {}),
        };
        const plan = await routeOf(input, request, call, spec.fallbackModels, events);
        let held: Reservation;
        try {
          // 4. Budget: reserve the worst case of the chain (the input's upper bound plus
          //    maxTokens of output at the chain's dearest model), once per attempt.
          held = await policies.budget.reserve(call, estimateChainCost(plan.chain, request));
          if (held.duplicate && held.status !== 'reserved') {
            // This attempt's key was settled before: never call the provider on a key the ledger will not charge.
            throw new Error(`budget reservation ${call.activityId}#${call.attempt} is already ${held.status}`);
          }
          // 5. Call the chain in order, past open breakers, retry-afters and rate limits.
          const routed = await policies.router.complete(request, { tenantId: input.tenantId, agent: input.agent, plan, signal: Context.current().cancellationSignal });
          for (const a of routed.attempts) if (a.outcome !== 'ok') events.push({ kind: 'fallback', detail: `${a.modelRef} ${a.outcome}${a.reason ? ` (${a.reason})` : ''}${a.error ? `: ${a.error.message}` : ''}` });
          response = routed.response;
        } catch (err) {
          // The next attempt (or try) of this call supersedes the hold if this release fails too.
          await policies.budget.release(call).catch((e: Error) => log.warn('budget release failed; the next attempt supersedes the hold', { error: e.message }));
          if (err instanceof BudgetExceededError) logPolicyEvents(log, run, [{ kind: 'budget_exceeded', detail: err.message }]);
          throw toPolicyFailure(err);
        }
        // 6. Commit the actual cost. The provider has answered, so nothing here may throw:
        //    a commit Postgres cannot take now is handed to the workflow, which retries it
        //    durably; only a charged response is stored in the cache (a later attempt served
        //    from the cache must never skip an uncharged call).
        costUsd = costOf(response.model, response.usage).usd;
        if (held.heldUsd > 0 && costUsd > held.heldUsd + 1e-9) {
          // Only a provider that ignores the output bound (or a tokenizer the estimate does not cover) gets here: say so, the limits are at stake.
          events.push({ kind: 'budget_alert', detail: `the call cost $${costUsd.toFixed(6)}, more than the $${held.heldUsd.toFixed(6)} held for it` });
        }
        const spend = { usd: costUsd, tokens: response.usage.inputTokens + response.usage.outputTokens };
        try {
          const committed = await commitAnswered(() => policies.budget.commit(call, spend), log);
          events.push(...alertEvents(committed.alerts));
          if (key) await policies.responses.set(input.tenantId, key, response, { ttlSeconds: cachePolicy.ttlSeconds }).catch((err: Error) => log.warn('response cache store failed', { error: err.message }));
        } catch (err) {
          log.warn('budget commit failed; the workflow commits it later', { error: (err as Error).message, workflowId: run.workflowId });
          pendingCharge = { call, usd: spend.usd, tokens: spend.tokens };
        }
      }

      // 7. Output guardrails: leaks redacted, blocked text withheld.
      // A final answer (no tool calls) of an agent with an output schema must match it.
      const schema = response.message.toolCalls?.length ? undefined : agents.outputSchema(input.agent);
      const out = guardOutput(response.message.content, guardrails, { ...who, systemPrompt: spec.instructions, ...(schema ? { schema } : {}) });
      events.push(...out.events);
      // The project's ids replace the provider's (see shared/call-ids.ts).
      const toolCalls = response.message.toolCalls?.map((c, i) => ({ ...c, id: callIdFor(input.step, i, input.handoffDepth) }));
      const message: AssistantMessage = { ...response.message, content: out.content, ...(toolCalls ? { toolCalls } : {}) };
      logPolicyEvents(log, run, events);
      span.setAttributes({
        'gen_ai.response.model': response.model,
        'gen_ai.usage.input_tokens': response.usage.inputTokens,
        'gen_ai.usage.output_tokens': response.usage.outputTokens,
        'gen_ai.response.finish_reasons': [response.finishReason],
        'durable_agents.cache': hit ? hit.level : key ? 'miss' : 'bypass',
      });
      // 8. Tool calls: schema, approval rules, and who may run what.
      const access = (tool: string, args: unknown) => checkToolCall({ tool, args }, guardrails.tools, who);
      return {
        message,
        // A cache hit consumed no tokens.
        usage: hit ? ZERO_USAGE : response.usage,
        costUsd,
        model: response.model,
        finishReason: response.finishReason,
        plans: planToolCalls(toolCalls ?? [], tools, spec.tools.map((t) => t.name), access),
        cache: hit ? hit.level : key ? 'miss' : 'bypass',
        events,
        redactions: guarded.redactions,
        ...(out.invalid ? { invalidOutput: out.invalid } : {}),
        ...(pendingCharge ? { pendingCharge } : {}),
      };
    });
  }

  /**
   * 3. Route: an agent with a routing profile gets a tier chosen from the request's
   *    complexity and its remaining budget; any other agent its model and fallbacks.
   */
  async function routeOf(input: CallModelInput, request: ModelRequest, call: BudgetCall, fallbackModels: string[], events: PolicyEvent[]): Promise<RoutePlan> {
    if (!policies.router.routes(input.agent)) return { tier: 'pinned', score: 0, reason: 'pinned', chain: [input.model, ...fallbackModels] };
    const remaining = await policies.budget.remaining(call);
    const plan = policies.router.plan(request, { tenantId: input.tenantId, agent: input.agent, ...(remaining.usd !== undefined ? { remainingBudgetUsd: remaining.usd } : {}) });
    events.push({ kind: 'route', detail: `tier ${plan.tier} (${plan.reason}, score ${plan.score.toFixed(2)}): ${plan.chain.join(' → ')}` });
    return plan;
  }
}
