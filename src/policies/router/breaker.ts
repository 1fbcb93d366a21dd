/**
 * Circuit breakers keyed by what they protect: `provider:<name>` for model providers,
 * `tool:<name>` for tools. State lives in worker memory and is safe to lose: a restarted
 * worker simply starts closed.
 *
 * closed ──(failureThreshold consecutive failures)──▶ open ──(coolDownMs)──▶ half-open
 * half-open admits up to `halfOpenProbes` calls at once: that many successes close it,
 * any failure opens it again for another cool-down.
 */
import { DurableAgentsError } from '../../shared/errors';
import { FailureType } from '../../shared/failures';
import { type Clock, systemClock } from './clock';

export type BreakerState = 'closed' | 'open' | 'half-open';

/** How one breaker behaves. */
export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long an open breaker refuses calls before letting probes through. */
  coolDownMs: number;
  /** Probes admitted at once in half-open, and successes needed to close. */
  halfOpenProbes: number;
}

/** A state change, for logs and metrics. */
export interface BreakerTransition {
  key: string;
  from: BreakerState;
  to: BreakerState;
  at: number;
}

/** Options of {@link CircuitBreakers}. */
export interface CircuitBreakersOptions {
  defaults?: Partial<BreakerOptions>;
  /** Per-key settings, e.g. `{ 'provider:openai': { failureThreshold: 10 } }`. */
  overrides?: Record<string, Partial<BreakerOptions>>;
  clock?: Clock;
  onTransition?: (transition: BreakerTransition) => void;
}

/** Thrown by {@link CircuitBreakers.run} when the breaker refuses the call; retryable once it admits probes again. */
export class CircuitOpenError extends DurableAgentsError {
  constructor(
    readonly key: string,
    /** When the breaker will next admit a probe; undefined while half-open probes are in flight. */
    opensInMs: number | undefined,
  ) {
    super(`circuit "${key}" is open${opensInMs === undefined ? '' : `; retry in ${opensInMs} ms`}`, {
      type: FailureType.CircuitOpen,
      fault: 'system',
      retryable: true,
      // At least a second, also while probes are in flight: sooner would only meet the open breaker again.
      retryAfterMs: Math.max(1000, opensInMs ?? 1000),
    });
  }
}

export const DEFAULT_BREAKER: BreakerOptions = { failureThreshold: 5, coolDownMs: 30_000, halfOpenProbes: 1 };

/** The breaker key of a model provider. */
export const providerBreaker = (provider: string): string => `provider:${provider}`;
/** The breaker key of a tool. */
export const toolBreaker = (tool: string): string => `tool:${tool}`;

interface Breaker {
  state: BreakerState;
  failures: number;
  /** When it opened, or went half-open. */
  since: number;
  probesInFlight: number;
  probeSuccesses: number;
}

export class CircuitBreakers {
  private readonly breakers = new Map<string, Breaker>();
  private readonly defaults: BreakerOptions;
  private readonly overrides: Record<string, Partial<BreakerOptions>>;
  private readonly clock: Clock;
  private readonly onTransition: ((t: BreakerTransition) => void) | undefined;

  constructor(options: CircuitBreakersOptions = {}) {
    this.defaults = { ...DEFAULT_BREAKER, ...options.defaults };
    this.overrides = options.overrides ?? {};
    this.clock = options.clock ?? systemClock;
    this.onTransition = options.onTransition;
  }

  /** The current state; an open breaker whose cool-down has passed reads as half-open. */
  state(key: string): BreakerState {
    return this.current(key).state;
  }

  /** Whether a call may go ahead now. In half-open this takes a probe slot, so report its outcome. */
  allow(key: string): boolean {
    const b = this.current(key);
    if (b.state === 'closed') return true;
    if (b.state === 'open') return false;
    if (b.probesInFlight >= this.options(key).halfOpenProbes) return false;
    b.probesInFlight++;
    return true;
  }

  /** How long until `key` admits a call again: 0 when it would now, undefined while probes are out. */
  retryAfterMs(key: string): number | undefined {
    const b = this.current(key);
    if (b.state === 'open') return b.since + this.options(key).coolDownMs - this.clock();
    if (b.state === 'half-open' && b.probesInFlight >= this.options(key).halfOpenProbes) return undefined;
    return 0;
  }

  success(key: string): void {
    const b = this.current(key);
    if (b.state === 'closed') {
      b.failures = 0;
    } else if (b.state === 'half-open') {
      b.probesInFlight = Math.max(0, b.probesInFlight - 1);
      b.probeSuccesses++;
      if (b.probeSuccesses >= this.options(key).halfOpenProbes) this.move(key, b, 'closed');
    }
    // Open: a call admitted before the breaker opened came back late; it proves nothing now.
  }

  failure(key: string): void {
    const b = this.current(key);
    if (b.state === 'closed') {
      b.failures++;
      if (b.failures >= this.options(key).failureThreshold) this.move(key, b, 'open');
    } else if (b.state === 'half-open') {
      this.move(key, b, 'open');
    }
  }

  /** Gives back a half-open probe slot taken by {@link allow} for a call that was never made or was cancelled. */
  abandon(key: string): void {
    const b = this.current(key);
    if (b.state === 'half-open') b.probesInFlight = Math.max(0, b.probesInFlight - 1);
  }

  /**
   * Runs `fn` under the breaker: refuses with {@link CircuitOpenError} when open, and
   * records the outcome. `isFailure` decides which errors count (default: all), e.g. a
   * tool's invalid-argument errors are the caller's fault, not the tool's.
   */
  async run<T>(key: string, fn: () => Promise<T>, isFailure: (err: unknown) => boolean = () => true): Promise<T> {
    if (!this.allow(key)) throw new CircuitOpenError(key, this.retryAfterMs(key));
    try {
      const result = await fn();
      this.success(key);
      return result;
    } catch (err) {
      if (isFailure(err)) this.failure(key);
      else this.success(key);
      throw err;
    }
  }

  /** Every breaker that is not plainly closed with no failures, for status pages. */
  snapshot(): Record<string, { state: BreakerState; failures: number }> {
    const out: Record<string, { state: BreakerState; failures: number }> = {};
    for (const key of this.breakers.keys()) {
      const b = this.current(key);
      if (b.state !== 'closed' || b.failures > 0) out[key] = { state: b.state, failures: b.failures };
    }
    return out;
  }

  private options(key: string): BreakerOptions {
    const own = this.overrides[key];
    return own ? { ...this.defaults, ...own } : this.defaults;
  }

  /** The breaker, moved along by the clock: open → half-open after the cool-down. */
  private current(key: string): Breaker {
    let b = this.breakers.get(key);
    if (!b) {
      b = { state: 'closed', failures: 0, since: this.clock(), probesInFlight: 0, probeSuccesses: 0 };
      this.breakers.set(key, b);
      return b;
    }
    const { coolDownMs } = this.options(key);
    const now = this.clock();
    if (b.state === 'open' && now >= b.since + coolDownMs) this.move(key, b, 'half-open');
    // Probes whose outcome never came back (a cancelled call) must not wedge half-open forever.
    else if (b.state === 'half-open' && b.probesInFlight > 0 && now >= b.since + coolDownMs) {
      b.probesInFlight = 0;
      b.since = now;
    }
    return b;
  }

  private move(key: string, b: Breaker, to: BreakerState): void {
    const from = b.state;
    b.state = to;
    b.since = this.clock();
    b.failures = 0;
    b.probesInFlight = 0;
    b.probeSuccesses = 0;
    this.onTransition?.({ key, from, to, at: b.since });
  }
}
