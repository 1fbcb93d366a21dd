import { CircuitBreakers, CircuitOpenError, type BreakerTransition, RateLimiter, TokenBucket } from '../../src/policies/router';

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('CircuitBreakers', () => {
  it('opens after the failure threshold, half-opens after the cool-down and closes on probe success', () => {
    const clock = fakeClock();
    const transitions: BreakerTransition[] = [];
    const breakers = new CircuitBreakers({
      defaults: { failureThreshold: 3, coolDownMs: 10_000, halfOpenProbes: 2 },
      clock: clock.now,
      onTransition: (t) => transitions.push(t),
    });
    const key = 'provider:flaky';
    breakers.failure(key);
    breakers.failure(key);
    breakers.success(key); // resets the consecutive count
    breakers.failure(key);
    breakers.failure(key);
    expect(breakers.state(key)).toBe('closed');
    breakers.failure(key);
    expect(breakers.state(key)).toBe('open');
    expect(breakers.allow(key)).toBe(false);
    clock.advance(4_000);
    expect(breakers.retryAfterMs(key)).toBe(6_000);

    clock.advance(6_000);
    expect(breakers.state(key)).toBe('half-open');
    expect([breakers.allow(key), breakers.allow(key), breakers.allow(key)]).toEqual([true, true, false]);
    breakers.success(key);
    expect(breakers.state(key)).toBe('half-open');
    breakers.success(key);
    expect(breakers.state(key)).toBe('closed');
    expect(transitions.map((t) => `${t.from}->${t.to}`)).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('reopens for another cool-down when a probe fails', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakers({ defaults: { failureThreshold: 1, coolDownMs: 1_000 }, clock: clock.now });
    breakers.failure('tool:x');
    clock.advance(1_000);
    expect(breakers.allow('tool:x')).toBe(true);
    breakers.failure('tool:x');
    expect(breakers.state('tool:x')).toBe('open');
    clock.advance(999);
    expect(breakers.allow('tool:x')).toBe(false);
    clock.advance(1);
    expect(breakers.allow('tool:x')).toBe(true);
  });

  it('frees probe slots that never report back, and those given up on purpose', () => {
    const clock = fakeClock();
    const breakers = new CircuitBreakers({ defaults: { failureThreshold: 1, coolDownMs: 1_000, halfOpenProbes: 1 }, clock: clock.now });
    breakers.failure('k');
    clock.advance(1_000);
    expect(breakers.allow('k')).toBe(true);
    expect(breakers.allow('k')).toBe(false);
    breakers.abandon('k');
    expect(breakers.allow('k')).toBe(true);
    clock.advance(1_000); // that probe was lost (e.g. its call was cancelled)
    expect(breakers.allow('k')).toBe(true);
  });

  it('keeps breakers per key, with per-key settings, and guards calls with run()', async () => {
    const breakers = new CircuitBreakers({ defaults: { failureThreshold: 5 }, overrides: { 'tool:fragile': { failureThreshold: 1 } } });
    const boom = () => Promise.reject(new Error('boom'));
    await expect(breakers.run('tool:fragile', boom)).rejects.toThrow('boom');
    await expect(breakers.run('tool:fragile', boom)).rejects.toBeInstanceOf(CircuitOpenError);
    await expect(breakers.run('tool:sturdy', boom)).rejects.toThrow('boom');
    expect(breakers.state('tool:sturdy')).toBe('closed');
    // Errors that are the caller's fault do not count.
    const lenient = new CircuitBreakers({ defaults: { failureThreshold: 1 } });
    await expect(lenient.run('tool:y', boom, () => false)).rejects.toThrow('boom');
    expect(lenient.state('tool:y')).toBe('closed');
    expect(breakers.snapshot()).toEqual({ 'tool:fragile': { state: 'open', failures: 0 }, 'tool:sturdy': { state: 'closed', failures: 1 } });
  });
});

describe('TokenBucket and RateLimiter', () => {
  it('allows a burst up to capacity, then refills at the configured rate', () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 2 }, clock.now);
    expect([bucket.tryTake(), bucket.tryTake(), bucket.tryTake()]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(bucket.tryTake()).toEqual({ ok: false, retryAfterMs: 500 });
    clock.advance(250);
    expect(bucket.tryTake()).toEqual({ ok: false, retryAfterMs: 250 });
    clock.advance(250);
    expect(bucket.tryTake()).toEqual({ ok: true });
    clock.advance(60_000);
    expect(bucket.available()).toBe(3);
    expect(() => bucket.tryTake(4)).toThrow(RangeError);
  });

  it('limits tenants and providers separately, with overrides, and leaves the unconfigured alone', () => {
    const clock = fakeClock();
    const limiter = new RateLimiter({
      tenant: { capacity: 1, refillPerSecond: 1 },
      tenants: { big: { capacity: 5, refillPerSecond: 5 } },
      providers: { openai: { capacity: 2, refillPerSecond: 1 } },
      clock: clock.now,
    });
    expect(limiter.tryTenant('small')).toEqual({ ok: true });
    expect(limiter.tryTenant('small')).toEqual({ ok: false, retryAfterMs: 1000 });
    expect(limiter.tryTenant('other')).toEqual({ ok: true });
    for (let i = 0; i < 5; i++) expect(limiter.tryTenant('big').ok).toBe(true);
    expect(limiter.tryProvider('openai').ok).toBe(true);
    expect(limiter.tryProvider('openai').ok).toBe(true);
    expect(limiter.tryProvider('openai').ok).toBe(false);
    for (let i = 0; i < 100; i++) expect(limiter.tryProvider('anthropic').ok).toBe(true);
  });
});
