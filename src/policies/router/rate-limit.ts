/**
 * Token-bucket rate limits per tenant and per provider, in worker memory. Each worker
 * enforces its own share: with N workers, configure each bucket at 1/N of the global rate.
 */
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
  clock?: Clock;
}

export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket | null>();
  private readonly clock: Clock;

  constructor(private readonly options: RateLimiterOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  /** Takes `n` from the tenant's bucket. */
  tryTenant(tenantId: string, n = 1): Take {
    return this.take(`tenant:${tenantId}`, this.options.tenants?.[tenantId] ?? this.options.tenant, n);
  }

  /** Takes `n` from the provider's bucket. */
  tryProvider(provider: string, n = 1): Take {
    return this.take(`provider:${provider}`, this.options.providers?.[provider] ?? this.options.provider, n);
  }

  private take(key: string, options: BucketOptions | undefined, n: number): Take {
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = options ? new TokenBucket(options, this.clock) : null;
      this.buckets.set(key, bucket);
    }
    return bucket ? bucket.tryTake(n) : { ok: true };
  }
}
