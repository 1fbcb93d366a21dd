/**
 * One model step, as the policies run it, in this order:
 *
 *  1. input guardrails: nothing blocked ever reaches a provider;
 *  2. cache lookup: deterministic requests only, scoped by tenant; a hit costs nothing;
 *  3. route: the agent's model and fallbacks, or a tier routed by complexity and budget;
 *  4. budget reserve: the chain's worst case, once per attempt;
 *  5. provider chain: in order, past open breakers, retry-afters and rate limits;
 *  6. commit: the actual cost; once the provider has answered nothing may throw;
 *  7. cache store: only a charged response;
 *  8. output guardrails: leaks redacted, blocked text withheld, the output schema checked;
 *  9. tool-call ids: the run's own replace the provider's;
 * 10. tool plans: schema, approval rules, and who may run what.
 *
 * Steps 3–7 run on a cache miss only (providers.ts). Every decision is returned as a
 * policy event, so it lands in the run's history. Plain code: the `callModel` activity
 * adds Temporal's context, the span and the failure mapping.
 */
import type { AuditDecision } from '../../audit/types';
import { policyMetrics } from '../../infra/telemetry';
import { parseModelRef, type ModelResponse } from '../../models/types';
import { callIdFor } from '../../shared/call-ids';
import { ZERO_USAGE, type ToolCall } from '../../shared/messages';
import type { ToolCallPlan } from '../../shared/tool-plan';
import { planToolCalls } from '../../tools/plan';
import { cachePolicyFor } from '../cache';
import { checkToolCall, guardInput, guardOutput, type GuardrailConfig } from '../guardrails';
import { logPolicyEvents } from '../log-events';
import { askProviders } from './providers';
import type { Answer, CacheSlot, ModelCall, ModelStepPolicies, ModelStepResult } from './types';

/**
 * The step's result; the response it came from (for the caller's span: a cache hit's
 * tokens too); and the decisions the audit trail records, in the order they were made
 * (kept out of the result: the run's history has its events already).
 */
export interface ModelStep {
  result: ModelStepResult;
  response: ModelResponse;
  decisions: AuditDecision[];
}

/** Runs the model step for `call`; policy errors (a guardrail block, a budget stop, no model available) are thrown as they are. */
export async function runModelStep(call: ModelCall, policies: ModelStepPolicies): Promise<ModelStep> {
  const guardrails = policies.guardrails.for(call.agent, call.tenantId);
  const input = guardInput(call.request.messages, guardrails, call);
  const request = { ...call.request, messages: input.sent };
  const slot = cacheSlotOf(call, request, policies);
  const answer = (await lookUp(call, slot, policies)) ?? (await askProviders(call, request, slot, policies));
  const output = guardAnswer(call, answer.response, guardrails);
  const toolCalls = renameToolCalls(call, answer.response);
  const events = [...input.events, ...answer.events, ...output.events];
  logPolicyEvents(call.log, events);
  const result: ModelStepResult = {
    message: { ...answer.response.message, content: output.content, ...(toolCalls ? { toolCalls } : {}) },
    usage: answer.usage,
    costUsd: answer.costUsd,
    model: answer.response.model,
    finishReason: answer.response.finishReason,
    plans: planTools(call, toolCalls ?? [], guardrails),
    cache: answer.cache,
    events,
    redactions: input.redactions,
    ...(output.invalid ? { invalidOutput: output.invalid } : {}),
    ...(answer.pendingCharge ? { pendingCharge: answer.pendingCharge } : {}),
  };
  return { result, response: answer.response, decisions: [...input.decisions, ...(answer.decisions ?? []), ...output.decisions] };
}

/** Where the response is cached, if this request may be: the tenant's and agent's settings allow it and it is deterministic. */
function cacheSlotOf(call: ModelCall, request: ModelCall['request'], policies: ModelStepPolicies): CacheSlot | undefined {
  const policy = cachePolicyFor(policies.cacheConfig, call);
  if (!policy.enabled) return undefined;
  const key = policies.responses.key({ provider: parseModelRef(call.modelRef).provider, ...request }, call.tenantId, policy);
  return key === undefined ? undefined : { key, ttlSeconds: policy.ttlSeconds };
}

/** 2. The cached response, if any. An unreachable cache is a miss, not a failed step. */
async function lookUp(call: ModelCall, slot: CacheSlot | undefined, policies: ModelStepPolicies): Promise<Answer | undefined> {
  if (!slot) return undefined;
  const hit = await policies.responses.get(call.tenantId, slot.key).catch((err: Error) => void call.log.warn('response cache lookup failed', { error: err.message }));
  policyMetrics.cacheLookups.add(1, { cache: 'model', outcome: hit?.level ?? 'miss' });
  if (!hit) return undefined;
  // A cache hit consumed no tokens and costs nothing.
  return { response: hit.value, usage: ZERO_USAGE, costUsd: 0, cache: hit.level, events: [{ kind: 'cache_hit', detail: `response served from ${hit.level}` }] };
}

/** 8. Output guardrails. A final answer (no tool calls) of an agent with an output schema must match it. */
function guardAnswer(call: ModelCall, response: ModelResponse, guardrails: GuardrailConfig) {
  const schema = response.message.toolCalls?.length ? undefined : call.outputSchema;
  return guardOutput(response.message.content, guardrails, { agent: call.agent, tenantId: call.tenantId, role: call.role, systemPrompt: call.spec.instructions, ...(schema ? { schema } : {}) });
}

/** 9. The project's ids replace the provider's (see shared/call-ids.ts). */
function renameToolCalls(call: ModelCall, response: ModelResponse): ToolCall[] | undefined {
  return response.message.toolCalls?.map((c, i) => ({ ...c, id: callIdFor(call.step, i, call.handoffDepth) }));
}

/** 10. Each tool call checked against its schema, approval rules and who may run what. */
function planTools(call: ModelCall, toolCalls: ToolCall[], guardrails: GuardrailConfig): ToolCallPlan[] {
  const access = (tool: string, args: unknown) => checkToolCall({ tool, args }, guardrails.tools, call);
  return planToolCalls(toolCalls, call.tools, call.spec.tools.map((t) => t.name), access);
}
