/**
 * One model step: guardrails on the input, the response cache, a budget reservation,
 * the router (the agent's model, then its fallbacks), guardrails on the output, the
 * budget commit, and the tool calls checked against schemas and access rules. Every
 * policy decision is returned, so it lands in the run's history.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { policyMetrics, withSpan } from '../infra/telemetry';
import { costOf } from '../models/pricing';
import { parseModelRef } from '../models/types';
import { BudgetExceededError, estimateChainCost } from '../policies/budget';
import { cachePolicyFor } from '../policies/cache';
import { checkToolCall } from '../policies/guardrails';
import type { RoutePlan } from '../policies/router';
import { FailureType } from '../shared/failures';
import { ZERO_USAGE, type AssistantMessage, type ChatMessage, type FinishReason, type Usage } from '../shared/messages';
import type { CacheOutcome, PolicyEvent } from '../shared/policy-events';
import type { FlowBudget } from '../shared/run-types';
import type { ToolCallPlan } from '../shared/tool-plan';
import { planToolCalls } from '../tools/plan';
import type { ActivityDeps } from './index';
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
}

export function createModelActivities({ agents, policies, log }: Pick<ActivityDeps, 'agents' | 'policies' | 'log'>) {
  return {
    async callModel(input: CallModelInput): Promise<CallModelResult> {
      const spec = agents.spec(input.agent);
      const tools = agents.tools(input.agent);
      if (!spec || !tools) throw ApplicationFailure.nonRetryable(`unknown agent "${input.agent}"`, FailureType.UnknownAgent);
      const info = Context.current().info;
      const who = { agent: input.agent, tenantId: input.tenantId, ...(input.role ? { role: input.role } : {}) };
      const guardrails = policies.guardrails.for(input.agent, input.tenantId);
      const { provider: providerName, model } = parseModelRef(input.model);
      const attrs = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': providerName, 'gen_ai.request.model': model, 'gen_ai.request.temperature': input.temperature, 'gen_ai.agent.name': input.agent };

      return withSpan(`chat ${model}`, attrs, async (span) => {
        // 1. Input guardrails: nothing blocked ever reaches a provider.
        const guarded = guardInput(input.messages, guardrails, who);
        const events: PolicyEvent[] = [...guarded.events];
        const toolSchemas = spec.tools.map(({ name, description, parameters }) => ({ name, description, parameters }));
        const request = { model, messages: guarded.sent, tools: toolSchemas, temperature: input.temperature };

        // 2. Cache: deterministic requests only, scoped by tenant; a hit costs nothing.
        const cachePolicy = cachePolicyFor(policies.cacheConfig, who);
        const key = cachePolicy.enabled ? policies.responses.key({ provider: providerName, ...request }, input.tenantId, cachePolicy) : undefined;
        const hit = key ? await policies.responses.get(input.tenantId, key) : undefined;
        if (key) policyMetrics.cacheLookups.add(1, { cache: 'model', outcome: hit?.level ?? 'miss' });
        let response = hit?.value;
        let costUsd = 0;
        if (hit) {
          events.push({ kind: 'cache_hit', detail: `response served from ${hit.level}` });
        } else {
          const call = { workflowId: info.workflowExecution!.workflowId, activityId: info.activityId, attempt: info.attempt, tenantId: input.tenantId, agent: input.agent, ...(input.runCapUsd !== undefined ? { runCapUsd: input.runCapUsd } : {}), ...(input.runCapRaisedUsd !== undefined ? { runCapRaisedUsd: input.runCapRaisedUsd } : {}), ...(input.flowBudget ? { flowBudget: input.flowBudget } : {}) };
          // 3. Route: an agent with a routing profile gets a tier chosen from the request's
          //    complexity and its remaining budget; any other agent its model and fallbacks.
          let plan: RoutePlan;
          if (policies.router.routes(input.agent)) {
            const remaining = await policies.budget.remaining(call);
            plan = policies.router.plan(request, { tenantId: input.tenantId, agent: input.agent, ...(remaining.usd !== undefined ? { remainingBudgetUsd: remaining.usd } : {}) });
            events.push({ kind: 'route', detail: `tier ${plan.tier} (${plan.reason}, score ${plan.score.toFixed(2)}): ${plan.chain.join(' → ')}` });
          } else {
            plan = { tier: 'pinned', score: 0, reason: 'pinned', chain: [input.model, ...spec.fallbackModels] };
          }
          const chain = plan.chain;
          try {
            // 4. Budget: reserve the worst case of the chain, idempotent per attempt.
            await policies.budget.reserve(call, estimateChainCost(chain, request));
            // 5. Call the chain in order, past open breakers, retry-afters and rate limits.
            const routed = await policies.router.complete(request, { tenantId: input.tenantId, agent: input.agent, plan, signal: Context.current().cancellationSignal });
            for (const a of routed.attempts) if (a.outcome !== 'ok') events.push({ kind: 'fallback', detail: `${a.modelRef} ${a.outcome}${a.reason ? ` (${a.reason})` : ''}${a.error ? `: ${a.error.message}` : ''}` });
            response = routed.response;
            costUsd = costOf(response.model, response.usage).usd;
            // 6. Commit the actual cost (a retried attempt is charged once) and store the
            //    response, side by side: they touch different tables and neither needs the other.
            const spend = { usd: costUsd, tokens: response.usage.inputTokens + response.usage.outputTokens };
            const [committed] = await Promise.all([
              commitAnswered(() => policies.budget.commit(call, spend), log),
              key ? policies.responses.set(input.tenantId, key, response, { ttlSeconds: cachePolicy.ttlSeconds }) : undefined,
            ]);
            events.push(...alertEvents(committed.alerts));
          } catch (err) {
            await policies.budget.release(call).catch(() => undefined);
            if (err instanceof BudgetExceededError) logPolicyEvents(log, info.workflowExecution ?? {}, [{ kind: 'budget_exceeded', detail: err.message }]);
            throw toPolicyFailure(err);
          }
        }

        // 7. Output guardrails: leaks redacted, blocked text withheld.
        // A final answer (no tool calls) of an agent with an output schema must match it.
        const schema = response!.message.toolCalls?.length ? undefined : agents.outputSchema(input.agent);
        const out = guardOutput(response!.message.content, guardrails, { ...who, systemPrompt: spec.instructions, ...(schema ? { schema } : {}) });
        events.push(...out.events);
        const message: AssistantMessage = { ...response!.message, content: out.content };
        logPolicyEvents(log, info.workflowExecution ?? {}, events);
        span.setAttributes({
          'gen_ai.response.model': response!.model,
          'gen_ai.usage.input_tokens': response!.usage.inputTokens,
          'gen_ai.usage.output_tokens': response!.usage.outputTokens,
          'gen_ai.response.finish_reasons': [response!.finishReason],
          'durable_agents.cache': hit ? hit.level : key ? 'miss' : 'bypass',
        });
        // 8. Tool calls: schema, approval rules, and who may run what.
        const access = (tool: string, args: unknown) => checkToolCall({ tool, args }, guardrails.tools, who);
        return {
          message,
          // A cache hit consumed no tokens.
          usage: hit ? ZERO_USAGE : response!.usage,
          costUsd,
          model: response!.model,
          finishReason: response!.finishReason,
          plans: planToolCalls(message.toolCalls ?? [], tools, spec.tools.map((t) => t.name), access),
          cache: hit ? hit.level : key ? 'miss' : 'bypass',
          events,
          redactions: guarded.redactions,
          ...(out.invalid ? { invalidOutput: out.invalid } : {}),
        };
      });
    },
  };
}
