/**
 * The agent's budget policy, applied when a model call fails with `BudgetExceeded`:
 * `stop` with the answer so far, `downgrade` to a cheaper model (once), or `pause` until a
 * person raises the budget with the `raiseBudget` update. The ledger in the worker
 * decides; this module only decides what the run does next, so it is all in history.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { condition, setHandler } from '@temporalio/workflow';
import type { AgentSpec } from '../../shared/agent-spec';
import { FailureType } from '../../shared/failures';
import type { PolicyEvent } from '../../shared/policy-events';
import type { BudgetPause, RaiseBudgetInput } from '../../shared/run-types';
import { raiseBudgetUpdate } from './definitions';

/** The `BudgetExceeded` failure inside an activity failure, if that is what it is. */
export function budgetExceeded(err: unknown): ApplicationFailure | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === FailureType.BudgetExceeded) return err.cause;
  return undefined;
}

export type BudgetDecision = { action: 'retry' } | { action: 'stop'; reason: string; scope: string };

export class BudgetGate {
  /** The model the run calls now: the agent's, or its downgrade. */
  model: string;
  /** A cap a person set for this run; replaces the configured run cap. */
  runCapRaisedUsd: number | undefined;
  pause: BudgetPause | undefined;
  private raised: RaiseBudgetInput | undefined;

  constructor(
    private readonly spec: AgentSpec,
    carried: { model?: string; runCapRaisedUsd?: number },
    private readonly emit: (e: PolicyEvent) => void,
    private readonly onPause: (paused: boolean) => void,
  ) {
    this.model = carried.model ?? spec.model;
    this.runCapRaisedUsd = carried.runCapRaisedUsd;
    setHandler(
      raiseBudgetUpdate,
      (input) => {
        this.raised = input;
        if (input.runCapUsd !== undefined) this.runCapRaisedUsd = input.runCapUsd;
        return { resumed: true as const, runCapUsd: input.runCapUsd };
      },
      {
        validator: (input) => {
          if (!this.pause) throw new Error('the run is not paused for budget');
          const cap = input?.runCapUsd;
          if (cap !== undefined && !(typeof cap === 'number' && Number.isFinite(cap) && cap > 0)) {
            throw new Error(`runCapUsd must be a positive number of USD, got ${JSON.stringify(cap)}`);
          }
        },
      },
    );
  }

  /** What the run does after `failure`, a `BudgetExceeded` from the model call of `step`. */
  async onExceeded(failure: ApplicationFailure, step: number): Promise<BudgetDecision> {
    const reason = failure.message;
    // The ledger names the scope that ran out in the failure's details.
    const scope = (failure.details?.[0] as { scope?: { kind?: string } } | undefined)?.scope?.kind ?? 'unknown';
    this.emit({ kind: 'budget_exceeded', detail: reason });
    const { onExceeded, downgradeTo } = this.spec.budget ?? { onExceeded: 'stop' };
    if (onExceeded === 'downgrade' && downgradeTo && this.model !== downgradeTo) {
      this.emit({ kind: 'budget_downgrade', detail: `${this.model} → ${downgradeTo}` });
      this.model = downgradeTo;
      return { action: 'retry' };
    }
    // A flow's budget is part of its spec: no person can raise it for a waiting run, so the run stops.
    if (onExceeded === 'pause' && scope !== 'flow') {
      this.pause = { step, reason };
      this.raised = undefined;
      this.emit({ kind: 'budget_paused', detail: reason });
      this.onPause(true);
      await condition(() => this.raised !== undefined);
      const by = this.raised!.by ?? 'a person';
      this.emit({ kind: 'budget_resumed', detail: `by ${by}${this.raised!.runCapUsd !== undefined ? `; run cap now $${this.raised!.runCapUsd}` : ''}` });
      this.pause = undefined;
      this.onPause(false);
      return { action: 'retry' };
    }
    return { action: 'stop', reason, scope };
  }
}
