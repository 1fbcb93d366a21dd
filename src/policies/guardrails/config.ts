/**
 * Guardrail configuration: one zod schema with safe defaults, validated wherever a
 * person writes it (base, per agent, per tenant). Errors name the field, e.g.
 * `guardrails.pii.mode: Invalid option: expected one of "block"|"redact"|"flag"`.
 */
import { z } from 'zod';
import { PII_TYPES } from './pii';
import { DEFAULT_TOXIC_TERMS } from './toxicity';
import type { Direction } from './types';
import { DurableAgentsError } from '../../shared/errors';
import { FailureType } from '../../shared/failures';
import { describeIssues } from '../../shared/issues';

const Mode = z.enum(['block', 'redact', 'flag']);
const DirectionSchema = z.enum(['input', 'output', 'tool_result']);
const directions = (d: Direction[]) => z.array(DirectionSchema).default(() => [...d]);
const Terms = z.array(z.string().min(1));

/** Settings every text check shares: whether it runs, how it reacts, on which texts. */
function check<M extends 'block' | 'redact', E extends z.ZodRawShape>(mode: M, on: Direction[], extra: E) {
  return z.strictObject({ enabled: z.boolean().default(true), mode: Mode.default(mode), directions: directions(on), ...extra });
}

/** A limit on one argument of one tool, e.g. `{ tool: 'refund_payment', field: 'amount', max: 500 }`. */
export const ArgumentRuleSchema = z
  .strictObject({
    tool: z.string().min(1),
    /** Dotted path into the arguments object, e.g. `refund.amount`. */
    field: z.string().min(1),
    min: z.number().optional(),
    max: z.number().optional(),
    maxLength: z.number().int().nonnegative().optional(),
    /** A regular expression the (string) value must match. */
    pattern: z
      .string()
      .refine((p) => {
        try {
          new RegExp(p);
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .optional(),
    oneOf: z.array(z.union([z.string(), z.number(), z.boolean()])).optional(),
    /** Fail when the field is missing; by default a missing field passes. */
    required: z.boolean().optional(),
    /** Apply only to callers with one of these roles; all roles when omitted. */
    roles: z.array(z.string()).optional(),
  })
  .refine(
    (r) => r.min !== undefined || r.max !== undefined || r.maxLength !== undefined || r.pattern !== undefined || r.oneOf !== undefined || r.required === true,
    'an argument rule needs at least one of min, max, maxLength, pattern, oneOf, required',
  );

/** Tool names, `*` for all, or a prefix glob like `crm_*`. */
const ToolList = z.array(z.string().min(1));

export const GuardrailConfigSchema = z.strictObject({
  injection: check('block', ['input', 'tool_result'], {
    /** Combined rule score at which a text counts as an injection. */
    threshold: z.number().min(0).max(1).default(0.7),
    /** Decode base64/hex/percent-encoded spans and scan them too. */
    decode: z.boolean().default(true),
  }).prefault({}),
  pii: check('redact', ['input', 'output'], {
    types: z.array(z.enum(PII_TYPES)).default(() => [...PII_TYPES]),
  }).prefault({}),
  secrets: check('redact', ['input', 'output', 'tool_result'], {}).prefault({}),
  toxicity: check('block', ['input', 'output'], {
    /** Replaces the default list. */
    terms: Terms.default(() => [...DEFAULT_TOXIC_TERMS]),
    /** Added to `terms`, so an override can extend the defaults without restating them. */
    extraTerms: Terms.default(() => []),
  }).prefault({}),
  policyTerms: check('block', ['output'], { terms: Terms.default(() => []) }).prefault({}),
  systemPromptLeak: check('block', ['output'], {
    minWords: z.number().int().min(3).default(8),
    minChars: z.number().int().min(10).default(40),
  }).prefault({}),
  schema: check('block', ['output'], {}).prefault({}),
  size: check('block', ['input', 'tool_result'], { maxChars: z.number().int().positive().default(32_768) }).prefault({}),
  tools: z
    .strictObject({
      /** Agent name → tools it may call. An agent not listed is not restricted here. */
      byAgent: z.record(z.string(), ToolList).default(() => ({})),
      /** Tenant role → tools it may call. Once any role is listed, unlisted roles may call nothing. */
      byRole: z.record(z.string(), ToolList).default(() => ({})),
      rules: z.array(ArgumentRuleSchema).default(() => []),
    })
    .prefault({}),
});

/** A complete, validated guardrail configuration. */
export type GuardrailConfig = z.output<typeof GuardrailConfigSchema>;
/** What a person writes: every field optional, defaults fill the rest. */
export type GuardrailConfigInput = z.input<typeof GuardrailConfigSchema>;
/** One argument rule of {@link GuardrailConfig.tools}. */
export type ArgumentRule = z.output<typeof ArgumentRuleSchema>;
/** The tool-access part of {@link GuardrailConfig}. */
export type ToolAccessConfig = GuardrailConfig['tools'];

/** A guardrail configuration failed validation; `issues` has one entry per bad field. */
export class GuardrailConfigError extends DurableAgentsError {
  constructor(
    message: string,
    readonly issues: ReadonlyArray<{ path: string; message: string }>,
  ) {
    super(message, { type: FailureType.InvalidConfig, fault: 'user', retryable: false });
  }
}

/** Validates and fills in defaults. `source` says which layer was wrong when several are merged. */
export function parseGuardrailConfig(input: unknown, source?: string): GuardrailConfig {
  const reserved = reservedKeys(input ?? {}, ['guardrails']);
  const result = reserved.length > 0 ? undefined : GuardrailConfigSchema.safeParse(input ?? {});
  if (result?.success) return result.data;
  const issues = result
    ? describeIssues(result.error.issues, ['guardrails']).map((d) => ({ path: d.field, message: d.message }))
    : reserved.map((path) => ({ path, message: '"__proto__" cannot name an agent, a role or anything else here' }));
  const where = source === undefined ? '' : ` (in ${source})`;
  throw new GuardrailConfigError(issues.map((i) => `${i.path}: ${i.message}${where}`).join('; '), issues);
}

/** The configuration with every default: injection and toxicity block, PII and secrets redact. */
export const DEFAULT_GUARDRAIL_CONFIG: GuardrailConfig = parseGuardrailConfig({});

/**
 * Merges base, per-agent and per-tenant settings (later wins; objects merge key by key,
 * arrays replace) and validates the result. Each layer is validated on its own first so
 * the error says which one is wrong.
 */
export function resolveGuardrailConfig(
  base: GuardrailConfigInput | GuardrailConfig = {},
  agentOverrides?: GuardrailConfigInput,
  tenantOverrides?: GuardrailConfigInput,
): GuardrailConfig {
  parseGuardrailConfig(base, 'base config');
  if (agentOverrides !== undefined) parseGuardrailConfig(agentOverrides, 'agent overrides');
  if (tenantOverrides !== undefined) parseGuardrailConfig(tenantOverrides, 'tenant overrides');
  const merged = deepMerge(deepMerge(base, agentOverrides), tenantOverrides);
  return parseGuardrailConfig(merged);
}

/** Paths of `__proto__` keys (JSON.parse makes them own keys), which a parsed record would silently drop. */
function reservedKeys(value: unknown, path: string[]): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    if (key === '__proto__') out.push([...path, key].join('.'));
    else out.push(...reservedKeys(child, [...path, key]));
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepMerge(a: unknown, b: unknown): unknown {
  if (b === undefined) return a;
  if (!isPlainObject(a) || !isPlainObject(b)) return b;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    // Config may come from JSON.parse, which creates "__proto__" as an own key (parsing refuses it).
    // Other names are plain keys: a role may be called "constructor".
    if (k === '__proto__') continue;
    out[k] = deepMerge(Object.hasOwn(a, k) ? a[k] : undefined, v);
  }
  return out;
}
