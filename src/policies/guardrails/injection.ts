/**
 * Prompt-injection detection for user input and tool results. Rules from the
 * injection-rules-* tables fire on the text (after undoing zero-width, fullwidth and
 * letter-spacing tricks) and on whatever its base64/hex/percent/ROT13-encoded spans
 * decode to; the scores of the distinct rules that fired are combined as a noisy-or,
 * and the text is an attack when the combined score reaches the threshold.
 */
import { findEncodedSpans } from './encoded';
import type { InjectionRule } from './injection-rule';
import { EXTRACTION_RULES } from './injection-rules-en-extraction';
import { OVERRIDE_RULES } from './injection-rules-en-override';
import { ZH_RULES } from './injection-rules-zh';
import { foldObfuscation, unfoldSpan } from './normalize';
import { eachMatch } from './scan';
import type { CheckResult, Direction, Finding, GuardMode, Guardrail } from './types';
import { actionFor } from './types';

/** The combined score of a text and every rule match behind it. */
export interface InjectionScan {
  /** Noisy-or of the distinct rules that fired, in [0, 1]. */
  score: number;
  findings: Finding[];
}

/** Options of the injection guardrail. */
export interface InjectionOptions {
  mode: GuardMode;
  /** Combined score at or above which the text counts as an injection (default 0.7). */
  threshold?: number;
  /** Decode base64/hex/percent/ROT13-encoded spans and scan them too (default true). */
  decode?: boolean;
}

const EN_RULES: readonly InjectionRule[] = [...OVERRIDE_RULES, ...EXTRACTION_RULES];
/** Chinese rules only run on text that has CJK ideographs. */
const CJK = /[\u4e00-\u9fff]/;
/** Encodings inside encodings are followed this deep; deeper nesting is not worth the time. */
const MAX_DEPTH = 2;

/** Scores `text` against every rule; callers compare `score` with their threshold. */
export function scanInjection(text: string, direction: Direction = 'input', decode = true): InjectionScan {
  const folded = foldObfuscation(text);
  const target = folded === undefined ? text : folded.text;
  const scan = scanPlain(target, direction, decode ? MAX_DEPTH : 0);
  if (folded !== undefined) {
    for (const f of scan.findings) {
      const span = unfoldSpan(folded, f.start, f.end);
      f.start = span.start;
      f.end = span.end;
    }
  }
  return scan;
}

function scanPlain(text: string, direction: Direction, depth: number): InjectionScan {
  const findings: Finding[] = [];
  let miss = runRules(EN_RULES, text, direction, findings);
  if (CJK.test(text)) miss *= runRules(ZH_RULES, text, direction, findings);
  if (depth > 0) {
    for (const span of findEncodedSpans(text)) {
      const inner = scanPlain(span.decoded, direction, depth - 1);
      if (inner.findings.length === 0) continue;
      const top = inner.findings.reduce((a, b) => (b.score > a.score ? b : a));
      findings.push({ type: 'injection', start: span.start, end: span.end, rule: `encoding.${span.kind}:${top.rule}`, score: inner.score });
      miss *= 1 - inner.score;
    }
  }
  return { score: 1 - miss, findings };
}

/** Runs `rules`, appends their matches, and returns the product of (1 - weight) of those that fired. */
function runRules(rules: readonly InjectionRule[], text: string, direction: Direction, findings: Finding[]): number {
  let miss = 1;
  for (const rule of rules) {
    const weight = direction === 'tool_result' && rule.toolScore !== undefined ? rule.toolScore : rule.score;
    let fired = false;
    eachMatch(rule.re, text, (m) => {
      fired = true;
      findings.push({ type: 'injection', start: m.index, end: m.index + m[0].length, rule: rule.id, score: weight });
    });
    if (fired) miss *= 1 - weight;
  }
  return miss;
}

/** Blocks (or flags, or redacts) text whose combined injection score reaches the threshold. */
export function createInjectionGuardrail(options: InjectionOptions): Guardrail {
  const threshold = options.threshold ?? 0.7;
  const decode = options.decode ?? true;
  return {
    name: 'injection',
    check(text, ctx): CheckResult {
      const scan = scanInjection(text, ctx.direction, decode);
      // Weak markers below the threshold are noise for the caller: report nothing.
      const findings = scan.score >= threshold ? scan.findings : [];
      return { action: actionFor(options.mode, findings), findings };
    },
  };
}
