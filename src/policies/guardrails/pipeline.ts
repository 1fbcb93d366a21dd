/**
 * Runs the configured guardrails over one text and combines their verdicts: the most
 * severe action wins, and spans from checks in `redact` mode are replaced with
 * `[REDACTED:<type>]`. Compiled guardrails are cached per config object, so a worker
 * compiles its blocklists once, not per step.
 */
import type { GuardrailConfig } from './config';
import { createInjectionGuardrail } from './injection';
import { createPolicyTermsGuardrail, createPromptLeakGuardrail, createSchemaGuardrail } from './output';
import { createPiiGuardrail, createSecretsGuardrail } from './pii';
import { createToxicityGuardrail } from './toxicity';
import type { CheckResult, Direction, Finding, GuardAction, GuardContext, GuardMode, Guardrail } from './types';
import { actionFor, mostSevere } from './types';

/** What one guardrail decided, as the pipeline reports it. */
export interface GuardrailDecision {
  guardrail: string;
  action: GuardAction;
  findings: Finding[];
}

/** The combined verdict of every guardrail that ran on a text. */
export interface GuardrailRun {
  /** The most severe action of any guardrail. */
  action: GuardAction;
  /** Every finding, in guardrail order, including those of `flag`-mode checks. */
  findings: Finding[];
  /** The text with the spans of redacting checks replaced; equal to the input when none. */
  redacted: string;
  decisions: GuardrailDecision[];
}

/** A compiled guardrail and the directions it runs on. */
export interface GuardrailStage {
  guardrail: Guardrail;
  directions: readonly Direction[];
}

const compiled = new WeakMap<GuardrailConfig, GuardrailStage[]>();

/** Guardrails for `config`, in the order they run; size first so an oversized text is not scanned. */
export function compileGuardrails(config: GuardrailConfig): GuardrailStage[] {
  const hit = compiled.get(config);
  if (hit !== undefined) return hit;
  const stages: GuardrailStage[] = [];
  const add = (c: { enabled: boolean; directions: Direction[] }, g: Guardrail): void => {
    if (c.enabled) stages.push({ guardrail: g, directions: c.directions });
  };
  add(config.size, createSizeGuardrail(config.size.mode, config.size.maxChars));
  add(config.injection, createInjectionGuardrail(config.injection));
  add(config.toxicity, createToxicityGuardrail({ mode: config.toxicity.mode, terms: [...config.toxicity.terms, ...config.toxicity.extraTerms] }));
  add(config.secrets, createSecretsGuardrail(config.secrets));
  add(config.pii, createPiiGuardrail(config.pii));
  add(config.policyTerms, createPolicyTermsGuardrail(config.policyTerms));
  add(config.systemPromptLeak, createPromptLeakGuardrail(config.systemPromptLeak));
  add(config.schema, createSchemaGuardrail(config.schema));
  compiled.set(config, stages);
  return stages;
}

/** Refuses texts longer than `maxChars` UTF-16 units. */
export function createSizeGuardrail(mode: GuardMode, maxChars: number): Guardrail {
  return {
    name: 'size',
    check(text): CheckResult {
      if (text.length <= maxChars) return { action: 'allow', findings: [] };
      const findings: Finding[] = [{ type: 'size_limit', start: maxChars, end: text.length, rule: `size.max_chars:${maxChars}`, score: 1 }];
      return { action: actionFor(mode, findings), findings };
    },
  };
}

/**
 * Runs every guardrail configured for `direction` over `text`. Pass the same resolved
 * config object on every call: compiled blocklists are cached per object.
 */
export function runGuardrails(
  direction: Direction,
  text: string,
  config: GuardrailConfig,
  ctx: Omit<GuardContext, 'direction'> = {},
): GuardrailRun {
  const context: GuardContext = { ...ctx, direction };
  const decisions: GuardrailDecision[] = [];
  const findings: Finding[] = [];
  let action: GuardAction = 'allow';
  let scanned = text;
  for (const stage of compileGuardrails(config)) {
    if (!stage.directions.includes(direction)) continue;
    const result = stage.guardrail.check(scanned, context);
    decisions.push({ guardrail: stage.guardrail.name, action: result.action, findings: result.findings });
    for (const f of result.findings) findings.push(f);
    action = mostSevere(action, result.action);
    if (stage.guardrail.name === 'size') {
      // Scanning a text that is already refused for its size is wasted work, and slow.
      if (result.action === 'block') break;
      // A redacted tail is cut off: the checks after this one only see what is kept.
      if (result.action === 'redact') scanned = text.slice(0, result.findings[0]?.start ?? text.length);
    }
  }
  const toRedact: Finding[] = [];
  for (const d of decisions) if (d.action === 'redact') for (const f of d.findings) toRedact.push(f);
  return { action, findings, redacted: toRedact.length === 0 ? text : redact(text, toRedact), decisions };
}

/**
 * Replaces each span with `[REDACTED:<type>]`. Overlapping spans merge into one,
 * labelled with the type of the span that starts first (the longer one on a tie).
 */
export function redact(text: string, findings: readonly Finding[]): string {
  const spans = findings
    .filter((f) => f.end > f.start)
    .slice()
    .sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let pos = 0;
  let i = 0;
  while (i < spans.length) {
    const first = spans[i]!;
    let end = first.end;
    i++;
    while (i < spans.length && spans[i]!.start < end) {
      end = Math.max(end, spans[i]!.end);
      i++;
    }
    out += text.slice(pos, first.start) + `[REDACTED:${first.type}]`;
    pos = end;
  }
  return out + text.slice(pos);
}
