/**
 * Runs one flow node to a settled status: agent nodes as child `agentRun` workflows (with
 * the node's timeout and retries), map and loop nodes as many such runs, parallel nodes
 * as their branches, escalation nodes as a wait for a person. A failure goes through the
 * node's policy: fail the flow, skip the node, or run its fallback node instead.
 */
import { ApplicationFailure } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import { durationMs } from '../../shared/duration';
import { evaluateCondition, getPath, parseOutput, renderTemplate, type FlowScope } from '../../shared/flow-expr';
import type { FlowAgentCall, FlowEscalationNode, FlowLoopNode, FlowMapNode, FlowNode, FlowNodeOutput, FlowParallelNode, FlowSpec } from '../../shared/flow-types';
import { FailureType } from '../../shared/failures';
import { ZERO_USAGE } from '../../shared/messages';
import type { agentRun } from '../agent/agent-run';
import { audit } from '../audit';
import { AGENT_RUN_WORKFLOW } from '../agent/definitions';
import { FlowNameKey } from '../../shared/search-attributes';
import { failureCost, failureMessage } from '../failure-message';
import { childLabels } from '../search-labels';
import { runWithTimeout } from '../timed-scope';
import type { FlowBook } from './flow-book';
import type { EscalationDesk } from './flow-escalations';

/** A node failed and its policy says the flow fails; `node` is the node whose policy decided. */
export class NodeFailed extends Error {
  override readonly name = 'NodeFailed';
  constructor(
    readonly node: string,
    readonly reason: string,
  ) {
    super(`node "${node}" failed: ${reason}`);
  }
}

const DEFAULT_MAP_CONCURRENCY = 4;
const DEFAULT_MAP_ITEMS = 50;

/** True when the scope the caller runs in was cancelled: the flow is stopping, not just a timeout firing. */
function stopping(): boolean {
  return wf.CancellationScope.current().consideredCancelled;
}

/** Cancels the rest of the node being executed (its other items or branches, which compensate). */
function cancelSiblings(): void {
  wf.CancellationScope.current().cancel();
}

/**
 * Flows recorded before the ledger held their budget neither charged a failed run's cost
 * nor stopped on a run's budget stop: both can change which nodes start, so replaying
 * such a flow keeps its recorded branch.
 */
const FLOW_BUDGET_LEDGER = 'flow-budget-ledger';

const empty = (status: FlowNodeOutput['status']): FlowNodeOutput => ({ status, answer: '', costUsd: 0 });

/** The key of a node's child run: the node id, plus the item or round it runs for (a fallback inherits them). */
function keyOf(id: string, extra: Partial<FlowScope>): string {
  return `${id}${extra.index !== undefined ? `/item-${extra.index}` : ''}${extra.loop ? `/round-${extra.loop.round}` : ''}`;
}

export class NodeRunner {
  constructor(
    private readonly spec: FlowSpec,
    private readonly book: FlowBook,
    private readonly desk: EscalationDesk,
    private readonly tenantId: string,
    /** The flow keeps its Web UI labels current (see search-labels.ts): its node runs carry its name. */
    private readonly labelled: boolean,
    /** The principal who asked for the flow: its agent runs carry it (four eyes). */
    private readonly requestedBy?: string,
  ) {}

  /** Runs node `id`; resolves with its output (possibly skipped or a fallback's), throws NodeFailed or a cancellation. */
  async run(id: string, extra: Partial<FlowScope> = {}): Promise<FlowNodeOutput> {
    const node = this.spec.nodes[id]!;
    this.book.start(id);
    let out: FlowNodeOutput;
    try {
      // Its own scope: when one item or branch fails, the node cancels the others (see cancelSiblings).
      out = await new wf.CancellationScope().run(() => this.execute(id, node, extra));
    } catch (err) {
      if (stopping()) {
        this.book.settle(id, empty('cancelled'));
        throw err;
      }
      try {
        // Map items and loop rounds already applied this node's policy.
        if (err instanceof NodeFailed && err.node === id) throw err;
        out = await this.recover(id, node, err, extra);
      } catch (final) {
        this.book.settle(id, empty(stopping() ? 'cancelled' : 'failed'), final instanceof NodeFailed ? final.reason : failureMessage(final));
        throw final;
      }
    }
    this.book.settle(id, out);
    return out;
  }

  private execute(id: string, node: FlowNode, extra: Partial<FlowScope>): Promise<FlowNodeOutput> {
    switch (node.type) {
      case 'agent':
        return this.callAgent(id, node, extra);
      case 'map':
        return this.runMap(id, node, extra);
      case 'loop':
        return this.runLoop(id, node, extra);
      case 'parallel':
        return this.runParallel(node, extra);
      case 'escalation':
        return this.escalate(id, node, extra);
    }
  }

  /** Applies the node's failure policy to `err`: an output to go on with, or NodeFailed. */
  private async recover(id: string, node: FlowNode, err: unknown, extra: Partial<FlowScope>): Promise<FlowNodeOutput> {
    const reason = err instanceof NodeFailed ? err.message : failureMessage(err);
    const policy = node.onFailure ?? 'fail';
    if (policy === 'fail') throw new NodeFailed(id, reason);
    if (policy === 'skip') return { ...empty('skipped'), error: reason };
    this.book.note('fallback', `${keyOf(id, extra)} failed (${reason}); running fallback ${policy.fallback}`, id);
    try {
      const out = await this.run(policy.fallback, extra);
      this.book.fellBack(id, policy.fallback, reason);
      return out;
    } catch (fallbackErr) {
      if (stopping()) throw fallbackErr;
      throw new NodeFailed(id, `${reason}; fallback "${policy.fallback}" failed too: ${failureMessage(fallbackErr)}`);
    }
  }

  /** One agent run as a child workflow, retried per the node's policy, each attempt within its timeout. */
  private async callAgent(id: string, call: FlowAgentCall, extra: Partial<FlowScope>): Promise<FlowNodeOutput> {
    const key = keyOf(id, extra);
    const input = renderTemplate(call.input ?? '{{input}}', this.book.scope(extra));
    const flowId = wf.workflowInfo().workflowId;
    const attempts = call.retry?.maximumAttempts ?? 1;
    for (let attempt = 1; ; attempt++) {
      // Derived ids: a replayed or resumed flow finds its children in history and never starts them twice.
      const workflowId = `${flowId}/${key}${attempt > 1 ? `/attempt-${attempt}` : ''}`;
      const run = this.book.addRun(id, { workflowId, agent: call.agent, attempt, status: 'running', costUsd: 0 });
      const start = () =>
        wf.executeChild<typeof agentRun>(AGENT_RUN_WORKFLOW, {
          workflowId,
          args: [
            {
              agent: call.agent,
              input,
              tenantId: this.tenantId,
              maxSteps: call.maxSteps,
              metadata: { flowId, flowNode: id },
              ...(this.requestedBy ? { requestedBy: this.requestedBy } : {}),
              // The ledger holds every model call of every run of this flow to its budget together.
              ...(this.spec.budgetUsd !== undefined ? { flowBudget: { flowId, usd: this.spec.budgetUsd } } : {}),
            },
          ],
          staticSummary: `flow ${this.spec.name} · ${key}: ${call.agent}`,
          ...(this.labelled ? { typedSearchAttributes: childLabels([{ key: FlowNameKey, value: this.spec.name }]) } : {}),
        });
      // The attempt's own scope: cancelled by its timeout, which tells a timeout from the flow stopping.
      const attemptScope = new wf.CancellationScope({ cancellable: true });
      try {
        const res = await runWithTimeout(attemptScope, call.timeout ? durationMs(call.timeout) : undefined, `timeout ${key} attempt ${attempt}: ${call.timeout}`, start);
        this.book.endRun(run, { status: res.status, costUsd: res.costUsd, ...(res.handedOffTo ? { handedOffTo: res.handedOffTo } : {}) });
        if (res.handedOffTo) this.book.note('handoff', `${call.agent} handed the conversation to ${res.handedOffTo}`, id);
        this.book.charge(id, res.costUsd, res.usage);
        if (res.budgetStop?.scope === 'flow' && wf.patched(FLOW_BUDGET_LEDGER)) this.book.budgetRanOut(id, res.budgetStop.reason);
        return { status: 'completed', answer: res.answer, output: parseOutput(res.answer), costUsd: res.costUsd };
      } catch (err) {
        // A run that failed or was cancelled may have spent money first: the flow pays for it too.
        const spent = failureCost(err);
        const charged = spent.costUsd > 0 && wf.patched(FLOW_BUDGET_LEDGER);
        if (charged) this.book.charge(id, spent.costUsd, spent.usage ?? ZERO_USAGE);
        const cost = charged ? { costUsd: spent.costUsd } : {};
        if (stopping()) {
          this.book.endRun(run, { status: 'cancelled', ...cost });
          throw err;
        }
        const timedOut = attemptScope.consideredCancelled;
        const status = timedOut ? 'timed_out' : 'failed';
        const error = timedOut ? `timed out after ${call.timeout}` : failureMessage(err);
        this.book.endRun(run, { status, error, ...cost });
        if (attempt >= attempts) throw ApplicationFailure.nonRetryable(error, timedOut ? FailureType.FlowNodeTimedOut : FailureType.FlowNodeFailed);
        const wait = durationMs(call.retry?.initialInterval ?? '1s') * (call.retry?.backoffCoefficient ?? 2) ** (attempt - 1);
        this.book.note('retry', `${key} attempt ${attempt} ${status.replace('_', ' ')}: ${error}; retrying in ${wait / 1000}s`, id);
        await wf.sleep(wait, { summary: `retry ${key}: attempt ${attempt + 1} of ${attempts}` });
      }
    }
  }

  /** An item or round: one agent run, with the node's failure policy applied to it alone. */
  private async unit(id: string, node: FlowMapNode | FlowLoopNode, call: FlowAgentCall, extra: Partial<FlowScope>): Promise<FlowNodeOutput> {
    try {
      return await this.callAgent(id, call, extra);
    } catch (err) {
      if (stopping()) throw err;
      const out = await this.recover(id, node, err, extra);
      if (out.status === 'skipped') this.book.note('skipped', `${keyOf(id, extra)} skipped: ${failureMessage(err)}`, id);
      return out;
    }
  }

  private async runMap(id: string, node: FlowMapNode, extra: Partial<FlowScope>): Promise<FlowNodeOutput> {
    const list = getPath(this.book.outputs[node.over.node], node.over.path);
    if (!Array.isArray(list)) throw ApplicationFailure.nonRetryable(`${node.over.node}.${node.over.path} is not a list`, FailureType.FlowNodeFailed);
    const max = node.maxItems ?? DEFAULT_MAP_ITEMS;
    if (list.length > max) throw ApplicationFailure.nonRetryable(`${list.length} items is more than maxItems (${max})`, FailureType.FlowNodeFailed);
    const results: FlowNodeOutput[] = [];
    const errors: unknown[] = [];
    let next = 0;
    let done = 0;
    this.book.progress(id, `0/${list.length} items`);
    // A fixed number of lanes, each taking the next item: at most maxConcurrency runs at once.
    const lane = async (): Promise<void> => {
      while (next < list.length && errors.length === 0) {
        const index = next++;
        try {
          results[index] = await this.unit(id, node, node, { ...extra, item: list[index], index });
        } catch (err) {
          if (errors.length === 0) cancelSiblings();
          errors.push(err);
        }
        this.book.progress(id, `${++done}/${list.length} items`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(node.maxConcurrency ?? DEFAULT_MAP_CONCURRENCY, list.length) }, lane));
    if (errors.length) throw errors[0];
    return {
      status: 'completed',
      answer: results.map((r) => r.answer).filter(Boolean).join('\n\n'),
      output: results.map((r) => (r.status === 'skipped' ? null : (r.output ?? r.answer))),
      costUsd: results.reduce((s, r) => s + r.costUsd, 0),
    };
  }

  private async runLoop(id: string, node: FlowLoopNode, extra: Partial<FlowScope>): Promise<FlowNodeOutput> {
    let previous: FlowNodeOutput | undefined;
    let cost = 0;
    for (let round = 1; round <= node.maxRounds; round++) {
      this.book.progress(id, `round ${round} of ${node.maxRounds}`);
      const call = { ...node, input: round === 1 ? node.input : (node.nextInput ?? node.input) };
      const out = await this.unit(id, node, call, { ...extra, loop: { round, ...(previous ? { previous } : {}) } });
      if (out.status === 'skipped') break; // a skipped round ends the loop with what the last one gave
      previous = out;
      cost += out.costUsd;
      const met = evaluateCondition(node.until, (n) => (n === id ? out : this.book.outputs[n]), id);
      this.book.note('round', `${id} round ${round}: ${met ? 'done' : round < node.maxRounds ? 'another round' : `stopping after ${node.maxRounds} rounds`}`, id);
      if (met) break;
    }
    return previous ? { ...previous, costUsd: cost } : empty('skipped');
  }

  private async runParallel(node: FlowParallelNode, extra: Partial<FlowScope>): Promise<FlowNodeOutput> {
    // allSettled: every branch lands (and is recorded, the others cancelled) before a failed one fails the group.
    const settled = await Promise.allSettled(
      node.branches.map((b) =>
        this.run(b, extra).catch((err: unknown) => {
          cancelSiblings();
          throw err;
        }),
      ),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const outs = settled.map((s) => (s as PromiseFulfilledResult<FlowNodeOutput>).value);
    return {
      status: 'completed',
      answer: outs.map((o) => o.answer).filter(Boolean).join('\n\n'),
      output: Object.fromEntries(node.branches.map((b, i) => [b, outs[i]!.output ?? outs[i]!.answer])),
      costUsd: outs.reduce((s, o) => s + o.costUsd, 0),
    };
  }

  private async escalate(id: string, node: FlowEscalationNode, extra: Partial<FlowScope>): Promise<FlowNodeOutput> {
    const prompt = renderTemplate(node.prompt, this.book.scope(extra));
    const since = new Date();
    const deadline = new Date(since.getTime() + durationMs(node.timeout)).toISOString();
    this.book.note('escalation_waiting', `${id} waits for ${node.assignee ?? 'a person'} until ${deadline}: ${prompt}`, id);
    const answer = await this.desk.wait({ nodeId: id, prompt, ...(node.assignee ? { assignee: node.assignee } : {}), since: since.toISOString(), deadline }, node.timeout);
    if (answer) {
      const who = answer.decidedBy ? `${answer.decidedBy.name} (${answer.decidedBy.role}, ${answer.decidedBy.id})` : (answer.by ?? 'someone');
      this.book.note('escalation_answered', `${id} answered by ${who}: ${answer.answer}`, id);
      // The answer itself is a person's text: the trail keeps its digest only.
      await audit({ tenantId: this.tenantId, kind: 'escalation_answer', principal: answer.decidedBy?.id ?? answer.by ?? 'unknown', detail: { nodeId: id, ...(answer.decidedBy ? { role: answer.decidedBy.role } : {}) }, data: { nodeId: id, answer: answer.answer, by: answer.decidedBy?.id ?? answer.by ?? null } });
      return { status: 'completed', answer: answer.answer, output: { answer: answer.answer, ...(answer.by ? { by: answer.by } : {}) }, ...(answer.by ? { by: answer.by } : {}), costUsd: 0 };
    }
    if (!node.onTimeout) throw ApplicationFailure.nonRetryable(`nobody answered within ${node.timeout}`, FailureType.EscalationTimedOut);
    this.book.note('escalation_timed_out', `${id}: nobody answered within ${node.timeout}; taking the escalation path to ${node.onTimeout}`, id);
    return empty('timed_out');
  }
}
