/**
 * Compiles a list of terms into one regex. Latin terms match on word boundaries (so
 * "class" never matches "ass"); CJK terms match as substrings, since Chinese has no
 * spaces to bound a word. A trailing `*` in a term allows any word suffix.
 */
import { escapeRegExp } from './scan';
import type { Finding } from './types';

/** Options of {@link compileTerms}. */
export interface TermMatcherOptions {
  /**
   * Also match common character swaps (a→@/4, s→$/5, i→1/!, o→0, e→3, t→7) and a vowel
   * starred out ("f*ck"). Meant for abuse lists, where people dodge filters on purpose.
   */
  obfuscation?: boolean;
}

/** A compiled term list. */
export interface TermMatcher {
  /** Appends one finding per match, `rule` being `<rulePrefix>:<term>`. */
  find(text: string, out: Finding[], type: string, rulePrefix: string, score: number): void;
}

const SWAPS: Readonly<Record<string, string>> = {
  a: 'a@4*',
  e: 'e3*',
  i: 'i1!*',
  o: 'o0*',
  u: 'uv*',
  s: 's$5',
  t: 't7',
};

const LATIN = /^[\x20-\x7e]+$/;

function latinSource(term: string, obfuscation: boolean): string {
  const wildcard = term.endsWith('*');
  const body = (wildcard ? term.slice(0, -1) : term).trim().toLowerCase();
  let src = '';
  for (const ch of body) {
    if (/\s/.test(ch)) {
      if (!src.endsWith('\\s+')) src += '\\s+';
    } else if (obfuscation && SWAPS[ch] !== undefined) {
      src += `[${escapeRegExp(SWAPS[ch]!)}]`;
    } else {
      src += escapeRegExp(ch);
    }
  }
  return wildcard ? `${src}[a-z]*` : src;
}

/** Chinese terms get split with spaces or dots ("傻 逼") to slip past filters. */
function cjkSource(term: string, obfuscation: boolean): string {
  const chars = [...term].map(escapeRegExp);
  return obfuscation ? chars.join('[\\s.*_-]?') : chars.join('');
}

/** Compiles `terms` once; the matcher is then shared by every call. */
export function compileTerms(terms: readonly string[], options: TermMatcherOptions = {}): TermMatcher {
  const cleaned = [...new Set(terms.map((t) => t.trim()).filter((t) => t.length > 0))];
  if (cleaned.length === 0) return { find: () => undefined };
  const obfuscation = options.obfuscation === true;
  const parts = cleaned.map((t) =>
    LATIN.test(t) ? `(?<![A-Za-z0-9])(${latinSource(t, obfuscation)})(?![A-Za-z0-9])` : `(${cjkSource(t, obfuscation)})`,
  );
  const re = new RegExp(parts.join('|'), 'gi');
  return {
    find(text, out, type, rulePrefix, score): void {
      re.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = re.exec(text)) !== null) {
        let which = 0;
        for (let g = 1; g < m.length; g++) {
          if (m[g] !== undefined) {
            which = g - 1;
            break;
          }
        }
        out.push({ type, start: m.index, end: m.index + m[0].length, rule: `${rulePrefix}:${cleaned[which]}`, score });
      }
      re.lastIndex = 0;
    },
  };
}
