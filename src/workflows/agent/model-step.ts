/**
 * One model step of an agent run: the `callModel` activity with the run's pinned agent,
 * its ledger key and output bound, ridden through outages; the agent's budget policy when
 * the ledger refuses the call; and a charge Postgres could not take made durably before
 * the run goes on.
 */
import * as wf from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { CallModelResult } from '../../activities/model';
import { DEFAULT_MAX_OUTPUT_TOKENS, type AgentSpec, type PinnedAgent } from '../../shared/agent-spec';
import type { AgentRunInput } from '../../shared/run-types';
import type { AgentRunBook } from './agent-run-book';
import { budgetExceeded, type BudgetGate } from './budget-gate';
import { throughOutages } from '../outages';

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

/** The model's answer; `again` after the budget policy changed the model or a person raised the budget; `stop` when the budget ends the run. */
export type ModelStepOutcome = { answer: CallModelResult } | { again: true } | { stop: string };

export async function modelStep(book: AgentRunBook, agent: AgentSpec, pinned: PinnedAgent, budget: BudgetGate, input: AgentRunInput): Promise<ModelStepOutcome> {
  const step = book.step;
  const callKey = `${wf.workflowInfo().runId}/${++book.modelCalls}`;
  const role = input.metadata?.role;
  let res: CallModelResult;
  try {
    res = await throughOutages('model step', (callTry) =>
      callModel.executeWithOptions({ summary: `model ${budget.model} step ${step}` }, [
        {
          agent: agent.name,
          model: budget.model,
          messages: book.messages,
          temperature: agent.temperature,
          step,
          tenantId: input.tenantId,
          maxTokens: agent.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
          callKey,
          callTry,
          ...(input.handoff ? { handoffDepth: input.handoff.depth } : {}),
          pinned,
          ...(role ? { role } : {}),
          runCapUsd: agent.budget?.runCapUsd,
          runCapRaisedUsd: budget.runCapRaisedUsd,
          flowBudget: input.flowBudget,
        },
      ]),
    );
  } catch (err) {
    const exceeded = budgetExceeded(err);
    if (!exceeded) throw err;
    const decision = await budget.onExceeded(exceeded, step);
    if (decision.action !== 'stop') return { again: true };
    book.budgetStop = { scope: decision.scope, reason: decision.reason };
    return { stop: decision.reason };
  }
  book.keepRedactions(res);
  res.events?.forEach((e) => book.note(e));
  if (res.pendingCharge) {
    // The provider answered but Postgres could not take the charge: it is made now, durably,
    // before anything else; the money is spent, so this waits as long as the outage lasts.
    const pending = res.pendingCharge;
    const alerts = await throughOutages('budget charge', () => chargeModelCall.executeWithOptions({ summary: `charge model step ${step}` }, [pending]), Infinity);
    alerts.forEach((e) => book.note(e));
  }
  book.takeAnswer(res);
  return { answer: res };
}
