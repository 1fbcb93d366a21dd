/**
 * `flowRun`: runs a flow spec — agent runs as child workflows, conditions, parallel
 * groups, maps, loops and people — as one durable workflow. Nodes start as soon as every
 * edge into them is settled and at least one of those edges was taken; the rest are
 * `not_taken`. One trail of decisions and one budget cover the whole tree.
 */
import { ApplicationFailure } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { describeCondition, evaluateCondition, renderTemplate } from '../../shared/flow-expr';
import { flowGraph, topLevel, type FlowEdge, type FlowGraph } from '../../shared/flow-graph';
import type { FlowCondition, FlowRunInput, FlowRunResult, FlowSpec } from '../../shared/flow-types';
import { FailureType } from '../../shared/failures';
import { AgentStatusKey, CostUsdKey, FlowNameKey, TenantIdKey } from '../../shared/search-attributes';
import { SearchLabels, WEB_UI_LABELS_PATCH } from '../search-labels';
import { FlowBook, SETTLED } from './flow-book';
import { flowStateQuery } from './definitions';
import { flowDetails } from './flow-details';
import { EscalationDesk } from './flow-escalations';
import { failureMessage } from '../failure-message';
import { NodeRunner } from './flow-nodes';

const { validateFlow } = wf.proxyLocalActivities<Activities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 3 } });

type Decision = { run: true; taken: FlowEdge[] } | { run: false; reason: string } | undefined;

export async function flowRun(input: FlowRunInput): Promise<FlowRunResult> {
  const labels = new SearchLabels(wf.patched(WEB_UI_LABELS_PATCH));
  const book = new FlowBook(input.spec, input);
  const desk = new EscalationDesk((nodeId, waiting) => book.waiting(nodeId, waiting), input.tenantId);
  wf.setHandler(flowStateQuery, () => book.view(desk.pending));
  book.watch(() => {
    const state = book.view(desk.pending);
    labels.update([
      { key: TenantIdKey, value: input.tenantId },
      ...(book.name ? [{ key: FlowNameKey, value: book.name }] : []),
      { key: AgentStatusKey, value: state.status },
      { key: CostUsdKey, value: state.costUsd },
    ]);
    wf.setCurrentDetails(flowDetails(wf.workflowInfo().workflowId, state));
  });

  let spec: FlowSpec;
  try {
    spec = await validateFlow.executeWithOptions({ summary: 'validate the flow spec' }, [input.spec]);
  } catch (err) {
    const message = failureMessage(err);
    book.finish('failed', message);
    // The flow's own failure says what is wrong with the spec, not "activity failed".
    const invalid = err instanceof wf.ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === FailureType.InvalidFlowSpec;
    throw invalid ? ApplicationFailure.nonRetryable(message, FailureType.InvalidFlowSpec) : err;
  }
  book.begin(spec);
  const graph = flowGraph(spec);
  const runner = new NodeRunner(spec, book, desk, input.tenantId, labels.current, input.requestedBy);
  const nodes = new wf.CancellationScope();
  const inflight = new Map<string, Promise<void>>();
  let failure: unknown;
  let changed = false;

  const launch = (id: string): void => {
    const done = nodes.run(() => runner.run(id)).then(
      () => undefined,
      (err: unknown) => {
        if (failure === undefined) {
          failure = err;
          nodes.cancel(); // a failed flow stops its other running nodes (which compensate)
        }
      },
    );
    inflight.set(
      id,
      done.finally(() => {
        inflight.delete(id);
        changed = true;
      }),
    );
  };

  try {
    for (;;) {
      if (failure === undefined) startReady(spec, graph, book, launch);
      if (inflight.size === 0) break;
      changed = false;
      await wf.condition(() => changed);
    }
  } catch (err) {
    // The flow was cancelled: its running nodes are being cancelled too; let them finish compensating.
    await wf.CancellationScope.nonCancellable(() => Promise.all(inflight.values()));
    book.finish('cancelled', failureMessage(err));
    throw err;
  }
  if (failure !== undefined) {
    const message = failureMessage(failure);
    book.finish(wf.isCancellation(failure) ? 'cancelled' : 'failed', message);
    if (wf.isCancellation(failure)) throw failure;
    throw ApplicationFailure.create({ type: FailureType.FlowFailed, message: `flow ${spec.name} failed: ${message}`, nonRetryable: true, cause: failure as Error });
  }
  const answer = spec.output ? renderTemplate(spec.output, book.scope()) : book.lastAnswer(graph.ids);
  book.answer = answer;
  book.finish(book.overBudget ? 'budget_exceeded' : 'completed', answer);
  return book.result(answer);
}

/** Starts every top-level node that is ready, settling those that will never run, until nothing changes. */
function startReady(spec: FlowSpec, graph: FlowGraph, book: FlowBook, launch: (id: string) => void): void {
  for (let progress = true; progress; ) {
    progress = false;
    for (const id of topLevel(graph)) {
      if (book.statusOf(id) !== 'pending') continue;
      const d = decide(spec, graph, book, id);
      if (!d) continue;
      progress = true;
      if (!d.run) {
        book.settle(id, { status: 'not_taken', answer: '', costUsd: 0 }, d.reason);
      } else if (book.overBudget) {
        book.settle(id, { status: 'skipped', answer: '', costUsd: 0 }, 'budget exceeded');
      } else {
        for (const e of d.taken.filter((x) => x.when)) {
          const why = e.when === 'otherwise' ? 'otherwise' : describeCondition(e.when!, e.from);
          book.note('branch', `${e.from} → ${id} (${why})`, e.from);
        }
        launch(id);
      }
    }
  }
}

/** Whether node `id` runs now, never, or not yet (undefined). */
function decide(spec: FlowSpec, graph: FlowGraph, book: FlowBook, id: string): Decision {
  const ins = graph.incoming.get(id) ?? [];
  if (ins.some((e) => !SETTLED.has(book.statusOf(e.from)))) return undefined;
  const taken = ins.filter((e) => isTaken(graph, book, e));
  if (ins.length > 0 && taken.length === 0) return { run: false, reason: `no edge into it was taken (from ${ins.map((e) => e.from).join(', ')})` };
  const when = spec.nodes[id]!.when;
  if (when && !evaluateCondition(when, (n) => book.outputs[n], id)) return { run: false, reason: `when: ${describeCondition(when, id)} is false` };
  return { run: true, taken };
}

/** Whether an edge from a settled node is taken. */
function isTaken(graph: FlowGraph, book: FlowBook, e: FlowEdge): boolean {
  const status = book.statusOf(e.from);
  if (e.kind === 'timeout') return status === 'timed_out';
  // A skipped node lets the flow go on without its output.
  if (status !== 'completed' && status !== 'skipped') return false;
  if (e.when === undefined) return true;
  const holds = (c: FlowCondition) => evaluateCondition(c, (n) => book.outputs[n], e.from);
  if (e.when !== 'otherwise') return holds(e.when);
  const conditional = (graph.outgoing.get(e.from) ?? []).flatMap((x) => (x.kind === 'next' && typeof x.when === 'object' ? [x.when] : []));
  return !conditional.some(holds);
}
