/**
 * `agentRun`: the reasoning loop of one agent as a Temporal workflow. Model step → tool
 * calls (independent ones in parallel, approvals where required) → results back to the
 * model, until a final answer or the step limit; a handoff gives the conversation to
 * another agent; a long run continues as new. On failure or cancellation, the compensable
 * tool calls are undone in reverse order. The run's state lives in its AgentRunBook.
 */
import { ApplicationFailure } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { pinnedOf, type AgentSpec } from '../../shared/agent-spec';
import { FailureType } from '../../shared/failures';
import type { AgentRunInput, AgentRunResult } from '../../shared/run-types';
import { AgentNameKey, AgentStatusKey, CostUsdKey, TenantIdKey } from '../../shared/search-attributes';
import { AgentRunBook } from './agent-run-book';
import { ApprovalDesk } from './approvals';
import { BudgetGate } from './budget-gate';
import { stateQuery } from './definitions';
import { failureMessage } from '../failure-message';
import { Handoffs, mergeHandoff, openingMessages } from './handoff';
import { modelStep } from './model-step';
import { throughOutages } from '../outages';
import { runDetails } from './run-details';
import { compensateAll, describeCompensation } from './saga';
import { SearchLabels, WEB_UI_LABELS_PATCH } from '../search-labels';
import { ToolCalls } from './tool-calls';

const { resolveAgent } = wf.proxyLocalActivities<Activities>({ startToCloseTimeout: '10s' });
const { compensateTool } = wf.proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  heartbeatTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 5 },
});

/** Default history size after which a run continues as new. */
export const DEFAULT_HISTORY_EVENT_LIMIT = 10_000;

export async function agentRun(input: AgentRunInput): Promise<AgentRunResult> {
  // Runs started before this marker keep their recorded behaviour on replay: tool calls
  // cancelled with the run, saga entries only after success, the old idempotency keys.
  const guarded = wf.patched('saga-before-effects');
  const book = new AgentRunBook(input, new SearchLabels(wf.patched(WEB_UI_LABELS_PATCH)));
  const approvals = new ApprovalDesk(
    () => book.setStatus(approvals.pending.length ? 'waiting_approval' : 'running'),
    () => ({ tenantId: input.tenantId, requestedBy: input.requestedBy, fourEyes: book.spec?.approval.fourEyes === true }),
  );
  const handoffs = new Handoffs(input, book.labels.current);
  const view = () => book.view(approvals.pending, handoffs.requested?.to);
  wf.setHandler(stateQuery, view);
  book.watch(() => wf.setCurrentDetails(runDetails(wf.workflowInfo().workflowId, view())));

  try {
    const agent = book.spec ?? (await begin(book, input));
    const pinned = pinnedOf(agent); // the agent as this run started with it, for every model step
    const budget = new BudgetGate(agent, { model: input.carry?.model, runCapRaisedUsd: input.carry?.runCapRaisedUsd }, (e) => book.note(e), (paused) => book.setStatus(paused ? 'waiting_budget' : 'running'));
    book.gate = budget;
    const calls = new ToolCalls(book, approvals, handoffs, input, guarded);
    const maxSteps = input.maxSteps ?? agent.maxSteps;
    for (;;) {
      if (book.step >= maxSteps) return book.finish('max_steps', book.lastAnswer() ?? `Stopped after ${maxSteps} steps without a final answer.`);
      book.step += 1;
      if (guarded) book.fitConversation();
      const outcome = await modelStep(book, agent, pinned, budget, input);
      if ('stop' in outcome) return book.finish('budget_exceeded', book.lastAnswer() ?? `Stopped before an answer: ${outcome.stop}.`);
      if ('again' in outcome) {
        book.step -= 1; // the same step again, on the downgraded model or the raised budget
        continue;
      }
      const res = outcome.answer;
      if (res.invalidOutput && book.step < maxSteps) {
        // The answer broke the agent's output schema: say what was wrong and ask again.
        book.messages.push({ role: 'user', content: `Your answer does not match the required output schema (${res.invalidOutput}). Reply again with JSON that matches it, and nothing else.` });
        continue;
      }
      if (res.plans.length === 0) return book.finish('completed', res.message.content ?? '');
      book.messages.push(...(await calls.run(agent, res.plans)));
      if (handoffs.requested) {
        const child = await handoffs.run(agent.name, book.messages, book.step);
        return mergeHandoff(book.finish(child.status, child.answer), child, handoffs.requested.to);
      }
      if (shouldContinueAsNew(input)) {
        await wf.condition(wf.allHandlersFinished);
        if (guarded) book.fitConversation();
        return await wf.continueAsNew<typeof agentRun>({ ...input, carry: book.carry() });
      }
    }
  } catch (err) {
    if (err instanceof wf.ContinueAsNew) throw err;
    throw await undo(book, input, err);
  }
}

/** The first run of a workflow: resolve the agent, label the run for the Web UI, open the conversation. */
async function begin(book: AgentRunBook, input: AgentRunInput): Promise<AgentSpec> {
  const spec = await resolveAgent.executeWithOptions({ summary: `resolve agent ${input.agent}` }, [input.agent]);
  book.spec = spec;
  book.labels.always([
    { key: AgentNameKey, value: spec.name },
    { key: TenantIdKey, value: input.tenantId },
    { key: AgentStatusKey, value: 'running' },
    // From its start, so sorting and filtering by cost finds every run.
    ...(book.labels.current ? [{ key: CostUsdKey, value: 0 }] : []),
  ]);
  book.messages.push(...openingMessages(spec, input));
  return spec;
}

function shouldContinueAsNew(input: AgentRunInput): boolean {
  const info = wf.workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= (input.historyEventLimit ?? DEFAULT_HISTORY_EVENT_LIMIT);
}

/** After a failure or cancellation: undoes the saga, newest first, and returns the failure the run ends with. */
async function undo(book: AgentRunBook, input: AgentRunInput, err: unknown): Promise<Error> {
  const cancelled = wf.isCancellation(err);
  book.lastError = failureMessage(err);
  if (book.saga.length) {
    book.setStatus('compensating');
    await compensateAll(
      book.saga,
      (e) =>
        throughOutages(`compensate ${e.tool}`, () =>
          compensateTool.executeWithOptions({ summary: `compensate ${e.tool}` }, [
            { agent: book.spec!.name, tool: e.tool, callId: e.callId, args: e.args, result: e.result, tenantId: input.tenantId, idempotencyKey: e.idempotencyKey, ...(e.outcome ? { outcome: e.outcome } : {}) },
          ]),
        ),
      (o) => {
        book.compensations.push(o);
        const rec = book.records.find((r) => r.callId === o.callId && r.status === 'succeeded');
        if (rec && o.status !== 'not_executed') rec.status = o.status === 'compensated' ? 'compensated' : 'compensation_failed';
      },
    );
  }
  // A run stopped before its agent resolved (cancelled at once, or an unknown agent) still
  // tells the Web UI which agent and tenant it was started for.
  if (!book.spec) book.labels.update([{ key: AgentNameKey, value: input.agent }, { key: TenantIdKey, value: input.tenantId }]);
  book.showCost();
  book.setStatus(cancelled ? 'cancelled' : 'failed');
  const summary = describeCompensation(book.compensations, book.irreversible);
  // What the run spent before it stopped rides along: a flow or batch running it adds it to its own cost.
  if (cancelled) return new wf.CancelledFailure(`run cancelled; ${summary}`, [book.spent()]);
  return ApplicationFailure.create({
    type: FailureType.AgentRunFailed,
    message: `agent run failed: ${book.lastError}; ${summary}`,
    nonRetryable: true,
    details: [book.spent()],
    cause: err as Error,
  });
}
