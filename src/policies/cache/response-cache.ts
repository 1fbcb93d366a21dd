/**
 * Two-level cache of model responses (or of read-only tool results, under another
 * namespace): L1 in this worker's memory, L2 in Postgres shared by every worker.
 *
 * Entries are always scoped by tenant: the tenant is part of the hashed key and a column
 * of every L2 row, and L1 entries remember their tenant. Values are stored as JSON and
 * handed out deep-frozen, so no caller can change what the next caller gets.
 *
 * A cache must never fail a call: L2 errors count in `stats().errors`, go to `onError`,
 * and read as misses.
 */
import type pg from 'pg';
import type { ChatMessage, ToolSchema } from '../../shared/messages';
import { hashOf, normalizeMessages } from './canonical';
import { LruMap } from './lru';

/** Bump when the key derivation changes, so old rows are never read under new rules. */
const KEY_VERSION = 1;

/** Caps up to this many rows are enforced on every write; larger ones every (cap / EXACT_CAP)-th write. */
const EXACT_CAP = 1000;

function evictionStride(cap: number): number {
  return Math.max(1, Math.floor(cap / EXACT_CAP));
}

/** The parts of a model request that decide its answer. */
export interface CacheableRequest {
  provider: string;
  model: string;
  messages: readonly ChatMessage[];
  tools?: readonly ToolSchema[];
  temperature?: number;
  maxTokens?: number;
  /** Any other sampling parameters sent to the provider (top_p, seed, stop, ...). */
  sampling?: Record<string, unknown>;
}

/** A cache hit and the level that served it. */
export interface CacheHit<V> {
  value: V;
  level: 'l1' | 'l2';
}

/** Counters since start-up (or the last `resetStats`). */
export interface CacheStats {
  l1: { hits: number; misses: number; entries: number; evictions: number };
  l2: { hits: number; misses: number; evictions: number; expired: number };
  /** Requests not cached because they are not deterministic. */
  bypasses: number;
  sets: number;
  /** L2 failures, each treated as a miss or a skipped write. */
  errors: number;
}

/** Options of {@link ResponseCache}. */
export interface ResponseCacheOptions {
  /** Postgres for L2; without it only L1 is used. */
  pool?: pg.Pool;
  /** Separates kinds of entries, e.g. `model` (default) and `tool`; part of the key and of every L2 row. */
  namespace?: string;
  /** Entries in L1; 0 turns L1 off. Default 1000. */
  l1MaxEntries?: number;
  /** L1 lifetime; defaults to the L2 TTL. */
  l1TtlSeconds?: number;
  /** L2 lifetime of an entry. Default 3600. */
  l2TtlSeconds?: number;
  /** L2 rows in this namespace across tenants; the oldest are evicted on write. Default 100 000. */
  l2MaxRows?: number;
  /** Optional L2 cap per tenant in this namespace. */
  l2MaxRowsPerTenant?: number;
  /** Milliseconds for L1 expiry; L2 expiry uses the database clock, which all workers share. */
  clock?: () => number;
  /** Told about every L2 failure, e.g. to log it. */
  onError?: (err: unknown, operation: 'get' | 'set' | 'delete' | 'prune') => void;
}

interface L1Entry<V> {
  tenantId: string;
  value: V;
}

export class ResponseCache<V = unknown> {
  readonly namespace: string;
  private readonly pool: pg.Pool | undefined;
  private readonly l1: LruMap<L1Entry<V>>;
  private readonly l1TtlMs: number;
  private readonly l2TtlSeconds: number;
  private readonly l2MaxRows: number;
  private readonly l2MaxRowsPerTenant: number | undefined;
  private readonly onError: ((err: unknown, operation: 'get' | 'set' | 'delete' | 'prune') => void) | undefined;
  /** Writes by this instance, in all and per tenant: they pace eviction of large caps. */
  private writes = 0;
  private readonly tenantWrites = new Map<string, number>();
  private readonly counters = { l1Hits: 0, l1Misses: 0, l2Hits: 0, l2Misses: 0, l2Evictions: 0, l2Expired: 0, bypasses: 0, sets: 0, errors: 0 };

  constructor(options: ResponseCacheOptions = {}) {
    this.namespace = options.namespace ?? 'model';
    this.pool = options.pool;
    this.l2TtlSeconds = positive(options.l2TtlSeconds ?? 3600, 'l2TtlSeconds');
    this.l1TtlMs = positive(options.l1TtlSeconds ?? this.l2TtlSeconds, 'l1TtlSeconds') * 1000;
    this.l1 = new LruMap(options.l1MaxEntries ?? 1000, options.clock);
    this.l2MaxRows = positive(options.l2MaxRows ?? 100_000, 'l2MaxRows');
    this.l2MaxRowsPerTenant = options.l2MaxRowsPerTenant === undefined ? undefined : positive(options.l2MaxRowsPerTenant, 'l2MaxRowsPerTenant');
    this.onError = options.onError;
  }

  /**
   * The cache key of a model request for `tenantId`, or `undefined` when the request must
   * not be cached: only deterministic requests (temperature 0) are, unless the caller opts
   * in with `cacheNonDeterministic`. An unset temperature means the provider's default,
   * which is not 0.
   */
  key(request: CacheableRequest, tenantId: string, options: { cacheNonDeterministic?: boolean } = {}): string | undefined {
    if (request.temperature !== 0 && !options.cacheNonDeterministic) {
      this.counters.bypasses++;
      return undefined;
    }
    return this.keyFor(tenantId, {
      provider: request.provider,
      model: request.model,
      messages: normalizeMessages(request.messages),
      tools: request.tools ?? [],
      temperature: request.temperature ?? null,
      maxTokens: request.maxTokens ?? null,
      sampling: request.sampling ?? {},
    });
  }

  /** The key of a tool call: same tool, same arguments (in any key order), same tenant. */
  toolKey(tenantId: string, agent: string, tool: string, args: unknown): string {
    // Two agents may register different tools under one name: the agent is part of the key.
    return this.keyFor(tenantId, { agent, tool, args });
  }

  /** The key of any JSON `payload` for `tenantId` in this cache's namespace. */
  keyFor(tenantId: string, payload: unknown): string {
    return hashOf({ v: KEY_VERSION, namespace: this.namespace, tenantId, payload });
  }

  /** Looks in L1, then L2 (filling L1 on an L2 hit). Expired entries are never returned. */
  async get(tenantId: string, key: string): Promise<CacheHit<V> | undefined> {
    const local = this.l1.get(key);
    if (local !== undefined && local.tenantId === tenantId) {
      this.counters.l1Hits++;
      return { value: local.value, level: 'l1' };
    }
    this.counters.l1Misses++;
    if (!this.pool) return undefined;
    try {
      const { rows } = await this.pool.query<{ value: V; ttl_ms: number }>({
        name: 'response_cache_get',
        text: `SELECT value, EXTRACT(EPOCH FROM expires_at - now()) * 1000 AS ttl_ms FROM response_cache
               WHERE tenant_id = $1 AND namespace = $2 AND key = $3 AND expires_at > now()`,
        values: [tenantId, this.namespace, key],
      });
      const row = rows[0];
      if (!row) {
        this.counters.l2Misses++;
        return undefined;
      }
      this.counters.l2Hits++;
      const value = deepFreeze(row.value);
      // Never keep it in L1 longer than L2 would: another worker relies on that expiry.
      this.l1.set(key, { tenantId, value }, Math.min(this.l1TtlMs, Number(row.ttl_ms)));
      return { value, level: 'l2' };
    } catch (err) {
      this.failed(err, 'get');
      return undefined;
    }
  }

  /**
   * Stores `value` (JSON) in L1 and L2, then evicts the oldest L2 rows beyond the caps.
   * `ttlSeconds` overrides the configured TTL for this entry (e.g. a tenant's shorter one).
   */
  async set(tenantId: string, key: string, value: V, options: { ttlSeconds?: number } = {}): Promise<void> {
    const ttlSeconds = positive(options.ttlSeconds ?? this.l2TtlSeconds, 'ttlSeconds');
    const json = JSON.stringify(value);
    if (json === undefined) throw new TypeError('cache values must be JSON');
    this.counters.sets++;
    this.l1.set(key, { tenantId, value: deepFreeze(JSON.parse(json) as V) }, Math.min(this.l1TtlMs, ttlSeconds * 1000));
    if (!this.pool) return;
    try {
      await this.pool.query({
        name: 'response_cache_set',
        text: `INSERT INTO response_cache (tenant_id, namespace, key, value, expires_at)
               VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5))
               ON CONFLICT (tenant_id, namespace, key) DO UPDATE
               SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at, created_at = now(), seq = DEFAULT`,
        values: [tenantId, this.namespace, key, json, ttlSeconds],
      });
      this.counters.l2Evictions += await this.evict(this.pool, tenantId);
    } catch (err) {
      this.failed(err, 'set');
    }
  }

  /** Removes an entry from this worker's L1 and from L2. Other workers' L1 copies live out their L1 TTL. */
  async delete(tenantId: string, key: string): Promise<void> {
    this.l1.delete(key);
    if (!this.pool) return;
    try {
      await this.pool.query('DELETE FROM response_cache WHERE tenant_id = $1 AND namespace = $2 AND key = $3', [tenantId, this.namespace, key]);
    } catch (err) {
      this.failed(err, 'delete');
    }
  }

  /** Deletes expired L2 rows of this namespace and enforces the cap; drops expired L1 entries. Returns L2 rows deleted. */
  async prune(): Promise<number> {
    this.l1.pruneExpired();
    if (!this.pool) return 0;
    try {
      const expired = (await this.pool.query('DELETE FROM response_cache WHERE namespace = $1 AND expires_at <= now()', [this.namespace])).rowCount ?? 0;
      this.counters.l2Expired += expired;
      const evicted = await this.evictBeyond(this.pool, this.l2MaxRows);
      this.counters.l2Evictions += evicted;
      return expired + evicted;
    } catch (err) {
      this.failed(err, 'prune');
      return 0;
    }
  }

  stats(): CacheStats {
    const c = this.counters;
    return {
      l1: { hits: c.l1Hits, misses: c.l1Misses, entries: this.l1.size, evictions: this.l1.evictions },
      l2: { hits: c.l2Hits, misses: c.l2Misses, evictions: c.l2Evictions, expired: c.l2Expired },
      bypasses: c.bypasses,
      sets: c.sets,
      errors: c.errors,
    };
  }

  /** Empties this worker's L1 (L2 is untouched), e.g. to measure L2 latency. */
  clearL1(): void {
    this.l1.clear();
  }

  /**
   * Enforces the caps after a write. Finding the rows beyond a cap walks `cap` index
   * entries, so for caps above {@link EXACT_CAP} eviction runs on every (cap / EXACT_CAP)-th
   * write of this instance (per tenant for the tenant cap): each write then pays about
   * EXACT_CAP entries' worth, and a namespace overshoots its cap by under 0.1% per worker
   * between evictions. Up to EXACT_CAP rows the cap is exact; `prune()` is always exact.
   */
  private async evict(pool: pg.Pool, tenantId: string): Promise<number> {
    let evicted = 0;
    this.writes++;
    if (this.writes % evictionStride(this.l2MaxRows) === 0) evicted += await this.evictBeyond(pool, this.l2MaxRows);
    if (this.l2MaxRowsPerTenant !== undefined) {
      const writes = (this.tenantWrites.get(tenantId) ?? 0) + 1;
      if (this.tenantWrites.size >= 10_000) this.tenantWrites.clear();
      this.tenantWrites.set(tenantId, writes);
      if (writes % evictionStride(this.l2MaxRowsPerTenant) === 0) evicted += await this.evictBeyond(pool, this.l2MaxRowsPerTenant, tenantId);
    }
    return evicted;
  }

  /** Deletes the oldest rows beyond `max` (in the namespace, or of one tenant). Workers evicting at once delete the same rows. */
  private async evictBeyond(pool: pg.Pool, max: number, tenantId?: string): Promise<number> {
    const { rowCount } =
      tenantId === undefined
        ? await pool.query({
            name: 'response_cache_evict',
            text: `DELETE FROM response_cache WHERE namespace = $1 AND seq <= (
                     SELECT seq FROM response_cache WHERE namespace = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1)`,
            values: [this.namespace, max],
          })
        : await pool.query({
            name: 'response_cache_evict_tenant',
            text: `DELETE FROM response_cache WHERE namespace = $1 AND tenant_id = $3 AND seq <= (
                     SELECT seq FROM response_cache WHERE namespace = $1 AND tenant_id = $3 ORDER BY seq DESC OFFSET $2 LIMIT 1)`,
            values: [this.namespace, max, tenantId],
          });
    return rowCount ?? 0;
  }

  private failed(err: unknown, operation: 'get' | 'set' | 'delete' | 'prune'): void {
    this.counters.errors++;
    this.onError?.(err, operation);
  }
}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

/** Freezes a parsed JSON value all the way down. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
