/**
 * Checks that only make sense on what the model produced: configured policy terms,
 * verbatim system-prompt leakage, and validity of structured (JSON) output.
 */
import { z } from 'zod';
import type { ZodType } from 'zod';
import { findPromptLeaks } from './prompt-leak';
import type { PromptLeakOptions } from './prompt-leak';
import { compileTerms } from './terms';
import type { CheckResult, Finding, GuardMode, Guardrail, JsonSchemaObject } from './types';
import { actionFor } from './types';

/** Options of the policy-terms guardrail. */
export interface PolicyTermsOptions {
  mode: GuardMode;
  /** Phrases the agent must not say, e.g. "guaranteed returns" or a competitor's name. */
  terms: readonly string[];
}

/** Finds configured phrases, word-bounded for Latin script and as substrings for CJK. */
export function createPolicyTermsGuardrail(options: PolicyTermsOptions): Guardrail {
  const matcher = compileTerms(options.terms);
  return {
    name: 'policy_terms',
    check(text): CheckResult {
      const findings: Finding[] = [];
      matcher.find(text, findings, 'policy_term', 'policy', 0.9);
      return { action: actionFor(options.mode, findings), findings };
    },
  };
}

/** Options of the system-prompt leakage guardrail. */
export interface PromptLeakGuardrailOptions extends PromptLeakOptions {
  mode: GuardMode;
}

/** Needs `ctx.systemPrompt`; without it there is nothing to leak and the check allows. */
export function createPromptLeakGuardrail(options: PromptLeakGuardrailOptions): Guardrail {
  return {
    name: 'system_prompt_leak',
    check(text, ctx): CheckResult {
      if (ctx.systemPrompt === undefined) return { action: 'allow', findings: [] };
      const findings = findPromptLeaks(text, ctx.systemPrompt, options);
      return { action: actionFor(options.mode, findings), findings };
    },
  };
}

/** Needs `ctx.schema`; without one the output is free text and the check allows. */
export function createSchemaGuardrail(options: { mode: GuardMode }): Guardrail {
  return {
    name: 'schema',
    check(text, ctx): CheckResult {
      if (ctx.schema === undefined) return { action: 'allow', findings: [] };
      const findings = validateStructuredOutput(text, ctx.schema);
      return { action: actionFor(options.mode, findings), findings };
    },
  };
}

/** Reported per output; past this many issues more detail does not help anyone. */
const MAX_SCHEMA_FINDINGS = 10;
const converted = new WeakMap<object, ZodType>();

/**
 * Findings for output that is not JSON or does not match `schema` (a zod schema, or a
 * JSON Schema object converted with `z.fromJSONSchema`). A single surrounding code
 * fence is tolerated, since models add one even when told not to.
 */
export function validateStructuredOutput(text: string, schema: ZodType | JsonSchemaObject): Finding[] {
  const whole = (rule: string): Finding => ({ type: 'schema', start: 0, end: text.length, rule, score: 1 });
  const zodSchema = toZod(schema);
  if (zodSchema === undefined) return [whole('schema.unusable_schema')];
  const fenced = fencedBody(text);
  let value: unknown;
  try {
    value = JSON.parse(fenced ?? text);
  } catch {
    return [whole('schema.invalid_json')];
  }
  const result = zodSchema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.slice(0, MAX_SCHEMA_FINDINGS).map((issue) => {
    const path = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
    return whole(`schema.${issue.code}:${path}`);
  });
}

/**
 * The body of a text that is one code fence (```json, a newline, the body, ```), else
 * undefined. A scan rather than a regex: `^\s*```\w*\s*\n([\s\S]*?)\n?```\s*$` is
 * quadratic on a long run of newlines, and model output has no size limit.
 */
function fencedBody(text: string): string | undefined {
  const t = text.trim();
  if (!t.startsWith('```') || !t.endsWith('```')) return undefined;
  let i = 3;
  while (i < t.length && /[a-zA-Z]/.test(t[i]!)) i++;
  // The body starts after the last newline of the blank run that ends the opening line.
  let start = -1;
  for (; i < t.length && /\s/.test(t[i]!); i++) if (t[i] === '\n') start = i + 1;
  const close = t.length - 3;
  if (start === -1 || close < start) return undefined;
  return t.slice(start, close > start && t[close - 1] === '\n' ? close - 1 : close);
}

function isZod(s: unknown): s is ZodType {
  return typeof s === 'object' && s !== null && typeof (s as { safeParse?: unknown }).safeParse === 'function';
}

function toZod(schema: ZodType | JsonSchemaObject): ZodType | undefined {
  if (isZod(schema)) return schema;
  const hit = converted.get(schema);
  if (hit !== undefined) return hit;
  try {
    const z4 = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    converted.set(schema, z4);
    return z4;
  } catch {
    return undefined;
  }
}
