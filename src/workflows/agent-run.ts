/**
 * `agentRun`: the reasoning loop of one agent as a Temporal workflow. Model step → tool
 * calls (independent ones in parallel, approvals where required) → results back to the
 * model, until a final answer or the step limit. On failure or cancellation, the
 * compensable tool calls that succeeded are undone in reverse order.
 */
import { ApplicationFailure, type Duration } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DEFAULT_MAX_OUTPUT_TOKENS, pinnedOf, type AgentSpec, type ToolSpec } from '../shared/agent-spec';
import { fitConversation, jsonBytes, MAX_CONVERSATION_BYTES } from '../shared/conversation-fit';
import { FailureType } from '../shared/failures';
import { addUsage, ZERO_USAGE, type ChatMessage, type ToolMessage, type Usage } from '../shared/messages';
import type {
  AgentRunInput,
  AgentRunResult,
  AgentRunState,
  CompensationEntry,
  CompensationOutcome,
  FinishStatus,
  RunStatus,
  ToolCallRecord,
} from '../shared/run-types';
import type { PolicyEvent, StepPolicyEvent } from '../shared/policy-events';
import { AgentNameKey, AgentStatusKey, CostUsdKey, TenantIdKey } from '../shared/search-attributes';
import type { ToolCallPlan, ToolOutcome } from '../shared/tool-plan';
import { ApprovalDesk } from './approvals';
import { BudgetGate, budgetExceeded } from './budget-gate';
import { stateQuery } from './definitions';
import { failureMessage } from './failure-message';
import { Handoffs, mergeHandoff, openingMessages } from './handoff';
import { throughOutages } from './outages';
import { compensateAll, describeCompensation } from './saga';

const { resolveAgent } = wf.proxyLocalActivities<Activities>({ startToCloseTimeout: '10s' });
// callModel heartbeats while it waits for the provider: a dead worker is noticed after
// the heartbeat timeout, not after the start-to-close timeout (which bounds a slow model).
const { callModel } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 8 },
});
const { chargeModelCall } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 8 },
});
const { compensateTool } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  heartbeatTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 5 },
});
const tools = wf.proxyActivities<Activities>({ startToCloseTimeout: '30s' });
/** runTool heartbeats: a tool activity on a dead worker is retried after this long. */
const TOOL_HEARTBEAT_TIMEOUT = '15s';
/** Saga entries carry results up to this size; larger ones are read back from the effect row. */
const CARRIED_RESULT_BYTES = 16_000;
const localTools = wf.proxyLocalActivities<Activities>({ startToCloseTimeout: '10s' });

/** Default history size after which a run continues as new. */
export const DEFAULT_HISTORY_EVENT_LIMIT = 10_000;
/** Tool call records kept across continue-as-new; older ones are summarised away. */
const CARRIED_TOOL_RECORDS = 100;
/** Policy events kept in state (and carried across continue-as-new); older ones are dropped. */
const KEPT_POLICY_EVENTS = 200;
/** Tool results longer than this are cut before they go back to the model (and history). */
const MAX_TOOL_RESULT_CHARS = 16_000;

function preview(value: unknown, max = 120): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export async function agentRun(input: AgentRunInput): Promise<AgentRunResult> {
  // Runs started before this marker keep their recorded behaviour on replay: tool calls
  // cancelled with the run, saga entries only after success, the old idempotency keys.
  const guarded = wf.patched('saga-before-effects');
  const carry = input.carry;
  let spec: AgentSpec | undefined = carry?.spec;
  const messages: ChatMessage[] = carry?.messages ?? [];
  const records: ToolCallRecord[] = carry?.toolCalls ?? [];
  const saga: CompensationEntry[] = carry?.saga ?? [];
  const irreversible = carry?.irreversible ?? [];
  const compensations: CompensationOutcome[] = [];
  let step = carry?.step ?? 0;
  let usage: Usage = carry?.usage ?? ZERO_USAGE;
  let costUsd = carry?.costUsd ?? 0;
  let status: RunStatus = 'running';
  let lastError: string | undefined;
  const policyEvents: StepPolicyEvent[] = carry?.policyEvents ?? [];
  // Numbered across continue-as-new, so a watcher can follow events past the ones kept.
  let policySeq = policyEvents.reduce((max, e) => Math.max(max, e.seq ?? 0), 0);
  const note = (e: PolicyEvent): void => {
    policyEvents.push({ ...e, step, seq: ++policySeq });
    if (policyEvents.length > KEPT_POLICY_EVENTS) policyEvents.splice(0, policyEvents.length - KEPT_POLICY_EVENTS);
  };
  let gate: BudgetGate | undefined;
  /** The model that gave the last answer (a fallback or a routed tier may differ from the agent's). */
  let answeredBy: string | undefined = carry?.answeredBy;
  let budgetStop: AgentRunResult['budgetStop'];

  const setStatus = (next: RunStatus): void => {
    if (next === status) return;
    status = next;
    wf.upsertSearchAttributes([{ key: AgentStatusKey, value: next }]);
  };
  const approvals = new ApprovalDesk(() => setStatus(approvals.pending.length ? 'waiting_approval' : 'running'));
  const handoffs = new Handoffs(input);

  wf.setHandler(stateQuery, (): AgentRunState => ({
    agent: input.agent,
    tenantId: input.tenantId,
    status,
    step,
    model: gate?.model ?? spec?.model ?? '',
    toolCalls: records,
    pendingApprovals: approvals.pending,
    usage,
    costUsd,
    compensations,
    irreversible,
    continuedAsNew: carry?.continuedAsNew ?? 0,
    ...(lastError ? { lastError } : {}),
    ...(handoffs.requested ? { handedOffTo: handoffs.requested.to } : {}),
    policyEvents,
    ...(gate?.pause ? { budgetPause: gate.pause } : {}),
  }));

  /** Model calls started by this run: with the run id, each call's key in the budget ledger. */
  let modelCalls = 0;

  const record = (r: ToolCallRecord): ToolCallRecord => {
    records.push(r);
    return r;
  };

  /** Runs one planned tool call to a message for the model. */
  async function handleCall(agent: AgentSpec, plan: ToolCallPlan): Promise<ToolMessage> {
    const reply = (content: string, isError = false): ToolMessage => ({ role: 'tool', toolCallId: plan.callId, name: plan.tool, content, ...(isError ? { isError } : {}) });
    if (plan.status === 'invalid') {
      record({ callId: plan.callId, tool: plan.tool, step, status: 'invalid', detail: plan.error });
      return reply(plan.error, true);
    }
    const toolSpec = agent.tools.find((t) => t.name === plan.tool)!;
    if (toolSpec.handoff) {
      const h = handoffs.ask(toolSpec.handoff, plan);
      record({ callId: plan.callId, tool: plan.tool, step, status: h.ok ? 'succeeded' : 'tool_error', detail: h.text });
      return reply(h.text, !h.ok);
    }
    const rec = record({ callId: plan.callId, tool: plan.tool, step, status: 'running' });
    if (plan.approval) {
      rec.status = 'waiting_approval';
      const d = await approvals
        .wait({ callId: plan.callId, tool: plan.tool, args: plan.args, argsHash: plan.argsHash, reason: plan.approval, step }, agent.approval.timeout, agent.approval.onTimeout)
        .catch((err: unknown) => {
          if (wf.isCancellation(err)) rec.status = 'cancelled';
          throw err;
        });
      const timedOut = d.decision === 'timed_out';
      if (timedOut && d.outcome === 'fail') {
        throw ApplicationFailure.nonRetryable(`approval for ${plan.tool} (${plan.callId}) timed out`, FailureType.ApprovalTimedOut);
      }
      if (d.decision === 'rejected' || (timedOut && d.outcome === 'reject')) {
        const why = d.decision === 'rejected' ? `rejected by ${d.by ?? 'a reviewer'}: ${d.reason}` : `not approved within ${agent.approval.timeout}`;
        rec.status = 'rejected';
        rec.detail = why;
        return reply(`The call to ${plan.tool} was not executed: ${why}. Do not retry it; tell the user.`, true);
      }
      rec.status = 'running';
    }
    const info = wf.workflowInfo();
    // Unique over the workflow id's whole life: a later run under the same id never finds this call's effect.
    const idempotencyKey = guarded ? `${info.workflowId}/${info.firstExecutionRunId}/${plan.callId}` : `${info.workflowId}/${step}/${plan.callId}`;
    const compensable = toolSpec.effect === 'compensable';
    // Recorded before the tool runs: if the outcome is lost, the effect row decides.
    const entry: CompensationEntry | undefined = compensable && guarded ? { callId: plan.callId, tool: plan.tool, args: plan.args, result: undefined, idempotencyKey, fromEffectRow: true } : undefined;
    if (entry) saga.push(entry);
    // A tool with effects finishes even when the run is cancelled meanwhile: cancelling it
    // halfway would leave an effect nobody knows about. The run's cancellation is seen at
    // its next step, and compensation undoes this call with the rest.
    const run = () => throughOutages(`tool ${plan.tool}`, () => executeTool(agent, toolSpec, plan, idempotencyKey));
    let outcome: ToolOutcome;
    try {
      outcome = await (guarded && toolSpec.effect !== 'read' ? wf.CancellationScope.nonCancellable(run) : run());
    } catch (err) {
      rec.status = wf.isCancellation(err) ? 'cancelled' : 'failed';
      rec.detail = failureMessage(err);
      throw err;
    }
    outcome.events?.forEach(note);
    if (!outcome.ok) {
      rec.status = 'tool_error';
      rec.detail = preview(outcome.error);
      return reply(`Error: ${outcome.error}`, true);
    }
    rec.status = 'succeeded';
    if (compensable) {
      // The outcome is known now. Small results travel with the entry; large ones are read back from the effect row.
      const carried = !outcome.truncated && jsonBytes(outcome.result) <= CARRIED_RESULT_BYTES;
      const settled: CompensationEntry = { callId: plan.callId, tool: plan.tool, args: plan.args, result: carried ? outcome.result : undefined, idempotencyKey, ...(carried ? {} : { fromEffectRow: true }) };
      if (entry) saga.splice(saga.indexOf(entry), 1, settled);
      else saga.push(settled);
    } else if (toolSpec.effect === 'irreversible') {
      irreversible.push({ callId: plan.callId, tool: plan.tool });
    }
    if (outcome.withheld) {
      // The call ran (and stays on the saga stack); only its output is kept from the model.
      rec.detail = `output withheld by guardrails (${outcome.withheld})`;
      return reply(`The call to ${plan.tool} was executed, but its output was withheld by guardrails (${outcome.withheld}). Do not call it again for the same purpose.`, true);
    }
    // People see what the model sees: the redacted text, never the raw result.
    const text = outcome.redacted ?? (typeof outcome.result === 'string' ? outcome.result : JSON.stringify(outcome.result));
    rec.detail = preview(text);
    return reply(text.length > MAX_TOOL_RESULT_CHARS ? `${text.slice(0, MAX_TOOL_RESULT_CHARS)}…[truncated]` : text);
  }

  function executeTool(agent: AgentSpec, t: ToolSpec, plan: Extract<ToolCallPlan, { status: 'ready' }>, idempotencyKey: string) {
    const args = [{ agent: agent.name, tool: t.name, callId: plan.callId, args: plan.args, tenantId: input.tenantId, idempotencyKey }] as const;
    const retry = t.retry as wf.ActivityOptions['retry'];
    const summary = `tool ${t.name}`;
    if (t.local) return localTools.runTool.executeWithOptions({ startToCloseTimeout: t.timeout as Duration, retry, summary }, [...args]);
    const heartbeatTimeout = (t.heartbeatTimeout ?? TOOL_HEARTBEAT_TIMEOUT) as Duration;
    return tools.runTool.executeWithOptions({ startToCloseTimeout: t.timeout as Duration, heartbeatTimeout, retry, summary }, [...args]);
  }

  try {
    if (!spec) {
      spec = await resolveAgent(input.agent);
      wf.upsertSearchAttributes([
        { key: AgentNameKey, value: spec.name },
        { key: TenantIdKey, value: input.tenantId },
        { key: AgentStatusKey, value: 'running' },
      ]);
      messages.push(...openingMessages(spec, input));
    }
    const agent = spec;
    // The agent as this run started with it, for every model step (see PinnedAgent).
    const pinned = pinnedOf(agent);
    const budget = new BudgetGate(agent, { model: carry?.model, runCapRaisedUsd: carry?.runCapRaisedUsd }, note, (paused) => setStatus(paused ? 'waiting_budget' : 'running'));
    gate = budget;
    const maxSteps = input.maxSteps ?? agent.maxSteps;
    const role = input.metadata?.role;
    for (;;) {
      if (step >= maxSteps) return finish('max_steps', lastAssistantText(messages) ?? `Stopped after ${maxSteps} steps without a final answer.`);
      step += 1;
      if (guarded) fitMessages();
      const callKey = `${wf.workflowInfo().runId}/${++modelCalls}`;
      let res;
      try {
        res = await throughOutages('model step', (callTry) =>
          callModel.executeWithOptions({ summary: `model ${budget.model} step ${step}` }, [
            {
              agent: agent.name,
              model: budget.model,
              messages,
              temperature: agent.temperature,
              step,
              tenantId: input.tenantId,
              maxTokens: agent.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
              callKey,
              callTry,
              ...(input.handoff ? { handoffDepth: input.handoff.depth } : {}),
              pinned,
              ...(role ? { role } : {}),
              ...(agent.budget?.runCapUsd !== undefined ? { runCapUsd: agent.budget.runCapUsd } : {}),
              ...(budget.runCapRaisedUsd !== undefined ? { runCapRaisedUsd: budget.runCapRaisedUsd } : {}),
              ...(input.flowBudget ? { flowBudget: input.flowBudget } : {}),
            },
          ]),
        );
      } catch (err) {
        const exceeded = budgetExceeded(err);
        if (!exceeded) throw err;
        const decision = await budget.onExceeded(exceeded, step);
        if (decision.action === 'stop') {
          budgetStop = { scope: decision.scope, reason: decision.reason };
          return finish('budget_exceeded', lastAssistantText(messages) ?? `Stopped before an answer: ${decision.reason}.`);
        }
        step -= 1; // the same step again, on the downgraded model or the raised budget
        continue;
      }
      // The input guardrails redacted these user messages: keep only the redacted text.
      for (const r of res.redactions ?? []) {
        const m = messages[r.index];
        if (m?.role === 'user') messages[r.index] = { ...m, content: r.content };
      }
      res.events?.forEach(note);
      if (res.pendingCharge) {
        // The provider answered but Postgres could not take the charge: it is made now, durably,
        // before anything else; the money is spent, so this waits as long as the outage lasts.
        const pending = res.pendingCharge;
        const alerts = await throughOutages('budget charge', () => chargeModelCall(pending), Infinity);
        alerts.forEach(note);
      }
      answeredBy = res.model;
      messages.push(res.message);
      usage = addUsage(usage, res.usage);
      costUsd += res.costUsd;
      if (res.invalidOutput && step < maxSteps) {
        // The answer broke the agent's output schema: say what was wrong and ask again.
        messages.push({ role: 'user', content: `Your answer does not match the required output schema (${res.invalidOutput}). Reply again with JSON that matches it, and nothing else.` });
        continue;
      }
      if (res.plans.length === 0) return finish('completed', res.message.content ?? '');

      // allSettled, not all: every call in flight must land (and reach the saga stack)
      // before a failure of one of them fails the run.
      const settled = await Promise.allSettled(res.plans.map((p) => handleCall(agent, p)));
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      messages.push(...settled.map((s) => (s as PromiseFulfilledResult<ToolMessage>).value));
      if (handoffs.requested) {
        const child = await handoffs.run(agent.name, messages, step);
        return finish(child.status, child.answer, child);
      }

      if (shouldContinueAsNew()) {
        await wf.condition(wf.allHandlersFinished);
        if (guarded) fitMessages();
        return await wf.continueAsNew<typeof agentRun>({
          ...input,
          carry: {
            spec: agent,
            messages,
            step,
            usage,
            costUsd,
            toolCalls: records.slice(-CARRIED_TOOL_RECORDS),
            saga,
            irreversible,
            continuedAsNew: (carry?.continuedAsNew ?? 0) + 1,
            policyEvents,
            model: budget.model,
            ...(answeredBy ? { answeredBy } : {}),
            ...(budget.runCapRaisedUsd !== undefined ? { runCapRaisedUsd: budget.runCapRaisedUsd } : {}),
          },
        });
      }
    }
  } catch (err) {
    if (err instanceof wf.ContinueAsNew) throw err;
    const cancelled = wf.isCancellation(err);
    lastError = failureMessage(err);
    if (saga.length) {
      setStatus('compensating');
      await compensateAll(
        saga,
        (e) =>
          throughOutages(`compensate ${e.tool}`, () =>
            compensateTool.executeWithOptions({ summary: `compensate ${e.tool}` }, [
              { agent: spec!.name, tool: e.tool, callId: e.callId, args: e.args, result: e.result, tenantId: input.tenantId, idempotencyKey: e.idempotencyKey, ...(e.fromEffectRow ? { fromEffectRow: true } : {}) },
            ]),
          ),
        (o) => {
          compensations.push(o);
          const rec = records.find((r) => r.callId === o.callId && r.status === 'succeeded');
          if (rec && o.status !== 'not_executed') rec.status = o.status === 'compensated' ? 'compensated' : 'compensation_failed';
        },
      );
    }
    setStatus(cancelled ? 'cancelled' : 'failed');
    const summary = describeCompensation(compensations, irreversible);
    if (cancelled) {
      throw new wf.CancelledFailure(`run cancelled; ${summary}`, [{ compensations, irreversible, costUsd, usage }]);
    }
    throw ApplicationFailure.create({
      type: FailureType.AgentRunFailed,
      message: `agent run failed: ${lastError}; ${summary}`,
      nonRetryable: true,
      // What the run spent before it failed: a flow or batch running it adds this to its own cost.
      details: [{ compensations, irreversible, costUsd, usage }],
      cause: err as Error,
    });
  }

  /** Keeps the conversation under the payload limit (see shared/conversation-fit.ts). */
  function fitMessages(): void {
    const fit = fitConversation(messages);
    if (!fit.elided) return;
    messages.splice(0, messages.length, ...fit.messages);
    note({ kind: 'conversation_elided', detail: `${fit.elided} older messages shortened to keep the conversation under ${MAX_CONVERSATION_BYTES} bytes` });
  }

  function shouldContinueAsNew(): boolean {
    const info = wf.workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= (input.historyEventLimit ?? DEFAULT_HISTORY_EVENT_LIMIT);
  }

  /** The run's result; after a handoff, merged with the result of the run that took over. */
  function finish(final: FinishStatus, answer: string, handedOff?: AgentRunResult): AgentRunResult {
    setStatus(final);
    wf.upsertSearchAttributes([{ key: CostUsdKey, value: costUsd }]);
    const own: AgentRunResult = {
      status: final,
      answer,
      steps: step,
      usage,
      costUsd,
      toolCalls: records,
      model: answeredBy ?? gate?.model ?? spec!.model,
      ...(budgetStop ? { budgetStop } : {}),
    };
    return handedOff ? mergeHandoff(own, handedOff, handoffs.requested!.to) : own;
  }
}

function lastAssistantText(messages: ChatMessage[]): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.role === 'assistant' && m.content) return m.content;
  }
  return undefined;
}
