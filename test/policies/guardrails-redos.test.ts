/**
 * Guardrails scan text a user or a tool controls, on the worker's event loop, and user
 * messages are checked again on every model step: every check must stay linear in the
 * length of the text. A quadratic pattern (two quantified runs that can share the same
 * characters, like `[ \t]*#{0,3}[ \t]*`) takes seconds on a few tens of thousands of
 * spaces and tens of seconds on the inputs below.
 *
 * No timing here is tight: the whole-check bound is about 20 times what the checks take
 * on a busy 2-core machine, and the per-pattern audit fails a pattern only when it is
 * both slow and growing faster than linearly.
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { z } from 'zod';
import {
  type Direction,
  type GuardContext,
  type GuardrailConfig,
  resolveGuardrailConfig,
  runGuardrails,
} from '../../src/policies/guardrails';
import type { InjectionRule } from '../../src/policies/guardrails/injection-rule';

const GUARDRAILS_DIR = path.resolve(__dirname, '../../src/policies/guardrails');
const SIZE = 200_000;
const pump = (prefix: string, unit: string, suffix = '\u0001', size = SIZE): string =>
  prefix + unit.repeat(Math.ceil((size - prefix.length - suffix.length) / unit.length)) + suffix;

/** Every check on, in every direction, with no size limit, so each one sees the whole text. */
const EVERYTHING: GuardrailConfig = resolveGuardrailConfig(
  Object.fromEntries(
    ['injection', 'pii', 'secrets', 'toxicity', 'policyTerms', 'systemPromptLeak', 'schema'].map((k) => [
      k,
      { enabled: true, directions: ['input', 'output', 'tool_result'] },
    ]),
  ),
  { size: { enabled: false }, policyTerms: { terms: ['guaranteed returns', '保本'] } },
);
const CONTEXT: Omit<GuardContext, 'direction'> = {
  systemPrompt: 'You are the support assistant of a logistics company. Answer briefly and politely.',
  schema: z.object({ answer: z.string() }),
};

/** Inputs built the way the patterns that were quadratic fail: long runs that two quantifiers can split. */
const ADVERSARIAL: Array<[string, string]> = [
  ['spaces', pump('', ' ')],
  ['tabs', pump('', '\t')],
  ['newlines', pump('', '\n')],
  ['spaces after a heading mark', pump('#', ' ')],
  ['whitespace after "I"', pump('I', '\t')],
  ['whitespace after "ssn"', pump('ssn', ' ')],
  ['whitespace after "order"', pump('order', ' ')],
  ['whitespace after "version"', pump('version', ' ')],
  ['a base64url run of "-eyJ" pieces', pump('', 'eyJyyyyyyy-')],
  ['a run of sentence punctuation after a keyword', pump('key: ', '!')],
  ['a code fence over newlines', pump('```\n', '\n', 'x```')],
  ['spaced-out letters', pump('', 'a ', 'aa')],
  ['dotted labels', pump('a@', 'b.', '1')],
  ['digits and dashes', pump('', '1-')],
  ['percent signs', pump('x', '%2')],
  ['repeated instruction words', pump('', 'ignore previous ')],
  ['repeated Chinese', pump('', '忽略之前', '。')],
];

describe('guardrails on adversarial input', () => {
  it.each(ADVERSARIAL)('check %s (200,000 characters) in every direction in under 2 s', (_, text) => {
    const slow: string[] = [];
    for (const direction of ['input', 'output', 'tool_result'] as Direction[]) {
      const started = performance.now();
      runGuardrails(direction, text, EVERYTHING, CONTEXT);
      const ms = performance.now() - started;
      if (ms >= 2000) slow.push(`${direction}: ${Math.round(ms)} ms`);
    }
    expect(slow).toEqual([]);
  });
});

interface Pattern {
  re: RegExp;
  where: string;
}

/** Regex literals of the guardrail sources, found in their syntax trees. */
function literalPatterns(): Pattern[] {
  const out: Pattern[] = [];
  for (const file of fs.readdirSync(GUARDRAILS_DIR).filter((f) => f.endsWith('.ts'))) {
    const source = ts.createSourceFile(file, fs.readFileSync(path.join(GUARDRAILS_DIR, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isRegularExpressionLiteral(node)) {
        const slash = node.text.lastIndexOf('/');
        const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        out.push({ re: new RegExp(node.text.slice(1, slash), node.text.slice(slash + 1)), where: `${file}:${line}` });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

/**
 * Regexes the guardrail modules build at run time (rule tables, term lists, key formats):
 * recorded while the modules load afresh and compile every check.
 */
function builtPatterns(): Pattern[] {
  const out: Pattern[] = [];
  const Original = RegExp;
  const recording = new Proxy(Original, {
    construct(target, args: [string | RegExp, string?]) {
      const re = Reflect.construct(target, args) as RegExp;
      const caller = new Error().stack?.split('\n')[2] ?? '';
      if (caller.includes(GUARDRAILS_DIR)) out.push({ re, where: caller.trim().replace(/^.*[/\\]guardrails[/\\]/, '').replace(/\)$/, '') });
      return re;
    },
  });
  const ruleIds = new Map<string, string>();
  globalThis.RegExp = recording;
  try {
    jest.isolateModules(() => {
      /* eslint-disable @typescript-eslint/no-require-imports */
      const g = require('../../src/policies/guardrails') as { runGuardrails: typeof runGuardrails };
      for (const direction of ['input', 'output', 'tool_result'] as Direction[]) g.runGuardrails(direction, 'hello', EVERYTHING, CONTEXT);
      for (const table of ['injection-rules-en-override', 'injection-rules-en-extraction', 'injection-rules-zh']) {
        const rules = Object.values(require(`../../src/policies/guardrails/${table}`) as Record<string, InjectionRule[]>)[0] ?? [];
        for (const rule of rules) ruleIds.set(rule.re.source, `${table}.ts ${rule.id}`);
      }
      /* eslint-enable @typescript-eslint/no-require-imports */
    });
  } finally {
    globalThis.RegExp = Original;
  }
  return out.map((p) => ({ re: p.re, where: ruleIds.get(p.re.source) ?? p.where }));
}

/**
 * Work of finding every match of `re` in `text`, in ms. A sticky pattern only ever runs
 * where its caller puts it (right after a keyword), so it is tried at the start alone.
 */
function scanMs(re: RegExp, text: string): number {
  const copy = new RegExp(re.source, re.flags.includes('y') ? re.flags : re.flags.replace('g', '') + 'g');
  const started = performance.now();
  let m: RegExpExecArray | null;
  while ((m = copy.exec(text)) !== null) if (m[0].length === 0) copy.lastIndex++;
  return performance.now() - started;
}

/** Runs that overlapping quantifiers split, after the literals such patterns start with. */
const WHITESPACE = [' ', '\t', '\n', ' \n', '\r\n'];
const PREFIXES = ['', 'I', '#', 'v', 'ssn', 'order', 'eyJ', '```', 'system', 'key', 'social', 'ignore', 'print your', 'send user', 'a@b', '把', '忽略'];
const OTHER_RUNS = ['-', '.', '!', ':', '%', 'a', 'A1', 'a ', 'a.', '1 ', '1-', 'eyJyyyyyyy-', '```\n', 'ignore ', 'sk-', 'a dot ', '\\x41'];

describe('guardrail regexes', () => {
  const patterns = [...literalPatterns(), ...builtPatterns()];

  it('finds the patterns it audits', () => {
    // Literals, the injection rule tables, the key formats and the compiled term lists.
    expect(patterns.length).toBeGreaterThan(100);
    expect(patterns.some((p) => p.re.source.includes('system[ \\t]*:'))).toBe(true);
  });

  it('each stays linear on long runs that quantifiers can split', () => {
    const inputs = [...PREFIXES.flatMap((p) => WHITESPACE.map((w) => [p, w])), ...OTHER_RUNS.map((r) => ['', r])] as Array<[string, string]>;
    const slow: string[] = [];
    for (const { re, where } of patterns) {
      for (const [prefix, unit] of inputs) {
        const big = scanMs(re, pump(prefix, unit, '\u0001', 60_000));
        // Linear scans of 60,000 characters take well under a millisecond each; look closer only at slow ones.
        if (big < 60) continue;
        // The fastest of three, so a busy machine or a GC pause does not pass for a slow pattern.
        const fastest = (chars: number) => Math.min(...[0, 1, 2].map(() => scanMs(re, pump(prefix, unit, '\u0001', chars))));
        const small = fastest(15_000);
        const again = Math.min(big, fastest(60_000));
        // Four times the text: about 4x the time when linear, 16x when quadratic; a quadratic pattern
        // takes seconds at 60,000 characters, a linear one well under 100 ms even on a loaded machine.
        if (again > 100 && again / Math.max(small, 0.5) > 8) slow.push(`${where} on ${JSON.stringify(prefix)} + ${JSON.stringify(unit)}…: ${small.toFixed(1)} ms → ${again.toFixed(1)} ms: /${re.source.slice(0, 80)}…/`);
      }
    }
    expect(slow).toEqual([]);
  });
});
