/**
 * The shape of a prompt-injection rule and the regex-building helpers the rule tables
 * share. Gaps between words are bounded counts of word tokens, never unbounded `.*`, so
 * every rule stays linear in the text length.
 */

/** One injection heuristic. */
export interface InjectionRule {
  /** `<family>.<name>`; the family is one of override, roleplay, extraction, indirect, encoding. */
  readonly id: string;
  readonly re: RegExp;
  /** Weight in the combined score when the text is user input or model output. */
  readonly score: number;
  /** Weight when the text is a tool result, where instructions addressed to the model are the attack. */
  readonly toolScore?: number;
}

/** A word token and a separator, for building bounded word gaps. */
export const W = "[\\w'’-]+";
export const S = '[\\s,:]+';

/** Up to `max` words, lazily: `verb ${words(4)} noun`. */
export const words = (max: number): string => `(?:${S}${W}){0,${max}}?`;

/** Sentence punctuation ends a Chinese clause; gaps never cross it. */
export const ZH_GAP = (max: number): string => `[^。！？!?\\n]{0,${max}}?`;

/** Rules are global and case-insensitive unless they say otherwise. */
export const rx = (source: string, flags = 'gi'): RegExp => new RegExp(source, flags);
