/**
 * Budget limits as people configure them: per tenant, per agent within a tenant, and a
 * per-run cap. Validated by zod at start-up; a bad value names its field path.
 */
import { z } from 'zod';
import { parsePolicyConfig } from '../config-parse';

const usd = z.number().finite().nonnegative();
const tokens = z.number().int().nonnegative();

/** Limits of one scope; every field is optional and absent means unlimited. */
export const BudgetLimitsSchema = z
  .object({
    dailyUsd: usd.optional(),
    monthlyUsd: usd.optional(),
    dailyTokens: tokens.optional(),
    monthlyTokens: tokens.optional(),
    /** Cap on one run (one workflow id) of this tenant or agent. */
    runCapUsd: usd.optional(),
    runCapTokens: tokens.optional(),
  })
  .strict();

/** A tenant's limits, plus limits of its agents by agent name. */
export const TenantBudgetSchema = BudgetLimitsSchema.extend({
  agents: z.record(z.string().min(1), BudgetLimitsSchema).optional(),
}).strict();

/** The whole budget configuration. Tenants not listed have no limits except {@link BudgetConfig.defaultRunCapUsd}. */
export const BudgetConfigSchema = z
  .object({
    /**
     * `false` turns the ledger off: reserve, commit and release touch no table and charge
     * nothing (for measuring what budgets cost, or for deployments that meter elsewhere).
     * Optional rather than defaulted, so a parsed config without it stays as written; absent means on.
     */
    enabled: z.boolean().optional(),
    tenants: z.record(z.string().min(1), TenantBudgetSchema).default({}),
    /** Run cap for runs whose tenant and agent set none. */
    defaultRunCapUsd: usd.optional(),
    defaultRunCapTokens: tokens.optional(),
  })
  .strict();

export type BudgetLimits = z.output<typeof BudgetLimitsSchema>;
export type TenantBudget = z.output<typeof TenantBudgetSchema>;
export type BudgetConfig = z.output<typeof BudgetConfigSchema>;
/** What callers may write: defaults not yet applied. */
export type BudgetConfigInput = z.input<typeof BudgetConfigSchema>;

/** Validates a budget configuration; throws a {@link PolicyConfigError} naming the bad field. */
export function parseBudgetConfig(input: unknown): BudgetConfig {
  return parsePolicyConfig(BudgetConfigSchema, input, 'budget');
}
