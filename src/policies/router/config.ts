/**
 * Router configuration: model tiers per agent, how complexity is scored, fallback,
 * breakers and rate limits. Validated by zod; a bad value names its field path.
 */
import { z } from 'zod';
import { parsePolicyConfig } from '../config-parse';

const modelRef = z.string().regex(/^[a-z0-9][a-z0-9-]*:.+$/, 'must look like <provider>:<model>, e.g. openai:gpt-4o-mini');

/** One tier: a fallback chain of models, used from `minScore` up. */
export const TierSchema = z
  .object({
    name: z.string().min(1),
    /** Tried in order; the next is used when one fails with a retryable error or is unavailable. */
    models: z.array(modelRef).min(1),
    /** Lowest complexity score this tier is for. */
    minScore: z.number().nonnegative().default(0),
    /** Skip this tier (pick a cheaper one) when less budget than this remains. */
    minRemainingUsd: z.number().nonnegative().optional(),
  })
  .strict();

/** How a request's complexity is scored: `chars / charsPerPoint + tools × toolPoints + keyword hits × keywordPoints`. */
export const ComplexitySchema = z
  .object({
    charsPerPoint: z.number().positive().default(4000),
    toolPoints: z.number().nonnegative().default(0.25),
    keywordPoints: z.number().nonnegative().default(1),
    /** Lower-case words or phrases in user messages that suggest a harder task. */
    keywords: z
      .array(z.string().min(1))
      .default(['analyze', 'analyse', 'prove', 'step by step', 'architecture', 'debug', 'optimize', 'refactor', 'trade-off', 'compare']),
  })
  .strict();

/** Tiers of one agent (or the default), ordered from cheapest to most capable. */
export const RouterProfileSchema = z
  .object({
    tiers: z.array(TierSchema).min(1),
    complexity: ComplexitySchema.default(ComplexitySchema.parse({})),
    /** After the chosen tier's models, fall back to the models of cheaper tiers. */
    cascade: z.boolean().default(false),
  })
  .strict()
  .superRefine((profile, ctx) => {
    const names = new Set<string>();
    profile.tiers.forEach((tier, i) => {
      if (names.has(tier.name)) ctx.addIssue({ code: 'custom', path: ['tiers', i, 'name'], message: `duplicate tier name "${tier.name}"` });
      names.add(tier.name);
      const previous = profile.tiers[i - 1];
      if (previous && tier.minScore < previous.minScore) {
        ctx.addIssue({ code: 'custom', path: ['tiers', i, 'minScore'], message: 'tiers must be ordered by minScore, cheapest first' });
      }
    });
  });

export const BreakerConfigSchema = z
  .object({
    failureThreshold: z.number().int().positive().default(5),
    coolDownMs: z.number().int().positive().default(30_000),
    halfOpenProbes: z.number().int().positive().default(1),
  })
  .strict();

export const BucketSchema = z.object({ capacity: z.number().positive(), refillPerSecond: z.number().positive() }).strict();

export const RouterConfigSchema = z
  .object({
    /** Tiers of agents without their own profile. */
    default: RouterProfileSchema,
    /** Per-agent profiles, by agent name; each replaces the default. */
    agents: z.record(z.string().min(1), RouterProfileSchema).default({}),
    /** Give up on one model after this long and try the next; unset leaves it to the provider client. */
    attemptTimeoutMs: z.number().int().positive().optional(),
    /** Output bound assumed when a request sets no maxTokens, for budget-aware tier choice. */
    defaultMaxTokens: z.number().int().positive().default(4096),
    breaker: BreakerConfigSchema.default(BreakerConfigSchema.parse({})),
    /** Per-key breaker settings, e.g. `provider:openai` or `tool:lookup_order`. */
    breakers: z.record(z.string().regex(/^(provider|tool):.+$/, 'must be provider:<name> or tool:<name>'), BreakerConfigSchema.partial()).default({}),
    rateLimits: z
      .object({
        tenant: BucketSchema.optional(),
        provider: BucketSchema.optional(),
        tenants: z.record(z.string().min(1), BucketSchema).default({}),
        providers: z.record(z.string().min(1), BucketSchema).default({}),
      })
      .strict()
      .default({ tenants: {}, providers: {} }),
  })
  .strict();

export type Tier = z.output<typeof TierSchema>;
export type ComplexityOptions = z.output<typeof ComplexitySchema>;
export type RouterProfile = z.output<typeof RouterProfileSchema>;
export type RouterConfig = z.output<typeof RouterConfigSchema>;
export type RouterConfigInput = z.input<typeof RouterConfigSchema>;

/** Validates a router configuration; throws a `PolicyConfigError` naming the bad field. */
export function parseRouterConfig(input: unknown): RouterConfig {
  return parsePolicyConfig(RouterConfigSchema, input, 'router');
}
