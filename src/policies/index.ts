/**
 * The policies a worker hosts, built once from one validated configuration: guardrails,
 * response and tool caches, the budget ledger, and the model router (fallback chains,
 * circuit breakers, rate limits). Bad configuration stops the worker at start-up with
 * the offending field named.
 */
import fs from 'node:fs';
import type pg from 'pg';
import { z } from 'zod';
import { ConfigError } from '../infra/config';
import type { ModelProviders } from '../models/registry';
import type { ModelResponse } from '../models/types';
import { BudgetLedger, parseBudgetConfig, type BudgetConfig } from './budget';
import { PolicyConfigError, RESERVED_KEY_MESSAGE, reservedKeyPaths } from './config-parse';
import { LruMap, parseCacheConfig, ResponseCache, type CacheConfig } from './cache';
import { GuardrailConfigError, parseGuardrailConfig, resolveGuardrailConfig, type GuardrailConfig, type GuardrailConfigInput } from './guardrails';
import { checkRouterProviders, ModelRouter, parseRouterConfig, type RouterConfig } from './router';
import { describeIssues } from '../shared/issues';

const Layered = z.record(z.string().min(1), z.unknown());

/** The file POLICY_CONFIG points at; every section is optional and has safe defaults. */
export const PolicyFileSchema = z.strictObject({
  guardrails: z.strictObject({ base: z.unknown().optional(), agents: Layered.optional(), tenants: Layered.optional() }).optional(),
  cache: z.unknown().optional(),
  budget: z.unknown().optional(),
  router: z.unknown().optional(),
});
export type PolicyFile = z.infer<typeof PolicyFileSchema>;

/** Bad policy configuration: the message names the file and the field. */
export class PolicyConfigFileError extends ConfigError {}

/**
 * Defaults: guardrails on (injection and toxicity block; PII and secrets redact), caching of
 * deterministic requests, a $5 cap per run, and each agent's own model with its fallbacks.
 */
export const DEFAULT_POLICY_FILE: PolicyFile = { budget: { defaultRunCapUsd: 5 } };

/** Options of {@link GuardrailSettings}. */
export interface GuardrailSettingsOptions {
  /** Resolved configurations kept at most (default 1,000); the least recently used one goes first. */
  maxResolved?: number;
}

/** Default of {@link GuardrailSettingsOptions.maxResolved}. */
export const DEFAULT_MAX_RESOLVED_GUARDRAILS = 1_000;

/**
 * Guardrail settings per agent and tenant, merged once and cached (compiled checks are
 * cached per object). Agents and tenants without settings of their own share one object,
 * so a thousand tenants on the defaults compile their checks once; the cache is an LRU,
 * so tenant ids never seen in the configuration cannot grow it without limit.
 */
export class GuardrailSettings {
  private readonly agents: ReadonlyMap<string, GuardrailConfigInput>;
  private readonly tenants: ReadonlyMap<string, GuardrailConfigInput>;
  private readonly resolved: LruMap<GuardrailConfig>;

  constructor(
    private readonly base: GuardrailConfigInput,
    agents: Record<string, GuardrailConfigInput>,
    tenants: Record<string, GuardrailConfigInput>,
    options: GuardrailSettingsOptions = {},
  ) {
    // Maps, not the records: a tenant named `constructor` must not find `Object` there.
    this.agents = new Map(Object.entries(agents));
    this.tenants = new Map(Object.entries(tenants));
    this.resolved = new LruMap(options.maxResolved ?? DEFAULT_MAX_RESOLVED_GUARDRAILS);
    // Resolve every layer now so a bad one fails at start-up, naming where it is.
    parseGuardrailConfig(base, 'guardrails.base');
    for (const [a, c] of this.agents) parseGuardrailConfig(c, `guardrails.agents.${a}`);
    for (const [t, c] of this.tenants) parseGuardrailConfig(c, `guardrails.tenants.${t}`);
  }

  /** Resolved configurations currently cached. */
  get size(): number {
    return this.resolved.size;
  }

  for(agent: string, tenantId: string): GuardrailConfig {
    const agentOverrides = this.agents.get(agent);
    const tenantOverrides = this.tenants.get(tenantId);
    const key = JSON.stringify([agentOverrides === undefined ? null : agent, tenantOverrides === undefined ? null : tenantId]);
    let cfg = this.resolved.get(key);
    if (!cfg) {
      cfg = resolveGuardrailConfig(this.base, agentOverrides, tenantOverrides);
      this.resolved.set(key, cfg, Infinity);
    }
    return cfg;
  }
}

export interface Policies {
  guardrails: GuardrailSettings;
  cacheConfig: CacheConfig;
  responses: ResponseCache<ModelResponse>;
  toolResults: ResponseCache<unknown>;
  budget: BudgetLedger;
  router: ModelRouter;
}

/** A policy file with every section validated; building the policies from it cannot fail. */
export interface PolicyConfig {
  guardrails: GuardrailSettings;
  cache: CacheConfig;
  budget: BudgetConfig;
  router: RouterConfig;
}

/** The router needs a default profile; agents normally pin their own model and fallbacks. */
const DEFAULT_ROUTER = { default: { tiers: [{ name: 'local', models: ['local:rules'] }] } };

/**
 * Reads and validates the file POLICY_CONFIG names (the defaults when unset), before any
 * server or worker starts. With `providers`, router models must name one of them.
 */
export function loadPolicyConfig(path: string | undefined, providers?: string[]): PolicyConfig {
  if (!path) return policyConfigFrom(DEFAULT_POLICY_FILE, 'default policies', providers);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (err) {
    throw new PolicyConfigFileError(`POLICY_CONFIG=${path} cannot be read as JSON: ${(err as Error).message}`);
  }
  return policyConfigFrom(raw, path, providers);
}

/** Validates a policy file's contents; every error names `where` and the field. */
export function policyConfigFrom(raw: unknown, where: string, providers?: string[]): PolicyConfig {
  const reserved = reservedKeyPaths(raw);
  if (reserved.length > 0) throw new PolicyConfigFileError(`${where}: ${reserved[0]}: ${RESERVED_KEY_MESSAGE}`);
  const parsed = PolicyFileSchema.safeParse(raw);
  if (!parsed.success) {
    const first = describeIssues(parsed.error.issues)[0]!;
    throw new PolicyConfigFileError(`${where}: ${first.field}: ${first.message}`);
  }
  const file = parsed.data;
  try {
    const g = file.guardrails ?? {};
    const router = parseRouterConfig(file.router ?? DEFAULT_ROUTER);
    if (providers) checkRouterProviders(router, providers);
    return {
      guardrails: new GuardrailSettings((g.base ?? {}) as GuardrailConfigInput, (g.agents ?? {}) as Record<string, GuardrailConfigInput>, (g.tenants ?? {}) as Record<string, GuardrailConfigInput>),
      cache: parseCacheConfig(file.cache ?? {}),
      budget: parseBudgetConfig(file.budget ?? {}),
      router,
    };
  } catch (err) {
    if (err instanceof GuardrailConfigError || err instanceof PolicyConfigError) throw new PolicyConfigFileError(`${where}: ${err.message}`);
    throw err;
  }
}

export function createPolicies(config: PolicyConfig, deps: { pool: pg.Pool; providers: ModelProviders }): Policies {
  const c = config.cache;
  const cacheOptions = {
    pool: deps.pool,
    l1MaxEntries: c.l1MaxEntries,
    l2TtlSeconds: c.l2TtlSeconds,
    l2MaxRows: c.l2MaxRows,
    ...(c.l1TtlSeconds ? { l1TtlSeconds: c.l1TtlSeconds } : {}),
    ...(c.l2MaxRowsPerTenant ? { l2MaxRowsPerTenant: c.l2MaxRowsPerTenant } : {}),
  };
  return {
    guardrails: config.guardrails,
    cacheConfig: c,
    responses: new ResponseCache<ModelResponse>({ ...cacheOptions, namespace: 'model' }),
    toolResults: new ResponseCache<unknown>({ ...cacheOptions, namespace: 'tool', l2TtlSeconds: c.tools.ttlSeconds }),
    budget: new BudgetLedger({ pool: deps.pool, config: config.budget }),
    router: new ModelRouter({ providers: deps.providers, config: config.router }),
  };
}
