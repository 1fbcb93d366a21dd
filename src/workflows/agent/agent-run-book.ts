/**
 * Everything an agent run knows, in one place: the conversation, the tool calls and their
 * saga, usage and cost, status and policy decisions. The `state` query, the
 * continue-as-new carry and the result are three views of it, built here, so they never
 * disagree; the search attributes and the Web UI page follow its changes. Deterministic:
 * workflow code only.
 */
import type { CallModelResult } from '../../activities/model';
import type { AgentSpec } from '../../shared/agent-spec';
import { fitConversation, MAX_CONVERSATION_BYTES } from '../../shared/conversation-fit';
import { addUsage, ZERO_USAGE, type ChatMessage, type Usage } from '../../shared/messages';
import type { PolicyEvent, StepPolicyEvent } from '../../shared/policy-events';
import type {
  AgentRunInput,
  ApprovalRecord,
  AgentRunResult,
  AgentRunState,
  CarriedState,
  CompensationEntry,
  CompensationOutcome,
  FinishStatus,
  PendingApproval,
  RunStatus,
  ToolCallRecord,
} from '../../shared/run-types';
import { AgentStatusKey, CostUsdKey } from '../../shared/search-attributes';
import type { SearchLabels } from '../search-labels';
import type { BudgetGate } from './budget-gate';

/** Tool call records kept across continue-as-new; older ones are summarised away. */
const CARRIED_TOOL_RECORDS = 100;
/** Policy events kept in state (and carried across continue-as-new); older ones are dropped. */
const KEPT_POLICY_EVENTS = 200;

/** What a run spent and undid before it failed or was cancelled: a flow or batch running it adds this to its own. */
export interface RunSpent {
  compensations: CompensationOutcome[];
  irreversible: Array<{ callId: string; tool: string }>;
  costUsd: number;
  usage: Usage;
}

export class AgentRunBook {
  /** The agent as the run resolved it at the start (carried across continue-as-new). */
  spec: AgentSpec | undefined;
  readonly messages: ChatMessage[];
  readonly records: ToolCallRecord[];
  readonly saga: CompensationEntry[];
  readonly irreversible: Array<{ callId: string; tool: string }>;
  readonly compensations: CompensationOutcome[] = [];
  readonly policyEvents: StepPolicyEvent[];
  /** Approval decisions: who, with which role, when (carried across continue-as-new). */
  readonly decisions: ApprovalRecord[];
  step: number;
  usage: Usage;
  costUsd: number;
  status: RunStatus = 'running';
  lastError: string | undefined;
  /** The model that gave the last answer (a fallback or a routed tier may differ from the agent's). */
  answeredBy: string | undefined;
  budgetStop: AgentRunResult['budgetStop'];
  /** Model calls started by this run: with the run id, each call's key in the budget ledger. */
  modelCalls = 0;
  /** Set once the run has its agent: the model in use, a budget pause. */
  gate: BudgetGate | undefined;
  // Numbered across continue-as-new, so a watcher can follow events past the ones kept.
  private policySeq: number;
  private onChange: () => void = () => undefined;

  constructor(
    private readonly input: AgentRunInput,
    readonly labels: SearchLabels,
  ) {
    const carry = input.carry;
    this.spec = carry?.spec;
    this.messages = carry?.messages ?? [];
    this.records = carry?.toolCalls ?? [];
    this.saga = carry?.saga ?? [];
    this.irreversible = carry?.irreversible ?? [];
    this.policyEvents = carry?.policyEvents ?? [];
    this.decisions = carry?.decisions ?? [];
    this.step = carry?.step ?? 0;
    this.usage = carry?.usage ?? ZERO_USAGE;
    this.costUsd = carry?.costUsd ?? 0;
    this.answeredBy = carry?.answeredBy;
    this.policySeq = this.policyEvents.reduce((max, e) => Math.max(max, e.seq ?? 0), 0);
  }

  /** `show` runs now and after every change people see: status, pending approvals, cost, decisions. */
  watch(show: () => void): void {
    this.onChange = show;
    show();
  }

  /** A new status, or the same one with other pending approvals. */
  setStatus(next: RunStatus): void {
    if (next !== this.status) {
      this.status = next;
      this.labels.always([{ key: AgentStatusKey, value: next }]);
    }
    this.onChange();
  }

  note(e: PolicyEvent): void {
    this.policyEvents.push({ ...e, step: this.step, seq: ++this.policySeq });
    if (this.policyEvents.length > KEPT_POLICY_EVENTS) this.policyEvents.splice(0, this.policyEvents.length - KEPT_POLICY_EVENTS);
    this.onChange();
  }

  decided(r: ApprovalRecord): void {
    this.decisions.push(r);
    if (this.decisions.length > KEPT_POLICY_EVENTS) this.decisions.splice(0, this.decisions.length - KEPT_POLICY_EVENTS);
  }

  /** The cost so far as the `CostUsd` search attribute, so running and failed runs show it too. */
  showCost(): void {
    this.labels.update([{ key: CostUsdKey, value: this.costUsd }]);
  }

  record(r: ToolCallRecord): ToolCallRecord {
    this.records.push(r);
    return r;
  }

  /** The input guardrails redacted these user messages: only the redacted text is kept. */
  keepRedactions(res: CallModelResult): void {
    for (const r of res.redactions ?? []) {
      const m = this.messages[r.index];
      if (m?.role === 'user') this.messages[r.index] = { ...m, content: r.content };
    }
  }

  /** A model's answer joins the conversation and the totals. */
  takeAnswer(res: CallModelResult): void {
    this.answeredBy = res.model;
    this.messages.push(res.message);
    this.usage = addUsage(this.usage, res.usage);
    this.costUsd += res.costUsd;
    this.showCost();
    this.onChange();
  }

  /** Keeps the conversation under the payload limit (see shared/conversation-fit.ts). */
  fitConversation(): void {
    const fit = fitConversation(this.messages);
    if (!fit.elided) return;
    this.messages.splice(0, this.messages.length, ...fit.messages);
    this.note({ kind: 'conversation_elided', detail: `${fit.elided} older messages shortened to keep the conversation under ${MAX_CONVERSATION_BYTES} bytes` });
  }

  /** The last thing the model said, if anything. */
  lastAnswer(): string | undefined {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i]!;
      if (m.role === 'assistant' && m.content) return m.content;
    }
    return undefined;
  }

  /** The `state` query. */
  view(pendingApprovals: PendingApproval[], handedOffTo: string | undefined): AgentRunState {
    return {
      agent: this.input.agent,
      tenantId: this.input.tenantId,
      ...(this.input.requestedBy ? { requestedBy: this.input.requestedBy } : {}),
      status: this.status,
      step: this.step,
      model: this.gate?.model ?? this.spec?.model ?? '',
      toolCalls: this.records,
      pendingApprovals,
      usage: this.usage,
      costUsd: this.costUsd,
      compensations: this.compensations,
      irreversible: this.irreversible,
      continuedAsNew: this.input.carry?.continuedAsNew ?? 0,
      ...(this.lastError ? { lastError: this.lastError } : {}),
      ...(handedOffTo ? { handedOffTo } : {}),
      policyEvents: this.policyEvents,
      budgetPause: this.gate?.pause,
      decisions: this.decisions,
    };
  }

  /** What the next run gets at continue-as-new. */
  carry(): CarriedState {
    const gate = this.gate!;
    return {
      spec: this.spec!,
      messages: this.messages,
      step: this.step,
      usage: this.usage,
      costUsd: this.costUsd,
      toolCalls: this.records.slice(-CARRIED_TOOL_RECORDS),
      saga: this.saga,
      irreversible: this.irreversible,
      continuedAsNew: (this.input.carry?.continuedAsNew ?? 0) + 1,
      policyEvents: this.policyEvents,
      model: gate.model,
      ...(this.answeredBy ? { answeredBy: this.answeredBy } : {}),
      runCapRaisedUsd: gate.runCapRaisedUsd,
      ...(this.decisions.length ? { decisions: this.decisions } : {}),
    };
  }

  /** The run's result, as it finishes with `final`. */
  finish(final: FinishStatus, answer: string): AgentRunResult {
    this.setStatus(final);
    // Runs that keep their cost current have it already; older ones set it here, once.
    if (this.labels.current) this.showCost();
    else this.labels.always([{ key: CostUsdKey, value: this.costUsd }]);
    return {
      status: final,
      answer,
      steps: this.step,
      usage: this.usage,
      costUsd: this.costUsd,
      toolCalls: this.records,
      model: this.answeredBy ?? this.gate?.model ?? this.spec!.model,
      budgetStop: this.budgetStop,
    };
  }

  spent(): RunSpent {
    return { compensations: this.compensations, irreversible: this.irreversible, costUsd: this.costUsd, usage: this.usage };
  }
}
