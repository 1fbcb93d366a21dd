/** Response caches: L1 in the worker, L2 in Postgres, keyed by a canonical hash and scoped by tenant. */
export { hashOf, normalizeMessages } from './canonical';
export { CacheConfigSchema, CacheOverrideSchema, cachePolicyFor, isCacheableTool, parseCacheConfig } from './config';
export type { CacheConfig, CacheConfigInput, CacheOverride, CachePolicy } from './config';
export { LruMap } from './lru';
export { ResponseCache } from './response-cache';
export type { CacheableRequest, CacheHit, CacheStats, ResponseCacheOptions } from './response-cache';
