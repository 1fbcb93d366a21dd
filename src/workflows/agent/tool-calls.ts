/**
 * The tool calls of one model step: each planned call to a message for the model. A bad
 * call goes back as an error; a call that needs approval waits for a person; a tool with
 * effects is on the saga stack before it runs and finishes even if the run is cancelled
 * meanwhile; every outcome is recorded in the run's book.
 */
import { ApplicationFailure, type Duration } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { AgentSpec, ApprovalTimeoutOutcome, ToolSpec } from '../../shared/agent-spec';
import { jsonBytes } from '../../shared/conversation-fit';
import { FailureType } from '../../shared/failures';
import type { ToolMessage } from '../../shared/messages';
import type { AgentRunInput, CompensationEntry } from '../../shared/run-types';
import type { ToolCallPlan, ToolOutcome } from '../../shared/tool-plan';
import type { AgentRunBook } from './agent-run-book';
import { approvalRecord, type ApprovalDecision, type ApprovalDesk } from './approvals';
import { audit } from '../audit';
import { failureMessage } from '../failure-message';
import type { Handoffs } from './handoff';
import { throughOutages } from '../outages';

const tools = wf.proxyActivities<Activities>({ startToCloseTimeout: '30s' });
const localTools = wf.proxyLocalActivities<Activities>({ startToCloseTimeout: '10s' });
/** runTool heartbeats: a tool activity on a dead worker is retried after this long. */
const TOOL_HEARTBEAT_TIMEOUT = '15s';
/** Saga entries carry results up to this size; larger ones are read back from the effect row. */
const CARRIED_RESULT_BYTES = 16_000;
/** Tool results longer than this are cut before they go back to the model (and history). */
const MAX_TOOL_RESULT_CHARS = 16_000;

type ReadyPlan = Extract<ToolCallPlan, { status: 'ready' }>;

function preview(value: unknown, max = 120): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

const TIMED_OUT: Record<ApprovalTimeoutOutcome, string> = { approve: 'approved', reject: 'rejected', fail: 'the run fails' };

/** Who decided, for people: the name, and with a signed decision the role and principal. */
function whoDecided(d: Extract<ApprovalDecision, { decision: 'approved' | 'rejected' }>, fallback: string): string {
  if (d.decider) return `${d.decider.name} (${d.decider.role}, ${d.decider.id})`;
  return d.by ?? fallback;
}

function decisionText(d: ApprovalDecision, timeout: string): string {
  if (d.decision === 'approved') return `approved by ${whoDecided(d, 'someone')}${d.at ? ` at ${d.at}` : ''}`;
  if (d.decision === 'rejected') return `rejected by ${whoDecided(d, 'a reviewer')}${d.at ? ` at ${d.at}` : ''}: ${d.reason}`;
  return `not decided within ${timeout}: ${TIMED_OUT[d.outcome]}`;
}

export class ToolCalls {
  constructor(
    private readonly book: AgentRunBook,
    private readonly approvals: ApprovalDesk,
    private readonly handoffs: Handoffs,
    private readonly input: AgentRunInput,
    /** False for runs started before saga-before-effects (see agentRun): they keep their recorded behaviour. */
    private readonly guarded: boolean,
  ) {}

  /**
   * Runs a step's calls, independent ones in parallel. allSettled, not all: every call in
   * flight must land (and reach the saga stack) before a failure of one fails the run.
   */
  async run(agent: AgentSpec, plans: ToolCallPlan[]): Promise<ToolMessage[]> {
    const settled = await Promise.allSettled(plans.map((p) => this.handle(agent, p)));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<ToolMessage>).value);
  }

  /** One planned call to a message for the model. */
  private async handle(agent: AgentSpec, plan: ToolCallPlan): Promise<ToolMessage> {
    const { book } = this;
    const step = book.step;
    const reply = (content: string, isError = false): ToolMessage => ({ role: 'tool', toolCallId: plan.callId, name: plan.tool, content, ...(isError ? { isError } : {}) });
    if (plan.status === 'invalid') {
      book.record({ callId: plan.callId, tool: plan.tool, step, status: 'invalid', detail: plan.error });
      return reply(plan.error, true);
    }
    const toolSpec = agent.tools.find((t) => t.name === plan.tool)!;
    if (toolSpec.handoff) {
      const h = this.handoffs.ask(toolSpec.handoff, plan);
      book.record({ callId: plan.callId, tool: plan.tool, step, status: h.ok ? 'succeeded' : 'tool_error', detail: h.text });
      return reply(h.text, !h.ok);
    }
    const rec = book.record({ callId: plan.callId, tool: plan.tool, step, status: 'running' });
    if (plan.approval) {
      const refused = await this.approval(agent, plan, rec);
      if (refused) return reply(refused, true);
    }
    const info = wf.workflowInfo();
    // Unique over the workflow id's whole life: a later run under the same id never finds this call's effect.
    const idempotencyKey = this.guarded ? `${info.workflowId}/${info.firstExecutionRunId}/${plan.callId}` : `${info.workflowId}/${step}/${plan.callId}`;
    const compensable = toolSpec.effect === 'compensable';
    // Recorded before the tool runs: if the outcome is lost, the effect row decides.
    const entry: CompensationEntry | undefined = compensable && this.guarded ? { callId: plan.callId, tool: plan.tool, args: plan.args, result: undefined, idempotencyKey, outcome: 'unknown' } : undefined;
    if (entry) book.saga.push(entry);
    // A tool with effects finishes even when the run is cancelled meanwhile: cancelling it
    // halfway would leave an effect nobody knows about. The run's cancellation is seen at
    // its next step, and compensation undoes this call with the rest.
    const run = () => throughOutages(`tool ${plan.tool}`, () => this.execute(agent, toolSpec, plan, idempotencyKey));
    let outcome: ToolOutcome;
    try {
      outcome = await (this.guarded && toolSpec.effect !== 'read' ? wf.CancellationScope.nonCancellable(run) : run());
    } catch (err) {
      rec.status = wf.isCancellation(err) ? 'cancelled' : 'failed';
      rec.detail = failureMessage(err);
      throw err;
    }
    outcome.events?.forEach((e) => book.note(e));
    if (!outcome.ok) {
      rec.status = 'tool_error';
      rec.detail = preview(outcome.error);
      return reply(`Error: ${outcome.error}`, true);
    }
    rec.status = 'succeeded';
    if (compensable) {
      // The outcome is known now. Small results travel with the entry; large ones are read back from the effect row.
      const carried = !outcome.truncated && jsonBytes(outcome.result) <= CARRIED_RESULT_BYTES;
      const settled: CompensationEntry = { callId: plan.callId, tool: plan.tool, args: plan.args, result: carried ? outcome.result : preview(outcome.result, CARRIED_RESULT_BYTES / 4), idempotencyKey, ...(carried ? {} : { outcome: 'too_large' as const }) };
      if (entry) book.saga.splice(book.saga.indexOf(entry), 1, settled);
      else book.saga.push(settled);
    } else if (toolSpec.effect === 'irreversible') {
      book.irreversible.push({ callId: plan.callId, tool: plan.tool });
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

  /** Waits for a person's decision; returns the text for the model when the call must not run. */
  private async approval(agent: AgentSpec, plan: ReadyPlan, rec: { status: string; detail?: string }): Promise<string | undefined> {
    rec.status = 'waiting_approval';
    const request = { callId: plan.callId, tool: plan.tool, args: plan.args, argsHash: plan.argsHash, reason: plan.approval!, step: this.book.step };
    const d = await this.approvals.wait(request, agent.approval.timeout, agent.approval.onTimeout).catch((err: unknown) => {
      if (wf.isCancellation(err)) rec.status = 'cancelled';
      throw err;
    });
    const timedOut = d.decision === 'timed_out';
    // Who decided what, with which role and when, for the `state` query and the run's Web UI page, and for the audit trail.
    this.book.decided(approvalRecord(request, d, new Date()));
    this.book.note({ kind: 'approval', detail: `${plan.tool} ${plan.callId} ${decisionText(d, agent.approval.timeout)}` });
    await audit(this.auditRecord(plan, d, agent.approval.timeout));
    if (timedOut && d.outcome === 'fail') {
      throw ApplicationFailure.nonRetryable(`approval for ${plan.tool} (${plan.callId}) timed out`, FailureType.ApprovalTimedOut);
    }
    if (d.decision === 'rejected' || (timedOut && d.outcome === 'reject')) {
      const why = d.decision === 'rejected' ? `rejected by ${d.decider?.name ?? d.by ?? 'a reviewer'}: ${d.reason}` : `not approved within ${agent.approval.timeout}`;
      rec.status = 'rejected';
      rec.detail = why;
      return `The call to ${plan.tool} was not executed: ${why}. Do not retry it; tell the user.`;
    }
    rec.status = 'running';
    return undefined;
  }

  /** The decision as the audit trail keeps it: who, on which call, what; the arguments' hash and any reason only in its digest. */
  private auditRecord(plan: ReadyPlan, d: ApprovalDecision, timeout: string) {
    const call = { tool: plan.tool, callId: plan.callId };
    const data = { ...call, argsHash: plan.argsHash, ...d };
    const tenantId = this.input.tenantId;
    if (d.decision === 'timed_out') return { tenantId, kind: 'approval_timeout' as const, principal: 'system:approval-timeout', detail: { ...call, outcome: d.outcome, timeout }, data };
    const kind = d.decision === 'approved' ? ('approval' as const) : ('rejection' as const);
    // The authenticated principal's id and role; the name stays in the digest.
    return { tenantId, kind, principal: d.decider?.id ?? d.by ?? 'unknown', detail: { ...call, decision: d.decision, ...(d.decider ? { role: d.decider.role } : {}) }, data };
  }

  private execute(agent: AgentSpec, t: ToolSpec, plan: ReadyPlan, idempotencyKey: string): Promise<ToolOutcome> {
    const args = [{ agent: agent.name, tool: t.name, callId: plan.callId, args: plan.args, tenantId: this.input.tenantId, idempotencyKey }] as const;
    const retry = t.retry as wf.ActivityOptions['retry'];
    const summary = `tool ${t.name}`;
    if (t.local) return localTools.runTool.executeWithOptions({ startToCloseTimeout: t.timeout as Duration, retry, summary }, [...args]);
    const heartbeatTimeout = (t.heartbeatTimeout ?? TOOL_HEARTBEAT_TIMEOUT) as Duration;
    return tools.runTool.executeWithOptions({ startToCloseTimeout: t.timeout as Duration, heartbeatTimeout, retry, summary }, [...args]);
  }
}
