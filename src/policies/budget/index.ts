/** Budgets: limits per tenant, agent and run, enforced by a Postgres ledger with reserve → commit/release. */
export { BudgetConfigSchema, BudgetLimitsSchema, parseBudgetConfig, TenantBudgetSchema } from './config';
export type { BudgetConfig, BudgetConfigInput, BudgetLimits, TenantBudget } from './config';
export { alertEvents } from './alerts';
export { BudgetExceededError } from './errors';
export { estimateCallCost, estimateChainCost } from './estimate';
export type { CostEstimate, EstimableRequest } from './estimate';
export { BudgetLedger } from './ledger';
export type { AttemptRef, BudgetAlert, BudgetCall, BudgetLedgerOptions, CommitResult, CounterReport, Remaining, Reservation, Spend } from './types';
export { countersFor, describeScope, periodsOf } from './scopes';
export type { BudgetScope, BudgetUnit, CounterLimits, CounterSpec, ScopeKind, SpendContext } from './scopes';
