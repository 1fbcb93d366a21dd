/**
 * Tenant, agent and role names come from callers, so the policies must treat any string
 * as a plain name (`constructor` is not `Object`, `__proto__` is not `Object.prototype`),
 * and what a worker keeps per tenant must stay bounded however many tenants it sees.
 */
import { createModelProviders } from '../../src/models/registry';
import type { ModelProvider, ModelRequest, ModelResponse } from '../../src/models/types';
import { GuardrailSettings, PolicyConfigFileError, policyConfigFrom } from '../../src/policies';
import { countersFor, parseBudgetConfig } from '../../src/policies/budget';
import { PolicyConfigError } from '../../src/policies/config-parse';
import { limitsOf } from '../../src/policies/budget/scopes';
import { cachePolicyFor, parseCacheConfig } from '../../src/policies/cache';
import {
  checkToolCall,
  DEFAULT_GUARDRAIL_CONFIG,
  GuardrailConfigError,
  parseGuardrailConfig,
  resolveGuardrailConfig,
  runGuardrails,
} from '../../src/policies/guardrails';
import { DEFAULT_MAX_TENANT_BUCKETS, ModelRouter, parseRouterConfig, RateLimiter, TenantRateLimitedError } from '../../src/policies/router';

/** Names that plain-object lookups resolve to something of `Object.prototype`. */
const NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'prototype', 'valueOf', 'isPrototypeOf'];
const DAY = Date.UTC(2025, 0, 2, 12);

const answers: ModelProvider = {
  name: 'alpha',
  async complete(request: ModelRequest): Promise<ModelResponse> {
    return { message: { role: 'assistant', content: `answer from ${request.model}` }, usage: { inputTokens: 1, outputTokens: 1 }, finishReason: 'stop', model: `alpha:${request.model}` };
  },
};
const ask = { messages: [{ role: 'user' as const, content: 'hello' }], tools: [], temperature: 0 };

describe.each(NAMES)('a tenant, agent or role named %s', (name) => {
  it('gets the default guardrails, and its own when configured', () => {
    const plain = new GuardrailSettings({}, {}, {});
    expect(plain.for(name, name)).toEqual(DEFAULT_GUARDRAIL_CONFIG);
    expect(runGuardrails('input', 'mail jane@example.com', plain.for(name, name)).action).toBe('redact');

    if (name === '__proto__') return; // refused as a configured name: see below
    const configured = new GuardrailSettings({}, { [name]: { secrets: { enabled: false } } }, { [name]: { pii: { mode: 'block' } } });
    expect(configured.for(name, name)).toMatchObject({ pii: { mode: 'block' }, secrets: { enabled: false } });
    expect(configured.for('other', 'other')).toEqual(DEFAULT_GUARDRAIL_CONFIG);
  });

  it('passes tool access checks by agent and role', () => {
    const tools = parseGuardrailConfig({ tools: { byRole: { support: ['lookup_*'] }, byAgent: { support_bot: ['lookup_order'] } } }).tools;
    expect(checkToolCall({ tool: 'lookup_order', args: {} }, tools, { agent: name, role: name }).findings.map((f) => f.rule)).toEqual([`role:${name}`]);
    expect(checkToolCall({ tool: 'lookup_order', args: {} }, tools, { agent: name, role: 'support' }).action).toBe('allow');
    if (name === '__proto__') return;
    // A role configured in a tenant's overrides survives the merge of the layers.
    const own = resolveGuardrailConfig({}, undefined, { tools: { byRole: { [name]: ['lookup_order'] } } }).tools;
    expect(checkToolCall({ tool: 'lookup_order', args: {} }, own, { role: name }).action).toBe('allow');
    expect(checkToolCall({ tool: 'refund', args: {} }, own, { role: name }).action).toBe('block');
  });

  it('resolves budget limits: none unless configured, then its own', () => {
    const none = parseBudgetConfig({ defaultRunCapUsd: 5, tenants: { acme: { dailyUsd: 1, agents: { bot: { dailyUsd: 0.5 } } } } });
    const ctx = { tenantId: name, agent: name, workflowId: 'wf-1' };
    expect(countersFor(none, ctx, DAY).map((c) => c.limits)).toEqual([{}, {}, {}, {}, { usd: 5 }]);
    expect(countersFor(none, { ...ctx, tenantId: 'acme' }, DAY).map((c) => c.limits)).toEqual([{ usd: 1 }, {}, {}, {}, { usd: 5 }]);
    for (const spec of countersFor(none, ctx, DAY)) expect(limitsOf(none, ctx, spec.scope)).toEqual(spec.limits);

    if (name === '__proto__') return;
    const own = parseBudgetConfig({ tenants: { [name]: { dailyUsd: 2, runCapUsd: 0.3, agents: { [name]: { monthlyTokens: 1000 } } } } });
    expect(countersFor(own, ctx, DAY).map((c) => c.limits)).toEqual([{ usd: 2 }, {}, {}, { tokens: 1000 }, { usd: 0.3 }]);
  });

  it('gets the global cache policy unless configured', () => {
    const config = parseCacheConfig({ l2TtlSeconds: 600, tenants: { acme: { enabled: false } } });
    expect(cachePolicyFor(config, { tenantId: name, agent: name })).toEqual({ enabled: true, ttlSeconds: 600, cacheNonDeterministic: false });
    if (name === '__proto__') return;
    const own = parseCacheConfig({ tenants: { [name]: { ttlSeconds: 60 } }, agents: { [name]: { cacheNonDeterministic: true } } });
    expect(cachePolicyFor(own, { tenantId: name, agent: name })).toEqual({ enabled: true, ttlSeconds: 60, cacheNonDeterministic: true });
  });

  it('is routed and rate limited like any other tenant', async () => {
    const config = parseRouterConfig({
      default: { tiers: [{ name: 'main', models: ['alpha:a1'] }] },
      rateLimits: { tenant: { capacity: 1, refillPerSecond: 0.001 } },
    });
    const router = new ModelRouter({ providers: createModelProviders({ extra: [answers] }), config });
    expect(router.plan(ask, { tenantId: name, agent: name }).chain).toEqual(['alpha:a1']);
    expect(router.routes(name)).toBe(false);
    await expect(router.complete(ask, { tenantId: name, agent: name })).resolves.toMatchObject({ modelRef: 'alpha:a1' });
    await expect(router.complete(ask, { tenantId: name, agent: name })).rejects.toBeInstanceOf(TenantRateLimitedError);

    if (name === '__proto__') return;
    const limiter = new RateLimiter({ tenants: { [name]: { capacity: 2, refillPerSecond: 0.001 } }, providers: { [name]: { capacity: 1, refillPerSecond: 0.001 } } });
    expect([limiter.tryTenant(name).ok, limiter.tryTenant(name).ok, limiter.tryTenant(name).ok]).toEqual([true, true, false]);
    expect([limiter.tryProvider(name).ok, limiter.tryProvider(name).ok]).toEqual([true, false]);
  });
});

describe('"__proto__" as a configured name', () => {
  // JSON.parse makes "__proto__" an own key; a parsed record would drop it, and the limit with it.
  const json = (s: string): unknown => JSON.parse(s);

  it('is refused, naming the field, rather than silently dropped', () => {
    expect(() => parseBudgetConfig(json('{"tenants": {"__proto__": {"dailyUsd": 1}}}'))).toThrow(PolicyConfigError);
    expect(() => parseBudgetConfig(json('{"tenants": {"__proto__": {"dailyUsd": 1}}}'))).toThrow(/tenants\.__proto__: "__proto__" cannot name/);
    expect(() => parseCacheConfig(json('{"agents": {"__proto__": {"enabled": false}}}'))).toThrow(/agents\.__proto__/);
    expect(() => parseRouterConfig(json('{"default": {"tiers": [{"name": "a", "models": ["alpha:a1"]}]}, "rateLimits": {"tenants": {"__proto__": {"capacity": 1, "refillPerSecond": 1}}}}'))).toThrow(
      /rateLimits\.tenants\.__proto__/,
    );
    expect(() => parseGuardrailConfig(json('{"tools": {"byRole": {"__proto__": ["x"]}}}'))).toThrow(GuardrailConfigError);
    expect(() => policyConfigFrom(json('{"guardrails": {"tenants": {"__proto__": {}}}}'), 'policy.json')).toThrow(PolicyConfigFileError);
    expect(() => policyConfigFrom(json('{"guardrails": {"tenants": {"__proto__": {}}}}'), 'policy.json')).toThrow(/^policy\.json: guardrails\.tenants\.__proto__: /);
  });
});

describe('per-tenant state stays bounded', () => {
  const TENANTS = 20_000;

  it('guardrail settings: tenants on the defaults share one resolved config; configured ones are kept in an LRU', () => {
    const settings = new GuardrailSettings({}, { bot: { pii: { mode: 'block' } } }, {});
    for (let i = 0; i < TENANTS; i++) settings.for(i % 2 === 0 ? 'bot' : 'other', `tenant-${i}`);
    expect(settings.size).toBe(2);
    expect(settings.for('bot', 'tenant-1')).toBe(settings.for('bot', 'tenant-2'));

    const tenants = Object.fromEntries(Array.from({ length: TENANTS }, (_, i) => [`tenant-${i}`, { pii: { mode: 'flag' as const } }]));
    const many = new GuardrailSettings({}, {}, tenants, { maxResolved: 500 });
    for (let i = 0; i < TENANTS; i++) expect(many.for('bot', `tenant-${i}`).pii.mode).toBe('flag');
    expect(many.size).toBe(500);
  });

  it('rate limiter: tenant buckets are an LRU, and a tenant in use keeps its own', () => {
    const limiter = new RateLimiter({ tenant: { capacity: 1, refillPerSecond: 0.0001 } });
    expect(limiter.tryTenant('busy').ok).toBe(true);
    for (let i = 0; i < TENANTS; i++) {
      expect(limiter.tryTenant(`tenant-${i}`).ok).toBe(true);
      if (i % 1000 === 0) expect(limiter.tryTenant('busy').ok).toBe(false);
    }
    expect(limiter.tenantBucketCount).toBe(DEFAULT_MAX_TENANT_BUCKETS);
    expect(limiter.tryTenant('busy').ok).toBe(false);

    const small = new RateLimiter({ tenant: { capacity: 1, refillPerSecond: 1 }, maxTenantBuckets: 100 });
    for (let i = 0; i < TENANTS; i++) small.tryTenant(`tenant-${i}`);
    expect(small.tenantBucketCount).toBe(100);
    // Tenants with no limit need no bucket.
    const unlimited = new RateLimiter({});
    for (let i = 0; i < TENANTS; i++) unlimited.tryTenant(`tenant-${i}`);
    expect(unlimited.tenantBucketCount).toBe(0);
  });
});
