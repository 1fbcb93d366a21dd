/**
 * The `callModel` activity: the model step's policy pipeline (src/policies/model-step:
 * input guardrails, cache lookup, route, budget reserve, provider chain, commit, cache
 * store, output guardrails, tool-call ids, tool plans) with what Temporal adds: the
 * run's ids and attempt for the budget ledger, cancellation, heartbeats, the span and
 * the failure types a workflow sees.
 */
import { Context } from '@temporalio/activity';
import { AgentChangedError, UnknownAgentError } from '../agents/registry';
import { budgetAlertDecision, budgetStopDecision, guardrailDecision } from '../audit/decisions';
import type { AuditDecision } from '../audit/types';
import { withSpan } from '../infra/telemetry';
import { parseModelRef } from '../models/types';
import { alertEvents, BudgetExceededError } from '../policies/budget';
import { GuardrailBlockedError } from '../policies/guardrails';
import { runModelStep, type ModelCall, type ModelStepResult, type PendingCharge } from '../policies/model-step';
import { DEFAULT_MAX_OUTPUT_TOKENS, pinnedOf, type PinnedAgent } from '../shared/agent-spec';
import type { ChatMessage } from '../shared/messages';
import type { PolicyEvent } from '../shared/policy-events';
import type { FlowBudget } from '../shared/run-types';
import type { ActivityDeps } from './index';
import { atActivityEdge } from './activity-edge';
import { recordDecisions } from './audit';

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

/** What `callModel` returns: the model step's result as is. */
export type CallModelResult = ModelStepResult;

/** Attempts of one call share a ledger key; a try after an outage counts on from here, so it supersedes the earlier tries' holds. */
const ATTEMPTS_PER_TRY = 1000;

export function createModelActivities({ db, agents, policies, log }: Pick<ActivityDeps, 'db' | 'agents' | 'policies' | 'log'>) {
  return {
    async callModel(input: CallModelInput): Promise<CallModelResult> {
      return atActivityEdge(async () => {
        const agent = pinnedAgent(input);
        const { info, cancellationSignal } = Context.current();
        const run = info.workflowExecution;
        if (!run) throw new Error('callModel runs only inside a workflow');
        const { provider, model } = parseModelRef(input.model);
        const maxTokens = input.maxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
        const call: ModelCall = {
          agent: input.agent,
          tenantId: input.tenantId,
          ...(input.role ? { role: input.role } : {}),
          ...agent,
          modelRef: input.model,
          request: { model, messages: input.messages, tools: agent.spec.tools, temperature: input.temperature, maxTokens },
          step: input.step,
          handoffDepth: input.handoffDepth,
          ledger: { workflowId: run.workflowId, key: input.callKey ?? `${run.runId}/${info.activityId}`, attempt: (input.callTry ?? 0) * ATTEMPTS_PER_TRY + info.attempt },
          caps: { runCapUsd: input.runCapUsd, runCapRaisedUsd: input.runCapRaisedUsd },
          flowBudget: input.flowBudget,
          signal: cancellationSignal,
          log: log.child({ workflowId: run.workflowId, runId: run.runId }),
        };
        const attrs = { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': provider, 'gen_ai.request.model': model, 'gen_ai.request.temperature': input.temperature, 'gen_ai.request.max_tokens': maxTokens, 'gen_ai.agent.name': input.agent };
        return withSpan(`chat ${model}`, attrs, async (span) => {
          const { result, response, decisions } = await runModelStep(call, policies).catch(async (err: unknown) => {
            const refused = refusal(err);
            if (refused) await recordDecisions(db, input.tenantId, [refused]);
            throw err;
          });
          await recordDecisions(db, input.tenantId, decisions);
          span.setAttributes({
            'gen_ai.response.model': response.model,
            'gen_ai.usage.input_tokens': response.usage.inputTokens,
            'gen_ai.usage.output_tokens': response.usage.outputTokens,
            'gen_ai.response.finish_reasons': [response.finishReason],
            'durable_agents.cache': result.cache,
          });
          return result;
        });
      });
    },

    /** Commits a charge `callModel` could not (Postgres was down); idempotent per attempt, so a repeat charges nothing. */
    async chargeModelCall(pending: PendingCharge): Promise<PolicyEvent[]> {
      return atActivityEdge(async () => {
        const { alerts } = await policies.budget.commit(pending.call, { usd: pending.usd, tokens: pending.tokens });
        await recordDecisions(db, pending.call.tenantId, alerts.map(budgetAlertDecision));
        return alertEvents(alerts);
      });
    },
  };

  /** A step the policies refused (input blocked, budget spent), as the audit trail records it. */
  function refusal(err: unknown): AuditDecision | undefined {
    if (err instanceof GuardrailBlockedError) return guardrailDecision('input', 'block', err.findings);
    if (err instanceof BudgetExceededError) return budgetStopDecision(err);
    return undefined;
  }

  /**
   * The agent as the run started with it (calls scheduled by older workflow code carry
   * none: the worker's current one). Only its pinned tools can run, even if the model
   * names one the agent has gained since; a pinned tool this worker lacks stops the run.
   */
  function pinnedAgent(input: CallModelInput): Pick<ModelCall, 'spec' | 'tools' | 'outputSchema'> {
    const current = agents.spec(input.agent);
    const registry = agents.tools(input.agent);
    if (!current || !registry) throw new UnknownAgentError(`unknown agent "${input.agent}"`);
    const spec = input.pinned ?? pinnedOf(current);
    const pinnedNames = new Set(spec.tools.map((t) => t.name));
    const gone = [...pinnedNames].filter((name) => !registry.get(name));
    if (gone.length) {
      throw new AgentChangedError(
        `agent "${input.agent}" on this worker no longer has the tool${gone.length > 1 ? 's' : ''} ${gone.join(', ')} this run started with: run it on a worker that has them, or cancel it`,
      );
    }
    const outputSchema = agents.outputSchema(input.agent);
    return { spec, tools: { get: (name) => (pinnedNames.has(name) ? registry.get(name) : undefined) }, ...(outputSchema ? { outputSchema } : {}) };
  }
}
