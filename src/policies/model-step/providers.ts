/** Steps 3–7 of the model step (see step.ts), on a cache miss: route, reserve, call the chain, commit, store. */
import { budgetAlertDecision, fallbackDecision, overReservationDecision } from '../../audit/decisions';
import type { AuditDecision } from '../../audit/types';
import { costOf } from '../../models/pricing';
import type { ModelRequest, ModelResponse } from '../../models/types';
import type { PolicyEvent } from '../../shared/policy-events';
import { alertEvents, BudgetExceededError, estimateChainCost, type BudgetCall, type Reservation } from '../budget';
import { logPolicyEvents } from '../log-events';
import type { RouteAttempt, RoutePlan } from '../router';
import { commitAnswered } from './commit';
import type { Answer, CacheSlot, ModelCall, ModelStepPolicies, PendingCharge } from './types';

/** Asks the providers for `request` (the input as the guardrails passed it) and charges the answer. */
export async function askProviders(call: ModelCall, request: ModelRequest, slot: CacheSlot | undefined, policies: ModelStepPolicies): Promise<Answer> {
  const ledger = budgetCallOf(call);
  const routed = await route(call, request, ledger, policies);
  const called = await reserveAndCall(call, request, ledger, routed.plan, policies);
  const charged = await commit(call, ledger, called.held, called.response, policies);
  if (slot && !charged.pendingCharge) await store(call, slot, called.response, policies);
  return {
    response: called.response,
    usage: called.response.usage,
    costUsd: charged.costUsd,
    cache: slot ? 'miss' : 'bypass',
    events: [...routed.events, ...called.events, ...charged.events],
    decisions: [...called.decisions, ...charged.decisions],
    ...(charged.pendingCharge ? { pendingCharge: charged.pendingCharge } : {}),
  };
}

function budgetCallOf(call: ModelCall): BudgetCall {
  return {
    workflowId: call.ledger.workflowId,
    activityId: call.ledger.key,
    attempt: call.ledger.attempt,
    tenantId: call.tenantId,
    agent: call.agent,
    ...(call.caps.runCapUsd !== undefined ? { runCapUsd: call.caps.runCapUsd } : {}),
    ...(call.caps.runCapRaisedUsd !== undefined ? { runCapRaisedUsd: call.caps.runCapRaisedUsd } : {}),
    ...(call.flowBudget ? { flowBudget: call.flowBudget } : {}),
  };
}

/**
 * 3. Route: an agent with a routing profile gets a tier chosen from the request's
 *    complexity and its remaining budget; any other agent its model and fallbacks.
 */
async function route(call: ModelCall, request: ModelRequest, ledger: BudgetCall, policies: ModelStepPolicies): Promise<{ plan: RoutePlan; events: PolicyEvent[] }> {
  if (!policies.router.routes(call.agent)) return { plan: { tier: 'pinned', score: 0, reason: 'pinned', chain: [call.modelRef, ...call.spec.fallbackModels] }, events: [] };
  const remaining = await policies.budget.remaining(ledger);
  const plan = policies.router.plan(request, { tenantId: call.tenantId, agent: call.agent, ...(remaining.usd !== undefined ? { remainingBudgetUsd: remaining.usd } : {}) });
  return { plan, events: [{ kind: 'route', detail: `tier ${plan.tier} (${plan.reason}, score ${plan.score.toFixed(2)}): ${plan.chain.join(' → ')}` }] };
}

/**
 * 4. Reserve the worst case of the chain (the input's upper bound plus maxTokens of
 *    output at the chain's dearest model), once per attempt; 5. call the chain in order.
 *    A failure releases the hold.
 */
async function reserveAndCall(
  call: ModelCall,
  request: ModelRequest,
  ledger: BudgetCall,
  plan: RoutePlan,
  policies: ModelStepPolicies,
): Promise<{ held: Reservation; response: ModelResponse; events: PolicyEvent[]; decisions: AuditDecision[] }> {
  try {
    const held = await policies.budget.reserve(ledger, estimateChainCost(plan.chain, request));
    if (held.duplicate && held.status !== 'reserved') {
      // This attempt's key was settled before: never call the provider on a key the ledger will not charge.
      throw new Error(`budget reservation ${ledger.activityId}#${ledger.attempt} is already ${held.status}`);
    }
    const routed = await policies.router.complete(request, { tenantId: call.tenantId, agent: call.agent, plan, signal: call.signal });
    const fallbacks = routed.attempts.filter((a) => a.outcome !== 'ok');
    const events = fallbacks.map((a): PolicyEvent => ({ kind: 'fallback', detail: describeAttempt(a) }));
    return { held, response: routed.response, events, decisions: fallbacks.map(fallbackDecision) };
  } catch (err) {
    // The next attempt (or try) of this call supersedes the hold if this release fails too.
    await policies.budget.release(ledger).catch((e: Error) => call.log.warn('budget release failed; the next attempt supersedes the hold', { error: e.message }));
    if (err instanceof BudgetExceededError) logPolicyEvents(call.log, [{ kind: 'budget_exceeded', detail: err.message }]);
    throw err;
  }
}

function describeAttempt(a: RouteAttempt): string {
  return `${a.modelRef} ${a.outcome}${a.reason ? ` (${a.reason})` : ''}${a.error ? `: ${a.error.message}` : ''}`;
}

/**
 * 6. Commit the actual cost. The provider has answered, so nothing here may throw: a
 *    commit Postgres cannot take now is handed to the workflow, which retries it durably.
 */
async function commit(
  call: ModelCall,
  ledger: BudgetCall,
  held: Reservation,
  response: ModelResponse,
  policies: ModelStepPolicies,
): Promise<{ costUsd: number; events: PolicyEvent[]; decisions: AuditDecision[]; pendingCharge?: PendingCharge }> {
  const costUsd = costOf(response.model, response.usage).usd;
  const events: PolicyEvent[] = [];
  const decisions: AuditDecision[] = [];
  if (held.heldUsd > 0 && costUsd > held.heldUsd + 1e-9) {
    // Only a provider that ignores the output bound (or a tokenizer the estimate does not cover) gets here: say so, the limits are at stake.
    events.push({ kind: 'budget_alert', detail: `the call cost $${costUsd.toFixed(6)}, more than the $${held.heldUsd.toFixed(6)} held for it` });
    decisions.push(overReservationDecision(held.heldUsd, costUsd));
  }
  const spend = { usd: costUsd, tokens: response.usage.inputTokens + response.usage.outputTokens };
  try {
    const committed = await commitAnswered(() => policies.budget.commit(ledger, spend), call.log);
    return { costUsd, events: [...events, ...alertEvents(committed.alerts)], decisions: [...decisions, ...committed.alerts.map(budgetAlertDecision)] };
  } catch (err) {
    call.log.warn('budget commit failed; the workflow commits it later', { error: (err as Error).message });
    return { costUsd, events, decisions, pendingCharge: { call: ledger, usd: spend.usd, tokens: spend.tokens } };
  }
}

/** 7. Store the response: only a charged one (a later attempt served from the cache must never skip an uncharged call). */
async function store(call: ModelCall, slot: CacheSlot, response: ModelResponse, policies: ModelStepPolicies): Promise<void> {
  await policies.responses.set(call.tenantId, slot.key, response, { ttlSeconds: slot.ttlSeconds }).catch((err: Error) => call.log.warn('response cache store failed', { error: err.message }));
}
