/**
 * Finds long verbatim overlaps between a model's output and its system prompt: runs of
 * at least `minWords` consecutive words, or `minChars` consecutive characters after
 * case and whitespace folding (which is what catches Chinese, where there are no words
 * to count). Rabin–Karp over both sequences keeps a call linear in the text length.
 */
import type { Finding } from './types';

/** Thresholds of {@link findPromptLeaks}. */
export interface PromptLeakOptions {
  /** Consecutive words that count as a leak (default 8). */
  minWords?: number;
  /** Consecutive characters that count as a leak (default 40). */
  minChars?: number;
}

interface Sequence {
  /** Token ids: word ids or char codes. */
  ids: Int32Array;
  /** For each token, its [start, end) in the original text. */
  starts: Uint32Array;
  ends: Uint32Array;
}

interface PromptIndex {
  vocab: Map<string, number>;
  words: Int32Array;
  chars: Int32Array;
  wordWindows: Map<number, number[]>;
  charWindows: Map<number, number[]>;
}

const WORD_RE = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;
const MOD = 1_000_000_007;
const BASE = 131;
/** System prompts are few per worker; keep the indexes of the recent ones. */
const INDEX_CACHE = new Map<string, PromptIndex>();
const INDEX_CACHE_SIZE = 16;

/** Spans of `text` copied verbatim from `systemPrompt`, merged and ordered. */
export function findPromptLeaks(text: string, systemPrompt: string, options: PromptLeakOptions = {}): Finding[] {
  const minWords = options.minWords ?? 8;
  const minChars = options.minChars ?? 40;
  if (systemPrompt.length === 0 || text.length === 0) return [];
  const index = promptIndex(systemPrompt, minWords, minChars);
  const spans: Array<[number, number]> = [];
  const words = tokenizeWords(text, index.vocab, false);
  for (const [s, e] of commonRuns(index.words, index.wordWindows, words.ids, minWords)) {
    spans.push([words.starts[s]!, words.ends[e - 1]!]);
  }
  const chars = foldChars(text);
  for (const [s, e] of commonRuns(index.chars, index.charWindows, chars.ids, minChars)) {
    spans.push([chars.starts[s]!, chars.ends[e - 1]!]);
  }
  return mergeSpans(spans).map(([s, e]) => trimSpace(text, s, e)).map(([start, end]) => ({
    type: 'system_prompt_leak',
    start,
    end,
    rule: 'system_prompt.verbatim',
    score: 0.9,
  }));
}

function promptIndex(prompt: string, minWords: number, minChars: number): PromptIndex {
  const key = `${minWords}:${minChars}:${prompt}`;
  const hit = INDEX_CACHE.get(key);
  if (hit !== undefined) {
    INDEX_CACHE.delete(key);
    INDEX_CACHE.set(key, hit);
    return hit;
  }
  const vocab = new Map<string, number>();
  const words = tokenizeWords(prompt, vocab, true).ids;
  const chars = foldChars(prompt).ids;
  const index: PromptIndex = {
    vocab,
    words,
    chars,
    wordWindows: windowHashes(words, minWords),
    charWindows: windowHashes(chars, minChars),
  };
  INDEX_CACHE.set(key, index);
  if (INDEX_CACHE.size > INDEX_CACHE_SIZE) INDEX_CACHE.delete(INDEX_CACHE.keys().next().value!);
  return index;
}

/** Word ids from `vocab`; words the prompt does not have get distinct negative ids so they never match. */
function tokenizeWords(text: string, vocab: Map<string, number>, grow: boolean): Sequence {
  const ids: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let unknown = -1;
  WORD_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = WORD_RE.exec(text)) !== null) {
    const w = m[0].toLowerCase();
    let id = vocab.get(w);
    if (id === undefined) {
      if (grow) {
        id = vocab.size;
        vocab.set(w, id);
      } else {
        id = unknown--;
      }
    }
    ids.push(id);
    starts.push(m.index);
    ends.push(m.index + m[0].length);
  }
  return { ids: Int32Array.from(ids), starts: Uint32Array.from(starts), ends: Uint32Array.from(ends) };
}

/** Lower-cased characters with whitespace runs folded to one space, mapped back to the original. */
function foldChars(text: string): Sequence {
  const ids = new Int32Array(text.length);
  const starts = new Uint32Array(text.length);
  const ends = new Uint32Array(text.length);
  let n = 0;
  let lastSpace = true;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    const space = c === 32 || c === 9 || c === 10 || c === 13 || c === 0x3000;
    if (space) {
      if (lastSpace) continue;
      c = 32;
    } else if (c >= 65 && c <= 90) {
      c += 32;
    }
    lastSpace = space;
    ids[n] = c;
    starts[n] = i;
    ends[n] = i + 1;
    n++;
  }
  return { ids: ids.subarray(0, n), starts: starts.subarray(0, n), ends: ends.subarray(0, n) };
}

function pow(k: number): number {
  let p = 1;
  for (let i = 0; i < k - 1; i++) p = (p * BASE) % MOD;
  return p;
}

/** Rolling hash of every k-window, keyed to the window starts that produced it. */
function windowHashes(ids: Int32Array, k: number): Map<number, number[]> {
  const out = new Map<number, number[]>();
  if (ids.length < k) return out;
  rolling(ids, k, (h, start) => {
    const list = out.get(h);
    if (list === undefined) out.set(h, [start]);
    else list.push(start);
  });
  return out;
}

function rolling(ids: Int32Array, k: number, fn: (hash: number, start: number) => void): void {
  const high = pow(k);
  let h = 0;
  for (let i = 0; i < ids.length; i++) {
    if (i >= k) h = (h - ((((ids[i - k]! % MOD) + MOD) % MOD) * high) % MOD + MOD) % MOD;
    h = (h * BASE + (((ids[i]! % MOD) + MOD) % MOD)) % MOD;
    if (i >= k - 1) fn(h, i - k + 1);
  }
}

/** Maximal runs of `text` (as [start, end) token indexes) whose every k-window occurs in `prompt`. */
function commonRuns(prompt: Int32Array, windows: Map<number, number[]>, text: Int32Array, k: number): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  if (text.length < k || windows.size === 0) return runs;
  rolling(text, k, (h, start) => {
    const candidates = windows.get(h);
    if (candidates === undefined) return;
    for (const p of candidates) {
      if (sameWindow(prompt, p, text, start, k)) {
        const last = runs[runs.length - 1];
        if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], start + k);
        else runs.push([start, start + k]);
        return;
      }
    }
  });
  return runs;
}

function sameWindow(a: Int32Array, ai: number, b: Int32Array, bi: number, k: number): boolean {
  for (let i = 0; i < k; i++) if (a[ai + i] !== b[bi + i]) return false;
  return true;
}

/** Character windows start and end on spaces; a finding should not. */
function trimSpace(text: string, start: number, end: number): [number, number] {
  while (start < end && /\s/.test(text[start]!)) start++;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return [start, end];
}

function mergeSpans(spans: Array<[number, number]>): Array<[number, number]> {
  spans.sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const s of spans) {
    const last = out[out.length - 1];
    if (last !== undefined && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
    else out.push([s[0], s[1]]);
  }
  return out;
}
