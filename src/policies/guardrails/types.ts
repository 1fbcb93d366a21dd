/**
 * Shapes shared by every guardrail. Plain data and plain functions only: guardrails run
 * inside activities but never import Temporal, so unit tests call them directly.
 */
import type { ZodType } from 'zod';

/** What a guardrail decides about one text. Ordered by severity: allow < redact < block. */
export type GuardAction = 'allow' | 'redact' | 'block';

/**
 * How a configured check reacts when it finds something: `block` stops the step,
 * `redact` replaces the matched spans, `flag` records the findings but allows.
 */
export type GuardMode = 'block' | 'redact' | 'flag';

/** Where the text comes from. Tool results are untrusted input, like the user's own text. */
export type Direction = 'input' | 'output' | 'tool_result';

/** One thing a guardrail found. `start`/`end` are UTF-16 offsets into the checked text. */
export interface Finding {
  /** What was found, e.g. `email`, `card`, `injection`; redaction writes `[REDACTED:<type>]`. */
  type: string;
  start: number;
  end: number;
  /** The rule or detector that matched, e.g. `instruction_override` or `phone.cn_mobile`. */
  rule: string;
  /** Confidence in [0, 1]. */
  score: number;
}

/** The verdict of one guardrail on one text. */
export interface CheckResult {
  action: GuardAction;
  findings: Finding[];
}

/** A JSON Schema document, as an agent may declare for its structured output. */
export type JsonSchemaObject = Record<string, unknown>;

/** What a check may know besides the text itself. */
export interface GuardContext {
  direction: Direction;
  agent?: string;
  tenantId?: string;
  /** The caller's role within its tenant; tool allowlists are keyed by it. */
  role?: string;
  /** The agent's system prompt, so output checks can spot it being leaked verbatim. */
  systemPrompt?: string;
  /** Expected shape of a structured output: a zod schema or a JSON Schema object. */
  schema?: ZodType | JsonSchemaObject;
}

/** A guardrail is data: a name and a pure check. */
export interface Guardrail {
  readonly name: string;
  check(text: string, ctx: GuardContext): CheckResult;
}

const SEVERITY: Readonly<Record<GuardAction, number>> = { allow: 0, redact: 1, block: 2 };

/** The more severe of two actions. */
export function mostSevere(a: GuardAction, b: GuardAction): GuardAction {
  return SEVERITY[b] > SEVERITY[a] ? b : a;
}

/** The action a check in `mode` takes once it has found something. */
export function actionFor(mode: GuardMode, findings: readonly Finding[]): GuardAction {
  if (findings.length === 0 || mode === 'flag') return 'allow';
  return mode;
}
