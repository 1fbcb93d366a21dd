import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { type CacheableRequest, isCacheableTool, parseCacheConfig, cachePolicyFor, ResponseCache } from '../../src/policies/cache';
import type { PolicyConfigError } from '../../src/policies/config-parse';
import type { ModelResponse } from '../../src/models/types';

const databaseUrl = process.env.TEST_DATABASE_URL;
if (!databaseUrl) throw new Error('TEST_DATABASE_URL is not set: run through jest (global-setup.ts)');
const pool = new pg.Pool({ connectionString: databaseUrl, max: 5 });
afterAll(() => pool.end());

const tenant = (): string => `t-${randomUUID()}`;

const request = (over: Partial<CacheableRequest> = {}): CacheableRequest => ({
  provider: 'openai',
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are terse.' },
    { role: 'user', content: 'What is 2 + 2?' },
  ],
  tools: [],
  temperature: 0,
  maxTokens: 256,
  ...over,
});

const response: ModelResponse = {
  message: { role: 'assistant', content: '4' },
  usage: { inputTokens: 12, outputTokens: 1 },
  finishReason: 'stop',
  model: 'openai:gpt-4o-mini',
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ResponseCache', () => {
  it('serves a repeated request from L1', async () => {
    const t = tenant();
    const cache = new ResponseCache<ModelResponse>({ pool });
    const key = cache.key(request(), t);
    if (!key) throw new Error('expected a key');
    expect(await cache.get(t, key)).toBeUndefined();
    await cache.set(t, key, response);
    expect(await cache.get(t, key)).toEqual({ value: response, level: 'l1' });
    expect(cache.stats()).toMatchObject({ l1: { hits: 1, misses: 1, entries: 1 }, l2: { hits: 0, misses: 1 }, sets: 1, errors: 0 });
  });

  it('serves another worker from L2, then from its own L1', async () => {
    const t = tenant();
    const first = new ResponseCache<ModelResponse>({ pool });
    const second = new ResponseCache<ModelResponse>({ pool });
    const key = first.key(request(), t) as string;
    await first.set(t, key, response);
    expect(second.key(request(), t)).toBe(key);
    expect(await second.get(t, key)).toEqual({ value: response, level: 'l2' });
    expect(await second.get(t, key)).toEqual({ value: response, level: 'l1' });
    expect(second.stats()).toMatchObject({ l1: { hits: 1, misses: 1 }, l2: { hits: 1, misses: 0 } });
  });

  it('never serves one tenant what another stored', async () => {
    const [a, b] = [tenant(), tenant()];
    const cache = new ResponseCache<ModelResponse>({ pool });
    const keyA = cache.key(request(), a) as string;
    await cache.set(a, keyA, response);
    expect(cache.key(request(), b)).not.toBe(keyA);
    // Even a key computed for tenant a finds nothing for tenant b, in L1 or in L2.
    expect(await cache.get(b, keyA)).toBeUndefined();
    expect(await new ResponseCache({ pool }).get(b, keyA)).toBeUndefined();
  });

  it('bypasses requests that are not deterministic unless opted in', async () => {
    const cache = new ResponseCache({ pool });
    expect(cache.key(request({ temperature: 0.7 }), tenant())).toBeUndefined();
    const providerDefault = request();
    delete providerDefault.temperature;
    expect(cache.key(providerDefault, tenant())).toBeUndefined();
    expect(cache.stats().bypasses).toBe(2);
    expect(cache.key(request({ temperature: 0.7 }), tenant(), { cacheNonDeterministic: true })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('expires entries after their TTL in both levels', async () => {
    const t = tenant();
    const cache = new ResponseCache<ModelResponse>({ pool });
    const key = cache.key(request(), t) as string;
    await cache.set(t, key, response, { ttlSeconds: 0.3 });
    expect((await new ResponseCache({ pool }).get(t, key))?.level).toBe('l2');
    await sleep(400);
    expect(await cache.get(t, key)).toBeUndefined();
    expect(await new ResponseCache({ pool }).get(t, key)).toBeUndefined();
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM response_cache WHERE tenant_id = $1', [t]);
    expect(rows[0].n).toBe(1);
    expect(await cache.prune()).toBeGreaterThanOrEqual(1);
    expect((await pool.query('SELECT count(*)::int AS n FROM response_cache WHERE tenant_id = $1', [t])).rows[0].n).toBe(0);
  });

  it('keeps L1 no longer than its own TTL (fake clock), falling back to L2', async () => {
    const t = tenant();
    let now = 1_000_000;
    const cache = new ResponseCache<ModelResponse>({ pool, l1TtlSeconds: 10, clock: () => now });
    const key = cache.key(request(), t) as string;
    await cache.set(t, key, response);
    now += 9_999;
    expect((await cache.get(t, key))?.level).toBe('l1');
    now += 1;
    expect((await cache.get(t, key))?.level).toBe('l2');
  });

  it('caps L2 rows per namespace and per tenant, evicting the oldest', async () => {
    const namespace = `test-${randomUUID()}`;
    const cache = new ResponseCache<string>({ pool, namespace, l2MaxRows: 3, l1MaxEntries: 0 });
    const tenants = Array.from({ length: 5 }, tenant);
    for (const [i, t] of tenants.entries()) await cache.set(t, cache.keyFor(t, i), `v${i}`);
    const kept = await pool.query<{ value: string }>('SELECT value FROM response_cache WHERE namespace = $1 ORDER BY seq', [namespace]);
    expect(kept.rows.map((r) => r.value)).toEqual(['v2', 'v3', 'v4']);
    expect(cache.stats().l2.evictions).toBe(2);
    expect(await cache.get(tenants[0] as string, cache.keyFor(tenants[0] as string, 0))).toBeUndefined();

    const perTenant = new ResponseCache<string>({ pool, namespace: `${namespace}-t`, l2MaxRowsPerTenant: 2, l1MaxEntries: 0 });
    const [a, b] = [tenant(), tenant()];
    for (let i = 0; i < 4; i++) await perTenant.set(a, perTenant.keyFor(a, i), `a${i}`);
    await perTenant.set(b, perTenant.keyFor(b, 0), 'b0');
    const rows = await pool.query<{ value: string }>('SELECT value FROM response_cache WHERE namespace = $1 ORDER BY seq', [`${namespace}-t`]);
    expect(rows.rows.map((r) => r.value)).toEqual(['a2', 'a3', 'b0']);
  });

  it('paces eviction of large caps, overshooting by under 0.1%, and prune() enforces them exactly', async () => {
    const namespace = `test-${randomUUID()}`;
    const t = tenant();
    await pool.query(
      `INSERT INTO response_cache (tenant_id, namespace, key, value, expires_at)
       SELECT $1, $2, 'pre' || g, '"old"', now() + interval '1 hour' FROM generate_series(1, 2000) g`,
      [t, namespace],
    );
    const cache = new ResponseCache<string>({ pool, namespace, l2MaxRows: 2000, l1MaxEntries: 0 });
    const count = async () => (await pool.query('SELECT count(*)::int AS n FROM response_cache WHERE namespace = $1', [namespace])).rows[0].n as number;
    await cache.set(t, 'k1', 'new');
    expect(await count()).toBe(2001);
    await cache.set(t, 'k2', 'new');
    expect(await count()).toBe(2000);
    await cache.set(t, 'k3', 'new');
    expect(await cache.prune()).toBe(1);
    expect(await count()).toBe(2000);
    expect((await cache.get(t, 'k1'))?.value).toBe('new');
  });

  it('refreshes an overwritten entry so it is evicted last', async () => {
    const namespace = `test-${randomUUID()}`;
    const t = tenant();
    const cache = new ResponseCache<string>({ pool, namespace, l2MaxRows: 2, l1MaxEntries: 0 });
    await cache.set(t, 'k1', 'one');
    await cache.set(t, 'k2', 'two');
    await cache.set(t, 'k1', 'one again');
    await cache.set(t, 'k3', 'three');
    expect((await cache.get(t, 'k1'))?.value).toBe('one again');
    expect(await cache.get(t, 'k2')).toBeUndefined();
  });

  it('hands out frozen copies, so no caller can change what the next one gets', async () => {
    const t = tenant();
    const cache = new ResponseCache<ModelResponse>({ pool });
    const key = cache.key(request(), t) as string;
    const mine = structuredClone(response);
    await cache.set(t, key, mine);
    mine.message.content = 'changed after set';
    const hit = await cache.get(t, key);
    expect(hit?.value.message.content).toBe('4');
    expect(() => {
      (hit?.value.message as { content: string }).content = 'x';
    }).toThrow(TypeError);
  });

  it('treats L2 failures as misses and counts them', async () => {
    const broken = new pg.Pool({ connectionString: databaseUrl });
    await broken.end();
    const errors: string[] = [];
    const cache = new ResponseCache({ pool: broken, onError: (_err, op) => errors.push(op) });
    await cache.set('t', 'k', 'v');
    cache.clearL1();
    expect(await cache.get('t', 'k')).toBeUndefined();
    expect(errors).toEqual(['set', 'get']);
    expect(cache.stats().errors).toBe(2);
  });
});

describe('cache keys', () => {
  const cache = new ResponseCache();
  const t = 'tenant-k';

  it('ignore key order and provider tool-call ids, but not content, model or sampling', () => {
    const base = cache.key(request({ sampling: { top_p: 1, seed: 7 } }), t);
    expect(cache.key(request({ sampling: { seed: 7, top_p: 1 } }), t)).toBe(base);
    expect(cache.key(request({ sampling: { seed: 8, top_p: 1 } }), t)).not.toBe(base);
    expect(cache.key(request({ model: 'gpt-4o' }), t)).not.toBe(cache.key(request(), t));
    expect(cache.key(request({ maxTokens: 512 }), t)).not.toBe(cache.key(request(), t));

    const conversation = (id: string) =>
      request({
        messages: [
          { role: 'user', content: 'order AB-1?' },
          { role: 'assistant', content: null, toolCalls: [{ id, name: 'lookup_order', arguments: '{"orderId":"AB-1"}' }] },
          { role: 'tool', toolCallId: id, name: 'lookup_order', content: 'shipped', isError: false },
        ],
      });
    expect(cache.key(conversation('call_abc'), t)).toBe(cache.key(conversation('toolu_xyz'), t));
  });

  it('give tool results their own namespace, with argument order irrelevant', () => {
    const tools = new ResponseCache({ namespace: 'tool' });
    expect(tools.toolKey(t, 'support', 'lookup_order', { id: 1, verbose: true })).toBe(tools.toolKey(t, 'support', 'lookup_order', { verbose: true, id: 1 }));
    expect(tools.toolKey(t, 'support', 'lookup_order', { id: 1 })).not.toBe(cache.toolKey(t, 'support', 'lookup_order', { id: 1 }));
    // Another agent's tool of the same name is another tool.
    expect(tools.toolKey(t, 'support', 'lookup_order', { id: 1 })).not.toBe(tools.toolKey(t, 'billing', 'lookup_order', { id: 1 }));
    expect(isCacheableTool({ effect: 'read', idempotent: true })).toBe(true);
    expect(isCacheableTool({ effect: 'read' })).toBe(false);
    expect(isCacheableTool({ effect: 'compensable', idempotent: true })).toBe(false);
  });
});

describe('cache config', () => {
  it('names the bad field', () => {
    expect(() => parseCacheConfig({ l2MaxRows: 0 })).toThrow(/^invalid cache config: l2MaxRows: /);
    try {
      parseCacheConfig({ tenants: { acme: { ttlSecs: 5 } } });
    } catch (err) {
      expect((err as PolicyConfigError).fields).toEqual(['tenants.acme.ttlSecs']);
    }
    expect.assertions(2);
  });

  it('combines global, tenant and agent settings', () => {
    const config = parseCacheConfig({
      l2TtlSeconds: 600,
      tenants: { acme: { ttlSeconds: 60 }, off: { enabled: false } },
      agents: { writer: { cacheNonDeterministic: true, ttlSeconds: 120 } },
    });
    expect(cachePolicyFor(config, { tenantId: 'acme', agent: 'writer' })).toEqual({ enabled: true, ttlSeconds: 60, cacheNonDeterministic: true });
    expect(cachePolicyFor(config, { tenantId: 'other' })).toEqual({ enabled: true, ttlSeconds: 600, cacheNonDeterministic: false });
    expect(cachePolicyFor(config, { tenantId: 'off', agent: 'writer' }).enabled).toBe(false);
  });
});

describe('cache hits', () => {
  // How fast they are is measured by `npm run bench` (bench/cache.ts, against its targets), not here.
  it('serves a hit from L1, and from L2 once L1 has lost it', async () => {
    const t = tenant();
    const cache = new ResponseCache<ModelResponse>({ pool });
    const key = cache.key(request(), t) as string;
    await cache.set(t, key, response);
    expect((await cache.get(t, key))?.level).toBe('l1');
    cache.clearL1();
    expect((await cache.get(t, key))?.level).toBe('l2');
    // An L2 hit puts the entry back in L1.
    expect((await cache.get(t, key))?.level).toBe('l1');
  });
});
