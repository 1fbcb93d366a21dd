import { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../src/activities/failures';
import { ModelCallError } from '../../src/models/errors';
import { createModelProviders } from '../../src/models/registry';
import type { CallOptions, ModelProvider, ModelRequest, ModelResponse } from '../../src/models/types';
import { PolicyConfigError } from '../../src/policies/config-parse';
import { ModelRouter, NoModelAvailableError, parseRouterConfig, type RouterConfigInput, TenantRateLimitedError } from '../../src/policies/router';
import { FailureType } from '../../src/shared/failures';

/** What a fake model does on one call: answer, throw, or hang until aborted. */
type Step = 'ok' | 'hang' | Error;

/** A ModelProvider whose models follow a script per model name; records every call. */
class FakeProvider implements ModelProvider {
  readonly calls: string[] = [];
  constructor(
    readonly name: string,
    private readonly script: Record<string, Step[]> = {},
  ) {}

  async complete(request: ModelRequest, options: CallOptions = {}): Promise<ModelResponse> {
    this.calls.push(request.model);
    const steps = this.script[request.model] ?? [];
    const step = steps.length > 1 ? steps.shift() : steps[0];
    if (step instanceof Error) throw step;
    if (step === 'hang') {
      return new Promise((_, reject) => options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true }));
    }
    return {
      message: { role: 'assistant', content: `${this.name}:${request.model} answers` },
      usage: { inputTokens: 10, outputTokens: 5 },
      finishReason: 'stop',
      model: `${this.name}:${request.model}`,
    };
  }
}

/** An error shaped like the OpenAI / Anthropic SDKs' APIError. */
function httpError(status: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`${status} provider error`), { status, headers });
}

function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const ask = { messages: [{ role: 'user' as const, content: 'hello' }], tools: [], temperature: 0 };

function routerWith(providers: FakeProvider[], config: Partial<RouterConfigInput> = {}, clock = fakeClock()) {
  const parsed = parseRouterConfig({ default: { tiers: [{ name: 'main', models: ['alpha:a1', 'beta:b1'] }] }, ...config });
  return new ModelRouter({ providers: createModelProviders({ extra: providers }), config: parsed, clock: clock.now });
}

describe('ModelRouter fallback', () => {
  it('falls back to the next model on a 429 and on a 500', async () => {
    for (const status of [429, 500]) {
      const alpha = new FakeProvider('alpha', { a1: [httpError(status)] });
      const beta = new FakeProvider('beta');
      const routed = await routerWith([alpha, beta]).complete(ask, { tenantId: 't1' });
      expect(routed.modelRef).toBe('beta:b1');
      expect(routed.response.message.content).toBe('beta:b1 answers');
      expect(routed.attempts).toEqual([
        {
          modelRef: 'alpha:a1',
          outcome: 'failed',
          error: { type: status === 429 ? FailureType.ModelRateLimit : FailureType.ModelServerError, message: expect.stringContaining(`alpha returned ${status}`) },
          durationMs: 0,
        },
        { modelRef: 'beta:b1', outcome: 'ok', durationMs: 0 },
      ]);
    }
  });

  it('skips a provider until its retry-after has passed', async () => {
    const clock = fakeClock();
    const alpha = new FakeProvider('alpha', { a1: [httpError(429, { 'retry-after': '30' }), 'ok'] });
    const router = routerWith([alpha, new FakeProvider('beta')], {}, clock);
    const first = await router.complete(ask, { tenantId: 't1' });
    expect(first.attempts[0]?.error?.retryAfterMs).toBe(30_000);

    clock.advance(29_999);
    const second = await router.complete(ask, { tenantId: 't1' });
    expect(second.attempts.map((a) => [a.modelRef, a.outcome, a.reason])).toEqual([
      ['alpha:a1', 'skipped', 'retry-after'],
      ['beta:b1', 'ok', undefined],
    ]);
    expect(alpha.calls).toHaveLength(1);

    clock.advance(1);
    expect((await router.complete(ask, { tenantId: 't1' })).modelRef).toBe('alpha:a1');
  });

  it('moves on when a model does not answer within the attempt timeout', async () => {
    const alpha = new FakeProvider('alpha', { a1: ['hang'] });
    const parsed = parseRouterConfig({ default: { tiers: [{ name: 'main', models: ['alpha:a1', 'beta:b1'] }] }, attemptTimeoutMs: 30 });
    const router = new ModelRouter({ providers: createModelProviders({ extra: [alpha, new FakeProvider('beta')] }), config: parsed });
    const routed = await router.complete(ask, { tenantId: 't1' });
    expect(routed.modelRef).toBe('beta:b1');
    expect(routed.attempts[0]?.error).toEqual({ type: FailureType.ModelServerError, message: 'alpha request timed out: no answer within 30 ms' });
  });

  it('stops at a non-retryable error: another model would refuse the request too', async () => {
    const beta = new FakeProvider('beta');
    const router = routerWith([new FakeProvider('alpha', { a1: [httpError(400)] }), beta]);
    const thrown = await router.complete(ask, { tenantId: 't1' }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(ModelCallError);
    // The failure a workflow sees, once the activity's edge has mapped it.
    const err = toApplicationFailure(thrown);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe(FailureType.ModelBadRequest);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect(beta.calls).toEqual([]);
  });

  it('reports every attempt and the soonest retry when the whole chain fails', async () => {
    const router = routerWith([
      new FakeProvider('alpha', { a1: [httpError(503, { 'retry-after': '5' })] }),
      new FakeProvider('beta', { b1: [httpError(429, { 'retry-after-ms': '1500' })] }),
    ]);
    const err = (await router.complete(ask, { tenantId: 't1' }).catch((e: unknown) => e)) as NoModelAvailableError;
    expect(err).toBeInstanceOf(NoModelAvailableError);
    expect(err.attempts.map((a) => [a.modelRef, a.outcome])).toEqual([
      ['alpha:a1', 'failed'],
      ['beta:b1', 'failed'],
    ]);
    expect(err.retryAfterMs).toBe(1500);
    expect(err.lastType).toBe(FailureType.ModelRateLimit);
    expect(err.message).toMatch(/^no model available: alpha:a1 failed \(alpha returned 503/);
  });

  it('gives up at once when the caller cancels, without blaming the provider', async () => {
    const alpha = new FakeProvider('alpha', { a1: ['hang'] });
    const beta = new FakeProvider('beta');
    const router = routerWith([alpha, beta], { breaker: { failureThreshold: 1 } });
    const controller = new AbortController();
    const pending = router.complete(ask, { tenantId: 't1', signal: controller.signal });
    controller.abort(new Error('cancelled by the workflow'));
    await expect(pending).rejects.toThrow('cancelled by the workflow');
    expect(beta.calls).toEqual([]);
    expect(router.breakers.state('provider:alpha')).toBe('closed');
  });
});

describe('ModelRouter breakers and rate limits', () => {
  it('opens a provider breaker after N failures and half-opens it after the cool-down', async () => {
    const clock = fakeClock();
    const alpha = new FakeProvider('alpha', { a1: [httpError(500), httpError(500), 'ok'] });
    const router = routerWith([alpha, new FakeProvider('beta')], { breaker: { failureThreshold: 2, coolDownMs: 60_000, halfOpenProbes: 1 } }, clock);
    await router.complete(ask, { tenantId: 't1' });
    await router.complete(ask, { tenantId: 't1' });
    expect(router.breakers.state('provider:alpha')).toBe('open');

    const whileOpen = await router.complete(ask, { tenantId: 't1' });
    expect(whileOpen.attempts[0]).toEqual({ modelRef: 'alpha:a1', outcome: 'skipped', reason: 'circuit-open' });
    expect(alpha.calls).toHaveLength(2);

    clock.advance(60_000);
    expect(router.breakers.state('provider:alpha')).toBe('half-open');
    const probe = await router.complete(ask, { tenantId: 't1' });
    expect(probe.modelRef).toBe('alpha:a1');
    expect(router.breakers.state('provider:alpha')).toBe('closed');
  });

  it('refuses a tenant over its rate limit, and skips a provider over its own', async () => {
    const clock = fakeClock();
    const router = routerWith([new FakeProvider('alpha'), new FakeProvider('beta')], {
      rateLimits: { tenant: { capacity: 2, refillPerSecond: 1 }, providers: { alpha: { capacity: 1, refillPerSecond: 0.1 } } },
    }, clock);
    expect((await router.complete(ask, { tenantId: 't1' })).modelRef).toBe('alpha:a1');
    const second = await router.complete(ask, { tenantId: 't1' });
    expect(second.attempts.map((a) => a.reason ?? a.outcome)).toEqual(['rate-limited', 'ok']);
    const err = await router.complete(ask, { tenantId: 't1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TenantRateLimitedError);
    expect(err).toMatchObject({ retryAfterMs: 1000, type: 'RateLimited' });
    expect((await router.complete(ask, { tenantId: 't2' })).modelRef).toBe('beta:b1');
    clock.advance(1000);
    expect((await router.complete(ask, { tenantId: 't1' })).modelRef).toBe('beta:b1');
  });
});

describe('ModelRouter tiers', () => {
  const config = {
    default: {
      tiers: [
        { name: 'small', models: ['openai:gpt-4o-mini'] },
        { name: 'large', models: ['anthropic:claude-sonnet-4-5', 'openai:gpt-4.1'], minScore: 1 },
      ],
      complexity: { charsPerPoint: 1000, toolPoints: 0.5, keywordPoints: 1, keywords: ['step by step'] },
      cascade: true,
    },
    agents: { tiny: { tiers: [{ name: 'only', models: ['local:rules'] }] } },
  };
  const router = new ModelRouter({
    providers: { names: () => ['anthropic', 'local', 'openai'], get: () => new FakeProvider('unused') },
    config: parseRouterConfig(config),
  });
  const tool = { name: 't', description: 'd', parameters: {} };

  it('picks a tier from the request: length, tools and keywords', () => {
    expect(router.plan(ask, { tenantId: 't' })).toEqual({ tier: 'small', score: 0.005, reason: 'complexity', chain: ['openai:gpt-4o-mini'] });
    const hard = router.plan({ messages: [{ role: 'user', content: 'Plan the migration step by step' }], tools: [] }, { tenantId: 't' });
    expect(hard.tier).toBe('large');
    expect(hard.chain).toEqual(['anthropic:claude-sonnet-4-5', 'openai:gpt-4.1', 'openai:gpt-4o-mini']);
    expect(router.plan({ ...ask, tools: [tool, tool] }, { tenantId: 't' }).tier).toBe('large');
    expect(router.plan({ messages: [{ role: 'user', content: 'x'.repeat(1000) }], tools: [] }, { tenantId: 't' }).tier).toBe('large');
  });

  it('steps down to a cheaper tier when the remaining budget cannot pay for the chosen one', () => {
    const hard = { messages: [{ role: 'user' as const, content: 'step by step' }], tools: [], maxTokens: 1000 };
    // claude-sonnet-4-5 at $15/M output: 1000 tokens cost about $0.015.
    expect(router.plan(hard, { tenantId: 't', remainingBudgetUsd: 1 }).tier).toBe('large');
    expect(router.plan(hard, { tenantId: 't', remainingBudgetUsd: 0.01 })).toMatchObject({ tier: 'small', reason: 'budget' });
  });

  it('follows a plan made earlier, e.g. the one a budget reservation was sized for', async () => {
    const beta = new FakeProvider('beta');
    const r = routerWith([new FakeProvider('alpha'), beta]);
    const plan = r.plan(ask, { tenantId: 't' });
    const routed = await r.complete(ask, { tenantId: 't', plan: { ...plan, chain: ['beta:b1'] } });
    expect(routed).toMatchObject({ modelRef: 'beta:b1', plan: { tier: 'main', chain: ['beta:b1'] } });
  });

  it('uses an agent profile, or a chain the caller pins', () => {
    expect(router.plan(ask, { tenantId: 't', agent: 'tiny' }).chain).toEqual(['local:rules']);
    expect(router.plan(ask, { tenantId: 't', chain: ['openai:o3'] })).toEqual({ tier: 'pinned', score: 0, reason: 'pinned', chain: ['openai:o3'] });
  });
});

describe('router config', () => {
  function fields(input: unknown): string[] {
    try {
      parseRouterConfig(input);
    } catch (err) {
      if (err instanceof PolicyConfigError) return err.fields;
      throw err;
    }
    return [];
  }

  it('names the bad field', () => {
    expect(fields({ default: { tiers: [{ name: 'a', models: ['gpt-4o'] }] } })).toEqual(['default.tiers[0].models[0]']);
    expect(fields({ default: { tiers: [] } })).toEqual(['default.tiers']);
    expect(fields({ default: { tiers: [{ name: 'a', models: ['x:y'], minScore: 2 }, { name: 'b', models: ['x:z'], minScore: 1 }] } })).toEqual([
      'default.tiers[1].minScore',
    ]);
    expect(fields({ default: { tiers: [{ name: 'a', models: ['x:y'] }] }, breaker: { failureThreshold: 0 } })).toEqual(['breaker.failureThreshold']);
    expect(fields({ default: { tiers: [{ name: 'a', models: ['x:y'] }] }, rateLimits: { tenants: { acme: { capacity: 1 } } } })).toEqual([
      'rateLimits.tenants.acme.refillPerSecond',
    ]);
    expect(fields({ default: { tiers: [{ name: 'a', models: ['x:y'] }] }, retries: 3 })).toEqual(['retries']);
  });

  it('rejects models of providers the worker does not have, naming the field', () => {
    const config = parseRouterConfig({ default: { tiers: [{ name: 'a', models: ['local:rules', 'mistral:large'] }] } });
    expect(() => new ModelRouter({ providers: createModelProviders(), config })).toThrow(
      'invalid router config: default.tiers[0].models[1]: unknown provider "mistral"; this worker has: local',
    );
  });
});
