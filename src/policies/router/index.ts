/** Model routing: tiers by complexity and budget, fallback chains, circuit breakers and rate limits. */
export { CircuitBreakers, CircuitOpenError, DEFAULT_BREAKER, providerBreaker, toolBreaker } from './breaker';
export type { BreakerOptions, BreakerState, BreakerTransition, CircuitBreakersOptions } from './breaker';
export { classifyForRouting } from './classify';
export type { ClassifiedError, ErrorClassifier } from './classify';
export { systemClock } from './clock';
export type { Clock } from './clock';
export { scoreComplexity, selectTier } from './complexity';
export type { TierChoice } from './complexity';
export { BreakerConfigSchema, BucketSchema, ComplexitySchema, parseRouterConfig, RouterConfigSchema, RouterProfileSchema, TierSchema } from './config';
export type { ComplexityOptions, RouterConfig, RouterConfigInput, RouterProfile, Tier } from './config';
export { DEFAULT_MAX_TENANT_BUCKETS, RateLimiter, TokenBucket } from './rate-limit';
export type { BucketOptions, RateLimiterOptions, Take } from './rate-limit';
export { checkRouterProviders, ModelRouter, NoModelAvailableError, TenantRateLimitedError } from './router';
export type { ModelRouterOptions, RoutableRequest, RouteAttempt, RoutedResponse, RouteContext, RoutePlan } from './router';
