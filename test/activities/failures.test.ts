/**
 * The one error edge: typed errors become the failures workflows see, with the same
 * types, retryability, retry delays and details as the policies' own errors carry.
 */
import { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../src/activities/failures';
import { asOutage } from '../../src/infra/outage';
import { BudgetExceededError } from '../../src/policies/budget';
import { GuardrailBlockedError } from '../../src/policies/guardrails';
import { CircuitOpenError, NoModelAvailableError, TenantRateLimitedError } from '../../src/policies/router';
import { FailureType } from '../../src/shared/failures';

const failureOf = (err: unknown): ApplicationFailure => {
  const failure = toApplicationFailure(err);
  expect(failure).toBeInstanceOf(ApplicationFailure);
  return failure as ApplicationFailure;
};

test('typed errors carry their own name, whose fault they are and their failure type', () => {
  const err = new TenantRateLimitedError('acme', 250);
  expect(err.name).toBe('TenantRateLimitedError');
  expect(err).toMatchObject({ type: FailureType.RateLimited, fault: 'user', retryable: true, retryAfterMs: 250 });
  expect(new CircuitOpenError('tool:x', undefined).name).toBe('CircuitOpenError');
});

test('a budget stop is non-retryable with the numbers in its details', () => {
  const failure = failureOf(new BudgetExceededError({ kind: 'tenant', subject: 'acme' } as never, 'usd', 1, 0.9, 0.05, 0.2));
  expect(failure.type).toBe(FailureType.BudgetExceeded);
  expect(failure.nonRetryable).toBe(true);
  expect(failure.details).toEqual([{ scope: { kind: 'tenant', subject: 'acme' }, unit: 'usd', limit: 1, spent: 0.9, reserved: 0.05, requested: 0.2 }]);
  expect(failure.nextRetryDelay).toBeUndefined();
});

test('retryable policy errors wait as long as they say, and never zero', () => {
  expect(failureOf(new TenantRateLimitedError('acme', 0))).toMatchObject({ type: FailureType.RateLimited, nonRetryable: false, nextRetryDelay: 1 });
  expect(failureOf(new CircuitOpenError('tool:x', undefined))).toMatchObject({ type: FailureType.CircuitOpen, nonRetryable: false, nextRetryDelay: 1000 });
  expect(failureOf(new CircuitOpenError('tool:x', 5000)).nextRetryDelay).toBe(5000);
  const none = failureOf(new NoModelAvailableError([{ modelRef: 'a:b', outcome: 'skipped', reason: 'circuit-open' }], 0, FailureType.ModelRateLimit, undefined));
  expect(none).toMatchObject({ type: FailureType.ModelRateLimit, nonRetryable: false, nextRetryDelay: 1 });
  expect(none.details).toEqual([{ attempts: [{ modelRef: 'a:b', outcome: 'skipped', reason: 'circuit-open' }] }]);
  expect(failureOf(new NoModelAvailableError([], undefined, undefined, undefined)).type).toBe(FailureType.ModelServerError);
});

test('an input block carries its findings', () => {
  const findings = [{ type: 'injection', rule: 'override' }];
  expect(failureOf(new GuardrailBlockedError('input blocked', findings as never))).toMatchObject({ type: FailureType.GuardrailBlocked, nonRetryable: true, details: [findings] });
});

test('ApplicationFailures and unclassified errors pass through; outages are named', () => {
  const own = ApplicationFailure.nonRetryable('scripted', FailureType.ScriptExhausted);
  expect(toApplicationFailure(own)).toBe(own);
  const bug = new TypeError('x is undefined');
  expect(toApplicationFailure(asOutage(bug))).toBe(bug);
  const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const outage = failureOf(asOutage(refused));
  expect(outage).toMatchObject({ type: FailureType.InfrastructureUnavailable, nonRetryable: true, message: 'infrastructure unavailable: connect ECONNREFUSED' });
  expect(outage.cause).toBe(refused);
  // Already named: not named again.
  expect(failureOf(asOutage(asOutage(refused))).message).toBe('infrastructure unavailable: connect ECONNREFUSED');
});
