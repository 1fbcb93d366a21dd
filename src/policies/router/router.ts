/**
 * Routes a model request: picks a tier from the request's complexity and the remaining
 * budget, then walks the tier's fallback chain. A model is skipped while its provider's
 * retry-after has not passed, its breaker is open or its rate limit is spent; a retryable
 * failure (429, 5xx, overload, timeout) moves on to the next model; anything else ends
 * the call at once, since another model would be refused just the same.
 */
import type { PriceTable } from '../../models/pricing';
import type { ModelProviders } from '../../models/registry';
import { type ModelRequest, type ModelResponse, parseModelRef } from '../../models/types';
import { DurableAgentsError } from '../../shared/errors';
import { FailureType } from '../../shared/failures';
import { PolicyConfigError } from '../config-parse';
import { estimateCallCost } from '../budget/estimate';
import { CircuitBreakers, providerBreaker } from './breaker';
import { type ClassifiedError, classifyForRouting, type ErrorClassifier } from './classify';
import { type Clock, systemClock } from './clock';
import { scoreComplexity, selectTier } from './complexity';
import type { RouterConfig, RouterProfile } from './config';
import { RateLimiter } from './rate-limit';

/** A request without a model: the router chooses it. */
export type RoutableRequest = Omit<ModelRequest, 'model'>;

/** Who is asking, and what they can afford. */
export interface RouteContext {
  tenantId: string;
  agent?: string;
  /** From the budget ledger; low values push the choice to cheaper tiers. Unknown means no budget pressure. */
  remainingBudgetUsd?: number;
  /** A fixed chain (e.g. the agent's pinned model), instead of choosing a tier. */
  chain?: readonly string[];
  /** A plan made earlier with {@link ModelRouter.plan} (e.g. to size the budget reservation); `complete` follows it as is. */
  plan?: RoutePlan;
  signal?: AbortSignal;
}

/** The models a request will try, in order, and why. */
export interface RoutePlan {
  /** Tier name, or `pinned` for a chain given by the caller. */
  tier: string;
  score: number;
  reason: 'complexity' | 'budget' | 'pinned';
  chain: string[];
}

/** What happened to one model of the chain. Plain JSON, for results and audit records. */
export interface RouteAttempt {
  modelRef: string;
  outcome: 'ok' | 'failed' | 'skipped';
  reason?: 'retry-after' | 'circuit-open' | 'rate-limited';
  error?: { type: string; message: string; retryAfterMs?: number };
  durationMs?: number;
}

export interface RoutedResponse {
  response: ModelResponse;
  /** `<provider>:<model>` that answered. */
  modelRef: string;
  plan: RoutePlan;
  attempts: RouteAttempt[];
}

/** The tenant's own rate limit is spent: the tenant's to wait out. Retryable after `retryAfterMs`. */
export class TenantRateLimitedError extends DurableAgentsError {
  constructor(
    readonly tenantId: string,
    retryAfterMs: number,
  ) {
    // At least a millisecond: a delay of zero would mean the retry policy's own backoff.
    super(`tenant "${tenantId}" is over its model-call rate limit; retry in ${retryAfterMs} ms`, { type: FailureType.RateLimited, fault: 'user', retryable: true, retryAfterMs: Math.max(1, retryAfterMs) });
  }
}

/**
 * Every model of the chain failed retryably or was unavailable. Retryable: `retryAfterMs`
 * is the soonest a skipped or failed model said it may be tried again, if any said so.
 * Its failure type is the last failed attempt's, so a workflow sees a rate limit as one.
 */
export class NoModelAvailableError extends DurableAgentsError {
  constructor(
    readonly attempts: RouteAttempt[],
    retryAfterMs: number | undefined,
    /** Failure type of the last failed attempt (e.g. `ModelInvocationError.RateLimit`), if any failed. */
    readonly lastType: string | undefined,
    /** The classified failure of the last failed attempt. */
    readonly lastError: unknown,
  ) {
    super(`no model available: ${attempts.map((a) => `${a.modelRef} ${a.reason ?? a.outcome}${a.error ? ` (${a.error.message})` : ''}`).join('; ')}`, {
      type: lastType ?? FailureType.ModelServerError,
      fault: 'system',
      retryable: true,
      details: { attempts },
      ...(retryAfterMs !== undefined ? { retryAfterMs: Math.max(1, retryAfterMs) } : {}),
    });
  }
}

/** Options of {@link ModelRouter}. */
export interface ModelRouterOptions {
  providers: Pick<ModelProviders, 'get' | 'names'>;
  /** Validated configuration (see `parseRouterConfig`). */
  config: RouterConfig;
  /** Shared with tool activities when they should see the same breakers; built from `config` otherwise. */
  breakers?: CircuitBreakers;
  limiter?: RateLimiter;
  clock?: Clock;
  classify?: ErrorClassifier;
  prices?: PriceTable;
}

export class ModelRouter {
  readonly breakers: CircuitBreakers;
  readonly limiter: RateLimiter;
  private readonly providers: Pick<ModelProviders, 'get' | 'names'>;
  private readonly config: RouterConfig;
  private readonly clock: Clock;
  private readonly classify: ErrorClassifier;
  private readonly prices: PriceTable | undefined;
  /** Per provider: no calls before this time (a retry-after it sent). */
  private readonly notBefore = new Map<string, number>();

  constructor(options: ModelRouterOptions) {
    this.providers = options.providers;
    this.config = options.config;
    this.clock = options.clock ?? systemClock;
    this.classify = options.classify ?? classifyForRouting;
    this.prices = options.prices;
    this.breakers =
      options.breakers ?? new CircuitBreakers({ defaults: options.config.breaker, overrides: options.config.breakers, clock: this.clock });
    this.limiter = options.limiter ?? new RateLimiter({ ...options.config.rateLimits, clock: this.clock });
    checkRouterProviders(options.config, options.providers.names());
  }

  /** Whether `agent` has a routing profile of its own (else callers pin its model and fallbacks). */
  routes(agent: string): boolean {
    return Object.hasOwn(this.config.agents, agent);
  }

  /** The chain `complete` would try for this request, without calling anything. Use it to size a budget reservation. */
  plan(request: RoutableRequest, ctx: Omit<RouteContext, 'signal' | 'plan'>): RoutePlan {
    if (ctx.chain) return { tier: 'pinned', score: 0, reason: 'pinned', chain: [...ctx.chain] };
    const profile = this.profile(ctx.agent);
    const score = scoreComplexity(request, profile.complexity);
    const worstCase = (ref: string) => estimateCallCost(ref, request, { defaultMaxTokens: this.config.defaultMaxTokens, prices: this.prices }).usd;
    const { tier, index, reason } = selectTier(profile.tiers, score, ctx.remainingBudgetUsd, worstCase);
    const chain = [...tier.models];
    if (profile.cascade) {
      for (let i = index - 1; i >= 0; i--) for (const m of profile.tiers[i]?.models ?? []) if (!chain.includes(m)) chain.push(m);
    }
    return { tier: tier.name, score, reason, chain };
  }

  /**
   * Answers `request` with the first model of the plan that can. Throws
   * {@link TenantRateLimitedError}, {@link NoModelAvailableError}, the classified failure
   * of a non-retryable error, or the caller's abort reason.
   */
  async complete(request: RoutableRequest, ctx: RouteContext): Promise<RoutedResponse> {
    const tenant = this.limiter.tryTenant(ctx.tenantId);
    if (!tenant.ok) throw new TenantRateLimitedError(ctx.tenantId, tenant.retryAfterMs);
    const plan = ctx.plan ?? this.plan(request, ctx);
    const attempts: RouteAttempt[] = [];
    const waits: number[] = [];
    let last: ClassifiedError | undefined;

    for (const modelRef of plan.chain) {
      ctx.signal?.throwIfAborted();
      const { provider: providerName, model } = parseModelRef(modelRef);
      const skip = this.unavailable(providerName);
      if (skip) {
        attempts.push({ modelRef, outcome: 'skipped', reason: skip.reason });
        if (skip.waitMs !== undefined) waits.push(skip.waitMs);
        continue;
      }
      const started = this.clock();
      try {
        const response = await this.call(providerName, { ...request, model }, ctx.signal);
        this.breakers.success(providerBreaker(providerName));
        attempts.push({ modelRef, outcome: 'ok', durationMs: this.clock() - started });
        return { response, modelRef, plan, attempts };
      } catch (err) {
        const key = providerBreaker(providerName);
        if (ctx.signal?.aborted) {
          // The caller gave up: that says nothing about the provider.
          this.breakers.abandon(key);
          throw err;
        }
        const failure = err instanceof AttemptTimeout ? timeoutFailure(providerName, err) : this.classify(err, providerName);
        if (!failure.retryable) {
          // The provider answered (it refused the request itself): as far as availability goes, that is a success.
          this.breakers.success(key);
          throw failure.error;
        }
        this.breakers.failure(key);
        if (failure.retryAfterMs !== undefined) {
          this.notBefore.set(providerName, this.clock() + failure.retryAfterMs);
          waits.push(failure.retryAfterMs);
        }
        attempts.push({ modelRef, outcome: 'failed', error: errorOf(failure), durationMs: this.clock() - started });
        last = failure;
      }
    }
    throw new NoModelAvailableError(attempts, waits.length ? Math.min(...waits) : undefined, last?.type, last?.error);
  }

  /** Why a provider cannot be tried now, if it cannot. Checked cheapest first; only the last check consumes anything. */
  private unavailable(provider: string): { reason: NonNullable<RouteAttempt['reason']>; waitMs?: number } | undefined {
    const until = this.notBefore.get(provider);
    if (until !== undefined && until > this.clock()) return { reason: 'retry-after', waitMs: until - this.clock() };
    const key = providerBreaker(provider);
    if (!this.breakers.allow(key)) return { reason: 'circuit-open', waitMs: this.breakers.retryAfterMs(key) };
    const bucket = this.limiter.tryProvider(provider);
    if (!bucket.ok) {
      // The breaker may have handed out a half-open probe slot for a call we will not make.
      this.breakers.abandon(key);
      return { reason: 'rate-limited', waitMs: bucket.retryAfterMs };
    }
    return undefined;
  }

  private async call(providerName: string, request: ModelRequest, signal: AbortSignal | undefined): Promise<ModelResponse> {
    const provider = this.providers.get(providerName);
    const timeoutMs = this.config.attemptTimeoutMs;
    if (timeoutMs === undefined) return provider.complete(request, signal ? { signal } : {});
    // Abort the provider's request on timeout, and stop waiting even if it ignores the signal.
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new AttemptTimeout(timeoutMs);
        controller.abort(err);
        reject(err);
      }, timeoutMs);
    });
    try {
      return await Promise.race([provider.complete(request, { signal: controller.signal }), timeout]);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private profile(agent: string | undefined): RouterProfile {
    // Own keys only: an agent named `constructor` has no profile of its own, not `Object`'s.
    return agent !== undefined && Object.hasOwn(this.config.agents, agent) ? this.config.agents[agent]! : this.config.default;
  }
}

class AttemptTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

function timeoutFailure(provider: string, err: AttemptTimeout): ClassifiedError {
  return { retryable: true, type: FailureType.ModelServerError, message: `${provider} request timed out: ${err.message}`, error: err };
}

function errorOf(f: ClassifiedError): NonNullable<RouteAttempt['error']> {
  return { type: f.type, message: f.message, ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}) };
}

/** Every model in the configuration must name a provider this worker has. */
export function checkRouterProviders(config: RouterConfig, known: string[]): void {
  const fields: string[] = [];
  const details: string[] = [];
  const profiles: Array<[string, RouterProfile]> = [['default', config.default], ...Object.entries(config.agents).map(([name, p]): [string, RouterProfile] => [`agents.${name}`, p])];
  for (const [path, profile] of profiles) {
    profile.tiers.forEach((tier, i) =>
      tier.models.forEach((ref, j) => {
        const { provider } = parseModelRef(ref);
        if (known.includes(provider)) return;
        const field = `${path}.tiers[${i}].models[${j}]`;
        fields.push(field);
        details.push(`${field}: unknown provider "${provider}"; this worker has: ${known.join(', ')}`);
      }),
    );
  }
  if (fields.length) throw new PolicyConfigError('router', fields, details);
}
