/**
 * Small helpers for running precompiled global regexes without per-call compilation.
 * Detectors keep their regexes at module level; these helpers own `lastIndex` so a
 * detector never sees a stale position left by an earlier call.
 */
import type { Finding } from './types';

/**
 * Calls `fn` for every match of the global regex `re` in `text`. Not re-entrant for the
 * same regex: `fn` must not run `re` again.
 */
export function eachMatch(re: RegExp, text: string, fn: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    fn(m);
    if (m[0].length === 0) re.lastIndex++;
  }
  re.lastIndex = 0;
}

/** True when the `window` characters before `index` end with something `re` matches. */
export function precededBy(text: string, index: number, re: RegExp, window = 24): boolean {
  return re.test(text.slice(Math.max(0, index - window), index));
}

/** True when [start, end) overlaps any finding in `list`. */
export function overlapsAny(list: readonly Finding[], start: number, end: number): boolean {
  for (const f of list) {
    if (start < f.end && f.start < end) return true;
  }
  return false;
}

/** Escapes `s` for use inside a RegExp source. */
export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
