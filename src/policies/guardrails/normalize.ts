/**
 * Undoes cheap obfuscation before pattern matching: zero-width characters spliced into
 * words, fullwidth Latin letters, and words spelled out letter by letter
 * ("i g n o r e  a l l"). The folded text keeps a map back to the original so findings
 * still point at the characters the caller sent.
 */

const NEEDS_FOLD = /[\u00AD\u200B-\u200F\u2060-\u2064\uFEFF\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A\u3000]/;
/** Four or more single letters separated by single spaces. */
const SPACED_LETTERS = /(?<![A-Za-z])(?:[A-Za-z] ){3,}[A-Za-z](?![A-Za-z])/;

/** Folded text plus, for each of its characters, the index of the original character. */
export interface FoldedText {
  text: string;
  map: Uint32Array;
}

/** Returns undefined when there is nothing to fold, which is the common case. */
export function foldObfuscation(text: string): FoldedText | undefined {
  const chars = NEEDS_FOLD.test(text);
  const spaced = SPACED_LETTERS.test(text);
  if (!chars && !spaced) return undefined;
  let folded = chars ? foldChars(text) : identity(text);
  if (spaced) folded = joinSpacedLetters(folded);
  return folded;
}

function identity(text: string): FoldedText {
  const map = new Uint32Array(text.length);
  for (let i = 0; i < text.length; i++) map[i] = i;
  return { text, map };
}

/** Builds strings from UTF-16 code units in one pass; `+=` per character is quadratic on long texts. */
const UTF16 = new TextDecoder('utf-16le');

function foldChars(text: string): FoldedText {
  const units = new Uint16Array(text.length);
  const map = new Uint32Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c === 0xad || (c >= 0x200b && c <= 0x200f) || (c >= 0x2060 && c <= 0x2064) || c === 0xfeff) continue;
    if ((c >= 0xff10 && c <= 0xff19) || (c >= 0xff21 && c <= 0xff3a) || (c >= 0xff41 && c <= 0xff5a)) c -= 0xfee0;
    else if (c === 0x3000) c = 32;
    units[n] = c;
    map[n++] = i;
  }
  return { text: UTF16.decode(units.subarray(0, n)), map: map.subarray(0, n) };
}

const SPACED_LETTERS_G = new RegExp(SPACED_LETTERS.source, 'g');

/**
 * Inside a run of spaced letters a single space is dropped and a wider gap becomes the
 * word break, which is how such text is usually typed.
 */
function joinSpacedLetters(folded: FoldedText): FoldedText {
  const src = folded.text;
  const keep = new Uint8Array(src.length).fill(1);
  SPACED_LETTERS_G.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = SPACED_LETTERS_G.exec(src)) !== null) {
    for (let i = m.index + 1; i < m.index + m[0].length; i += 2) keep[i] = 0;
  }
  SPACED_LETTERS_G.lastIndex = 0;
  const units = new Uint16Array(src.length);
  const map = new Uint32Array(src.length);
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    if (keep[i] === 0) continue;
    const c = src.charCodeAt(i);
    // The wide gaps between spelled-out words collapse to one space.
    if (c === 32 && n > 0 && units[n - 1] === 32) continue;
    units[n] = c;
    map[n++] = folded.map[i]!;
  }
  return { text: UTF16.decode(units.subarray(0, n)), map: map.subarray(0, n) };
}

/** Maps a [start, end) span of folded text back to the original text. */
export function unfoldSpan(folded: FoldedText, start: number, end: number): { start: number; end: number } {
  const s = folded.map[start] ?? 0;
  const e = end > start ? (folded.map[end - 1] ?? s) + 1 : s;
  return { start: s, end: e };
}
