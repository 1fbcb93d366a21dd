/**
 * Blocklist for abusive content. The default list names directed abuse, slurs and
 * threats, not swearing in general: "this damn app" is a frustrated customer, "fuck you"
 * is abuse. Deployments extend it through `toxicity.extraTerms`.
 */
import { foldObfuscation, unfoldSpan } from './normalize';
import type { TermMatcher } from './terms';
import { compileTerms } from './terms';
import type { CheckResult, Finding, GuardMode, Guardrail } from './types';
import { actionFor } from './types';

/** Default abusive terms, English (word-bounded, `*` = any suffix) and Chinese (substring). */
export const DEFAULT_TOXIC_TERMS: readonly string[] = [
  'fuck you', 'fuck off', 'fuck yourself', 'motherfucker*', 'cunt*', 'bitch', 'bitches', 'asshole*',
  'dickhead*', 'shithead*', 'dumbass*', 'piece of shit', 'retard', 'retards', 'retarded', 'faggot*',
  'nigger*', 'kill yourself', 'kys', 'go die', 'die in a fire', 'i will kill you', "i'll kill you",
  "i'm going to kill you", 'hope you die', 'you should die', 'shut the fuck up',
  'know where you live', 'find where you live', 'burn your house down', 'burn your office down', 'eat shit', 'moron*', 'you idiot', "you're an idiot", 'you are an idiot', 'fucking idiot',
  '傻逼', '傻b', '煞笔', '傻叉', '操你妈', '草泥马', '去死吧', '滚蛋', '脑残', '贱人', '狗娘养的', '婊子',
  '王八蛋', '杀了你', '弄死你', '死全家', '你这个废物', '你就是个废物', '废物东西', '垃圾东西', '你妈死了', '死妈', '智障',
];

/** Options of the toxicity guardrail. */
export interface ToxicityOptions {
  mode: GuardMode;
  terms: readonly string[];
}

/** Blocks text containing a listed term, also when spelled out or lightly obfuscated. */
export function createToxicityGuardrail(options: ToxicityOptions): Guardrail {
  const matcher: TermMatcher = compileTerms(options.terms, { obfuscation: true });
  return {
    name: 'toxicity',
    check(text): CheckResult {
      const findings: Finding[] = [];
      // Spelled-out and zero-width-split words are matched on the folded text, then mapped back.
      const folded = foldObfuscation(text);
      matcher.find(folded === undefined ? text : folded.text, findings, 'toxicity', 'toxicity', 0.9);
      if (folded !== undefined) {
        for (const f of findings) Object.assign(f, unfoldSpan(folded, f.start, f.end));
      }
      return { action: actionFor(options.mode, findings), findings };
    },
  };
}
