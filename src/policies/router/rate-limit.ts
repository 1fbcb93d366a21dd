/**
 * Token-bucket rate limits per tenant and per provider, in worker memory. Each worker
 * enforces its own share: with N workers, configure each bucket at 1/N of the global rate.
 * Tenant buckets are kept in a bounded LRU, so a stream of new tenant ids cannot grow
 * the worker's memory without limit.
 */
import { LruMap } from '../cache/lru';
import { type Clock, systemClock } from './clock';

/** A bucket: up to `capacity` calls in a burst, refilled at `refillPerSecond`. */
export interface BucketOptions {
  capacity: number;
  refillPerSecond: number;
}

/** The answer of a bucket: go, or wait this long. */
export type Take = { ok: true } | { ok: false; retryAfterMs: number };

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly options: BucketOptions,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(options.capacity > 0) || !(options.refillPerSecond > 0)) throw new RangeError('bucket capacity and refillPerSecond must be positive');
    this.tokens = options.capacity;
    this.last = clock();
  }

  /** Tokens available now (fractional while refilling). */
  available(): number {
    const now = this.clock();
    this.tokens = Math.min(this.options.capacity, this.tokens + ((now - this.last) / 1000) * this.options.refillPerSecond);
    this.last = now;
    return this.tokens;
  }

  /** Takes `n` tokens if there are that many; otherwise takes nothing and says how long to wait. */
  tryTake(n = 1): Take {
    if (n > this.options.capacity) throw new RangeError(`cannot take ${n} tokens from a bucket of ${this.options.capacity}`);
    const available = this.available();
    if (available >= n) {
      this.tokens = available - n;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((n - available) / this.options.refillPerSecond) * 1000) };
  }
}

/** Options of {@link RateLimiter}; a scope with no bucket configured is unlimited. */
export interface RateLimiterOptions {
  /** Bucket of every tenant without its own. */
  tenant?: BucketOptions;
  /** Bucket of every provider without its own. */
  provider?: BucketOptions;
  tenants?: Record<string, BucketOptions>;
  providers?: Record<string, BucketOptions>;
  /**
   * Tenant buckets kept at most (default 10,000); the least recently used one goes first.
   * A bucket left alone refills to full, so forgetting an idle tenant's changes nothing
   * once it has been idle for `capacity / refillPerSecond` seconds.
   */
  maxTenantBuckets?: number;
  clock?: Clock;
}

/** Default of {@link RateLimiterOptions.maxTenantBuckets}. */
export const DEFAULT_MAX_TENANT_BUCKETS = 10_000;

export class RateLimiter {
  /** Tenant ids come from callers: their buckets are bounded. */
  private readonly tenantBuckets: LruMap<TokenBucket>;
  /** Providers are the few this worker was configured with. */
  private readonly providerBuckets = new Map<string, TokenBucket>();
  private readonly clock: Clock;

  constructor(private readonly options: RateLimiterOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.tenantBuckets = new LruMap(options.maxTenantBuckets ?? DEFAULT_MAX_TENANT_BUCKETS);
  }

  /** Tenant buckets currently kept. */
  get tenantBucketCount(): number {
    return this.tenantBuckets.size;
  }

  /** Takes `n` from the tenant's bucket. */
  tryTenant(tenantId: string, n = 1): Take {
    const options = own(this.options.tenants, tenantId) ?? this.options.tenant;
    if (!options) return { ok: true };
    let bucket = this.tenantBuckets.get(tenantId);
    if (bucket === undefined) {
      bucket = new TokenBucket(options, this.clock);
      this.tenantBuckets.set(tenantId, bucket, Infinity);
    }
    return bucket.tryTake(n);
  }

  /** Takes `n` from the provider's bucket. */
  tryProvider(provider: string, n = 1): Take {
    const options = own(this.options.providers, provider) ?? this.options.provider;
    if (!options) return { ok: true };
    let bucket = this.providerBuckets.get(provider);
    if (bucket === undefined) {
      bucket = new TokenBucket(options, this.clock);
      this.providerBuckets.set(provider, bucket);
    }
    return bucket.tryTake(n);
  }
}

/** `record[key]` when the record has that key itself: a tenant named `constructor` is not `Object`. */
function own<V>(record: Record<string, V> | undefined, key: string): V | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
