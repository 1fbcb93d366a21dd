/**
 * Which budget counters a call touches and what their limits are. Pure: the ledger locks
 * and updates the rows these keys name.
 */
import type { FlowBudget } from '../../shared/run-types';
import type { BudgetConfig, BudgetLimits } from './config';

/** What a counter counts: a whole tenant, one agent of a tenant, one run, or every run of one flow (workflow ids). */
export type ScopeKind = 'tenant' | 'agent' | 'run' | 'flow';

/** The unit a limit is in. */
export type BudgetUnit = 'usd' | 'tokens';

/**
 * One budget counter row: a scope in a period. `subject` is `''` for a tenant, the agent
 * name, or the run's or flow's workflow id; `period` is `day:YYYY-MM-DD`, `month:YYYY-MM`
 * (UTC) or `run` (for runs and flows).
 */
export interface BudgetScope {
  tenantId: string;
  kind: ScopeKind;
  subject: string;
  period: string;
}

/** Limits on one counter; absent means unlimited. */
export interface CounterLimits {
  usd?: number;
  tokens?: number;
}

/** A counter a call is charged to, with its limits under the current configuration. */
export interface CounterSpec {
  scope: BudgetScope;
  limits: CounterLimits;
}

/** Who is spending: enough to name every counter a call is charged to. */
export interface SpendContext {
  tenantId: string;
  /** Agent name; agent limits apply only when given. */
  agent?: string;
  /** The run; its counter exists only when some run cap applies. */
  workflowId: string;
  /** A cap for this run only (e.g. from the run's input). It can tighten the configured cap, never loosen it. */
  runCapUsd?: number;
  runCapTokens?: number;
  /** A person raised this run's USD cap (e.g. to resume a paused run): it replaces the configured cap. */
  runCapRaisedUsd?: number;
  /** The flow this run belongs to and the flow's budget, which all its runs share. */
  flowBudget?: FlowBudget;
}

/** UTC day and month period keys of `ms`. */
export function periodsOf(ms: number): { day: string; month: string } {
  const iso = new Date(ms).toISOString();
  return { day: `day:${iso.slice(0, 10)}`, month: `month:${iso.slice(0, 7)}` };
}

/** The counters a call made at `nowMs` is charged to, in a stable order, with their limits. */
export function countersFor(config: BudgetConfig, ctx: SpendContext, nowMs: number): CounterSpec[] {
  const { day, month } = periodsOf(nowMs);
  const tenant = own(config.tenants, ctx.tenantId);
  const agent = ctx.agent === undefined ? undefined : own(tenant?.agents, ctx.agent);
  const specs: CounterSpec[] = [
    { scope: { tenantId: ctx.tenantId, kind: 'tenant', subject: '', period: day }, limits: dailyOf(tenant) },
    { scope: { tenantId: ctx.tenantId, kind: 'tenant', subject: '', period: month }, limits: monthlyOf(tenant) },
  ];
  if (ctx.agent !== undefined) {
    specs.push(
      { scope: { tenantId: ctx.tenantId, kind: 'agent', subject: ctx.agent, period: day }, limits: dailyOf(agent) },
      { scope: { tenantId: ctx.tenantId, kind: 'agent', subject: ctx.agent, period: month }, limits: monthlyOf(agent) },
    );
  }
  const run = runLimits(config, tenant, agent, ctx);
  if (run.usd !== undefined || run.tokens !== undefined) {
    specs.push({ scope: { tenantId: ctx.tenantId, kind: 'run', subject: ctx.workflowId, period: 'run' }, limits: run });
  }
  const flow = ctx.flowBudget;
  if (flow) specs.push({ scope: { tenantId: ctx.tenantId, kind: 'flow', subject: flow.flowId, period: 'run' }, limits: { usd: flow.usd } });
  return specs;
}

/**
 * Limits of an existing counter under the current configuration. A reservation made
 * before midnight is committed to the day it was reserved in, so limits are looked up by
 * the counter's kind and period kind, not by today's period.
 */
export function limitsOf(config: BudgetConfig, ctx: SpendContext, scope: BudgetScope): CounterLimits {
  const tenant = own(config.tenants, scope.tenantId);
  if (scope.kind === 'flow') return ctx.flowBudget?.flowId === scope.subject ? { usd: ctx.flowBudget.usd } : {};
  if (scope.kind === 'run') return runLimits(config, tenant, ctx.agent === undefined ? undefined : own(tenant?.agents, ctx.agent), ctx);
  const limits = scope.kind === 'tenant' ? tenant : own(tenant?.agents, scope.subject);
  return scope.period.startsWith('day:') ? dailyOf(limits) : monthlyOf(limits);
}

/** A stable string for maps and sorting. */
export function scopeId(scope: BudgetScope): string {
  return `${scope.kind}\u0000${scope.subject}\u0000${scope.period}`;
}

/** How people read a scope, e.g. `tenant "acme" day:2025-01-02` or `agent "acme/support" month:2025-01`. */
export function describeScope(scope: BudgetScope): string {
  if (scope.kind === 'tenant') return `tenant "${scope.tenantId}" ${scope.period}`;
  if (scope.kind === 'agent') return `agent "${scope.tenantId}/${scope.subject}" ${scope.period}`;
  if (scope.kind === 'flow') return `flow "${scope.subject}"`;
  return `run "${scope.subject}"`;
}

/** `record[key]` when the record has that key itself: a tenant or agent named `constructor` is not `Object`. */
function own<V>(record: Record<string, V> | undefined, key: string): V | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

function dailyOf(limits: BudgetLimits | undefined): CounterLimits {
  return defined({ usd: limits?.dailyUsd, tokens: limits?.dailyTokens });
}

function monthlyOf(limits: BudgetLimits | undefined): CounterLimits {
  return defined({ usd: limits?.monthlyUsd, tokens: limits?.monthlyTokens });
}

/** The most specific configured run cap, tightened (never loosened) by the run's own cap, unless a person raised it. */
function runLimits(config: BudgetConfig, tenant: BudgetLimits | undefined, agent: BudgetLimits | undefined, ctx: SpendContext): CounterLimits {
  const usd = agent?.runCapUsd ?? tenant?.runCapUsd ?? config.defaultRunCapUsd;
  const tokens = agent?.runCapTokens ?? tenant?.runCapTokens ?? config.defaultRunCapTokens;
  return defined({ usd: ctx.runCapRaisedUsd ?? minDefined(usd, ctx.runCapUsd), tokens: minDefined(tokens, ctx.runCapTokens) });
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function defined(limits: { usd: number | undefined; tokens: number | undefined }): CounterLimits {
  const out: CounterLimits = {};
  if (limits.usd !== undefined) out.usd = limits.usd;
  if (limits.tokens !== undefined) out.tokens = limits.tokens;
  return out;
}
