/**
 * One way to validate a policy section (budget, cache, router): zod, then every bad field
 * named by its path, and `__proto__` keys refused (a parsed record would silently drop
 * them, and a limit someone configured with them).
 */
import type { z } from 'zod';
import { ConfigError } from '../infra/config';
import { describeIssues, fieldPath } from '../shared/issues';

/** Thrown for invalid policy configuration; `fields` are the offending paths, e.g. `tenants.acme.dailyUsd`. */
export class PolicyConfigError extends ConfigError {
  constructor(
    what: string,
    readonly fields: string[],
    details: string[],
  ) {
    super(`invalid ${what} config: ${details.join('; ')}`);
  }
}

/**
 * Parses `input` with `schema`, or throws a {@link PolicyConfigError} naming every bad field.
 * Shared by the budget, cache and router configs so all three report errors alike.
 */
export function parsePolicyConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const reserved = reservedKeyPaths(input);
  if (reserved.length > 0) throw new PolicyConfigError(what, reserved, reserved.map((f) => `${f}: ${RESERVED_KEY_MESSAGE}`));
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = describeIssues(parsed.error.issues);
  throw new PolicyConfigError(
    what,
    problems.map((d) => d.field),
    problems.map((d) => `${d.field}: ${d.message}`),
  );
}

export const RESERVED_KEY_MESSAGE = '"__proto__" cannot name a tenant, agent, role or anything else here';

/**
 * Paths of the `__proto__` keys in `value` (JSON.parse makes them own keys). A parsed
 * record would silently lose them, and with them a limit someone configured: refuse them.
 */
export function reservedKeyPaths(value: unknown, path: readonly PropertyKey[] = []): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const out: string[] = [];
  for (const [key, child] of Object.entries(value)) {
    const at = [...path, Array.isArray(value) ? Number(key) : key];
    if (key === '__proto__') out.push(fieldPath(at));
    else out.push(...reservedKeyPaths(child, at));
  }
  return out;
}
