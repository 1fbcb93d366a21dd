/**
 * Cache configuration: sizes and TTLs for the worker's caches, with per-tenant and
 * per-agent switches. Validated by zod; a bad value names its field path.
 */
import { z } from 'zod';
import { parsePolicyConfig } from '../config-parse';

/** A tenant's or agent's overrides. */
export const CacheOverrideSchema = z
  .object({
    /** `false` turns caching off for this tenant or agent. */
    enabled: z.boolean().optional(),
    /** A shorter TTL for this tenant or agent; the shortest configured TTL wins. */
    ttlSeconds: z.number().positive().optional(),
    /** Also cache requests with temperature above 0 (same request, same answer, on purpose). */
    cacheNonDeterministic: z.boolean().optional(),
  })
  .strict();

export const CacheConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Entries in each worker's L1; 0 turns L1 off. */
    l1MaxEntries: z.number().int().nonnegative().default(1000),
    /** L1 lifetime; defaults to the L2 TTL. Bounds how long one worker can serve an entry another deleted. */
    l1TtlSeconds: z.number().positive().optional(),
    l2TtlSeconds: z.number().positive().default(3600),
    /** Rows in L2 per namespace, across tenants; the oldest are evicted first. */
    l2MaxRows: z.number().int().positive().default(100_000),
    /** Optional cap per tenant and namespace, so one tenant cannot push the others out. */
    l2MaxRowsPerTenant: z.number().int().positive().optional(),
    cacheNonDeterministic: z.boolean().default(false),
    tenants: z.record(z.string().min(1), CacheOverrideSchema).default({}),
    agents: z.record(z.string().min(1), CacheOverrideSchema).default({}),
    /** Results of tools declared `effect: 'read'` and `idempotent: true`. */
    tools: z
      .object({ enabled: z.boolean().default(true), ttlSeconds: z.number().positive().default(300) })
      .strict()
      .default({ enabled: true, ttlSeconds: 300 }),
  })
  .strict();

export type CacheOverride = z.output<typeof CacheOverrideSchema>;
export type CacheConfig = z.output<typeof CacheConfigSchema>;
export type CacheConfigInput = z.input<typeof CacheConfigSchema>;

/** Validates a cache configuration; throws a `PolicyConfigError` naming the bad field. */
export function parseCacheConfig(input: unknown): CacheConfig {
  return parsePolicyConfig(CacheConfigSchema, input, 'cache');
}

/** Whether and how long to cache model responses of one agent of one tenant. */
export interface CachePolicy {
  enabled: boolean;
  ttlSeconds: number;
  cacheNonDeterministic: boolean;
}

/** Combines global, tenant and agent settings: any `enabled: false` wins, the shortest TTL wins, the most specific opt-in wins. */
export function cachePolicyFor(config: CacheConfig, who: { tenantId: string; agent?: string }): CachePolicy {
  // Own keys only: a tenant or agent named `constructor` has no settings of its own, not `Object`'s.
  const tenant = Object.hasOwn(config.tenants, who.tenantId) ? config.tenants[who.tenantId] : undefined;
  const agent = who.agent !== undefined && Object.hasOwn(config.agents, who.agent) ? config.agents[who.agent] : undefined;
  const ttls = [config.l2TtlSeconds, tenant?.ttlSeconds, agent?.ttlSeconds].filter((t): t is number => t !== undefined);
  return {
    enabled: config.enabled && tenant?.enabled !== false && agent?.enabled !== false,
    ttlSeconds: Math.min(...ttls),
    cacheNonDeterministic: agent?.cacheNonDeterministic ?? tenant?.cacheNonDeterministic ?? config.cacheNonDeterministic,
  };
}

/** Whether a tool's results may be cached: only reads that are idempotent, i.e. the same arguments give the same result with no effect. */
export function isCacheableTool(tool: { effect: string; idempotent?: boolean }): boolean {
  return tool.effect === 'read' && tool.idempotent === true;
}
