/**
 * Budget limits as people configure them: per tenant, per agent within a tenant, and a
 * per-run cap. Validated by zod at start-up; a bad value names its field path.
 */
import { z } from 'zod';
import { ConfigError } from '../../infra/config';

/** Thrown for invalid policy configuration; `fields` are the offending paths, e.g. `tenants.acme.dailyUsd`. */
export class PolicyConfigError extends ConfigError {
  constructor(
    what: string,
    readonly fields: string[],
    details: string[],
  ) {
    super(`invalid ${what} config: ${details.join('; ')}`);
  }
}

/**
 * Parses `input` with `schema`, or throws a {@link PolicyConfigError} naming every bad field.
 * Shared by the budget, cache and router configs so all three report errors alike.
 */
export function parsePolicyConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const reserved = reservedKeyPaths(input);
  if (reserved.length > 0) throw new PolicyConfigError(what, reserved, reserved.map((f) => `${f}: ${RESERVED_KEY_MESSAGE}`));
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const fields: string[] = [];
  const details: string[] = [];
  for (const issue of parsed.error.issues) {
    // An unknown key is reported on its parent; name the key itself, which is what is wrong.
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const p of paths) {
      const field = formatPath(p) || '(root)';
      fields.push(field);
      details.push(`${field}: ${issue.code === 'unrecognized_keys' ? 'unknown field' : issue.message}`);
    }
  }
  throw new PolicyConfigError(what, fields, details);
}

export const RESERVED_KEY_MESSAGE = '"__proto__" cannot name a tenant, agent, role or anything else here';

/**
 * Paths of the `__proto__` keys in `value` (JSON.parse makes them own keys). A parsed
 * record would silently lose them, and with them a limit someone configured: refuse them.
 */
export function reservedKeyPaths(value: unknown, path: readonly PropertyKey[] = []): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    if (key === '__proto__') out.push(formatPath(at));
    else out.push(...reservedKeyPaths(child, at));
  }
  return out;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, part) => {
    if (typeof part === 'number') return `${out}[${part}]`;
    return out === '' ? String(part) : `${out}.${String(part)}`;
  }, '');
}

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
