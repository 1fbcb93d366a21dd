/** Public shapes of the budget ledger. Plain JSON, so results can cross into workflow history. */
import type pg from 'pg';
import type { CounterState } from './counters';
import type { BudgetConfig } from './config';
import type { BudgetScope, BudgetUnit, CounterLimits, SpendContext } from './scopes';

/** One attempt of one model-call activity, as Temporal's activity info names it. */
export interface AttemptRef {
  workflowId: string;
  activityId: string;
  /** 1-based, as in `Context.current().info.attempt`. */
  attempt: number;
}

/** An attempt and who it spends for. */
export interface BudgetCall extends AttemptRef, SpendContext {}

/** An amount of spend: USD and, optionally, total tokens. */
export interface Spend {
  usd: number;
  tokens?: number;
}

/** Headroom left, as the smallest over every limited scope; absent means unlimited. */
export interface Remaining {
  usd?: number;
  tokens?: number;
}

/** The state of an attempt's reservation after {@link BudgetLedger.reserve}. */
export interface Reservation {
  /** `reserved` is the normal case; a repeated reserve returns whatever state the attempt already reached. */
  status: 'reserved' | 'committed' | 'released' | 'superseded';
  /** True when this attempt had reserved before and nothing changed. */
  duplicate: boolean;
  heldUsd: number;
  heldTokens: number;
  /** Earlier attempts of the same activity whose holds this reservation released. */
  supersededAttempts: number[];
  remaining: Remaining;
}

/** A budget threshold crossed by a commit. Each threshold fires once per scope and period. */
export interface BudgetAlert {
  scope: BudgetScope;
  unit: BudgetUnit;
  /** Percent of the limit: 80 or 100. */
  threshold: 80 | 100;
  limit: number;
  spent: number;
}

/** What {@link BudgetLedger.commit} charged. */
export interface CommitResult {
  /** True when this attempt was already committed; nothing was charged again. */
  duplicate: boolean;
  chargedUsd: number;
  chargedTokens: number;
  /** Thresholds this commit crossed, for the caller to log or emit. */
  alerts: BudgetAlert[];
}

/** One counter with its limits, for reports. */
export interface CounterReport extends CounterState {
  limits: CounterLimits;
}

/** Options of {@link BudgetLedger}. */
export interface BudgetLedgerOptions {
  pool: pg.Pool;
  /** Validated limits (see `parseBudgetConfig`). */
  config: BudgetConfig;
  /** Milliseconds since the epoch; decides the UTC day and month a call is charged to. */
  clock?: () => number;
}
