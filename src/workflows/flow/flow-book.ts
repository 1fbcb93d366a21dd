/**
 * The record a flow keeps of itself: each node's status, output and runs, the shared
 * budget, and the trail of decisions. The `state` query reads it; templates and
 * conditions read node outputs from it; the search attributes and the Web UI page follow
 * its changes. Deterministic workflow code: times come from the workflow clock.
 */
import { preview, type FlowScope } from '../../shared/flow-expr';
import type {
  FlowChildRun,
  FlowNodeOutput,
  FlowNodeState,
  FlowNodeStatus,
  FlowRunInput,
  FlowRunResult,
  FlowSpec,
  FlowState,
  FlowStatus,
  FlowTrailEntry,
  PendingEscalation,
} from '../../shared/flow-types';
import { addUsage, ZERO_USAGE, type Usage } from '../../shared/messages';

/** Statuses after which a node never changes again (for scheduling). */
export const SETTLED: ReadonlySet<FlowNodeStatus> = new Set(['completed', 'skipped', 'not_taken', 'timed_out', 'failed', 'cancelled']);

const now = (): string => new Date().toISOString();

export class FlowBook {
  status: FlowStatus = 'running';
  costUsd = 0;
  usage: Usage = ZERO_USAGE;
  /** Set once the runs cost more than the spec's budget: no further node starts. */
  overBudget = false;
  answer?: string;
  lastError?: string;
  /** The flow's name once its spec is valid; before, the spec's name is whatever the caller sent. */
  name?: string;
  readonly trail: FlowTrailEntry[] = [];
  /** Results of settled nodes, by id: what `{{nodes.<id>…}}` and conditions read. */
  readonly outputs: Record<string, FlowNodeOutput> = {};
  private readonly nodes = new Map<string, FlowNodeState>();
  private onChange: () => void = () => undefined;

  /**
   * A book for the spec as the flow was given it, so the `state` query answers even while
   * (or after) validation fails; {@link begin} switches it to the validated spec.
   */
  constructor(
    private spec: FlowSpec,
    private readonly input: FlowRunInput,
  ) {
    this.track(spec);
  }

  /** `show` runs now and after every change: a node's status or progress, the cost, the trail. */
  watch(show: () => void): void {
    this.onChange = show;
    show();
  }

  /** The validated spec (defaults filled in) takes over; its nodes start pending. */
  begin(spec: FlowSpec): void {
    this.spec = spec;
    this.name = spec.name;
    this.nodes.clear();
    this.track(spec);
    this.note('started', `flow ${spec.name} started: ${this.input.input}`);
  }

  private track(spec: FlowSpec): void {
    // Tolerates an unvalidated spec: the query must answer even when validation fails.
    const nodes = typeof spec?.nodes === 'object' && spec.nodes !== null ? spec.nodes : {};
    for (const [id, node] of Object.entries(nodes)) {
      const agent = typeof node === 'object' && node !== null && 'agent' in node ? node.agent : undefined;
      this.nodes.set(id, { id, type: node?.type ?? 'agent', status: 'pending', ...(agent ? { agent } : {}), costUsd: 0, runs: [] });
    }
  }

  node(id: string): FlowNodeState {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`flow has no node "${id}"`);
    return n;
  }

  statusOf(id: string): FlowNodeStatus {
    return this.node(id).status;
  }

  note(event: FlowTrailEntry['event'], detail: string, node?: string): void {
    this.trail.push({ at: now(), ...(node ? { node } : {}), event, detail });
    this.onChange();
  }

  start(id: string): void {
    const n = this.node(id);
    n.status = 'running';
    n.startedAt = now();
    this.note('node_started', `${id} started${n.agent ? ` (agent ${n.agent})` : ''}`, id);
  }

  waiting(id: string, yes: boolean): void {
    this.node(id).status = yes ? 'waiting' : 'running';
    this.onChange();
  }

  progress(id: string, text: string): void {
    this.node(id).progress = text;
    this.onChange();
  }

  /** Node `id` failed with `error` and its fallback node `fallback` ran in its place. */
  fellBack(id: string, fallback: string, error: string): void {
    const n = this.node(id);
    n.fallback = fallback;
    n.error = error;
  }

  /**
   * A node is done for good; its output becomes visible to later nodes. `error` says why it
   * did not complete; without it, a skipped output's reason is kept unless a fallback's is.
   */
  settle(id: string, output: FlowNodeOutput, error?: string): void {
    const n = this.node(id);
    n.status = output.status;
    n.error = error ?? n.error ?? output.error;
    n.endedAt = now();
    if (output.answer) n.summary = preview(output.answer);
    this.outputs[id] = output;
    if (output.status === 'timed_out') return; // the escalation noted which path it takes
    const event = output.status === 'completed' ? 'node_completed' : output.status === 'skipped' || output.status === 'not_taken' ? output.status : 'failed';
    const via = n.fallback ? ` (fallback ${n.fallback} used)` : '';
    const why = output.status === 'completed' ? (n.summary ? `: ${n.summary}` : '') : n.error ? `: ${n.error}` : '';
    this.note(event, `${id} ${output.status.replace('_', ' ')}${via}${why}`, id);
  }

  /** Records a child run of a node; {@link endRun} records how it ended. */
  addRun(id: string, run: FlowChildRun): FlowChildRun {
    this.node(id).runs.push(run);
    return run;
  }

  /** How a child run ended (its cost is charged separately, with {@link charge}). */
  endRun(run: FlowChildRun, outcome: Pick<FlowChildRun, 'status'> & Partial<Pick<FlowChildRun, 'costUsd' | 'handedOffTo' | 'error'>>): void {
    Object.assign(run, outcome);
  }

  /** Adds a child run's cost to the node and the flow, and trips the budget. */
  charge(id: string, costUsd: number, usage: Usage): void {
    this.node(id).costUsd += costUsd;
    this.costUsd += costUsd;
    this.usage = addUsage(this.usage, usage);
    this.onChange();
    const cap = this.spec.budgetUsd;
    if (cap !== undefined && this.costUsd > cap) this.budgetRanOut(id, `spent $${this.costUsd.toFixed(6)} of a $${cap} budget`);
  }

  /** The flow's budget ran out at node `id` (its runs cost more, or the ledger stopped one): no further nodes start. */
  budgetRanOut(id: string, reason: string): void {
    if (this.overBudget) return;
    this.overBudget = true;
    this.note('budget_exceeded', `${reason}: no further nodes start`, id);
  }

  /** What templates and conditions see now. */
  scope(extra: Partial<FlowScope> = {}): FlowScope {
    return { input: this.input.input, nodes: this.outputs, ...extra };
  }

  view(pendingEscalations: PendingEscalation[]): FlowState {
    return {
      flow: this.spec?.name ?? '',
      tenantId: this.input.tenantId,
      status: this.status === 'running' && pendingEscalations.length ? 'waiting' : this.status,
      nodes: [...this.nodes.values()],
      pendingEscalations,
      trail: this.trail,
      costUsd: this.costUsd,
      usage: this.usage,
      budgetUsd: this.spec?.budgetUsd,
      answer: this.answer,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** The answer of the last completed node in spec order: the flow's answer when the spec names none. */
  lastAnswer(ids: string[]): string {
    for (let i = ids.length - 1; i >= 0; i--) {
      const out = this.outputs[ids[i]!];
      if (out?.status === 'completed' && out.answer) return out.answer;
    }
    return '';
  }

  finish(status: FlowStatus, detail: string): void {
    this.status = status;
    if (status === 'failed' || status === 'cancelled') this.lastError = detail;
    this.note(status === 'failed' || status === 'cancelled' ? 'failed' : 'completed', `flow ${status.replace('_', ' ')}: ${preview(detail)}`);
  }

  result(answer: string): FlowRunResult {
    const nodes: FlowRunResult['nodes'] = {};
    for (const [id, n] of this.nodes) {
      const out = this.outputs[id];
      nodes[id] = { status: n.status, ...(out?.answer ? { answer: out.answer } : {}), ...(out?.output !== undefined ? { output: out.output } : {}) };
    }
    return { flow: this.spec.name, status: this.overBudget ? 'budget_exceeded' : 'completed', answer, nodes, costUsd: this.costUsd, usage: this.usage, trail: this.trail };
  }
}
