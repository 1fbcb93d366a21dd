/**
 * Finds spans that look like encoded payloads (base64, hex, percent-encoding) and
 * decodes them, so an instruction hidden as `aWdub3JlIGFsbC4uLg==` is scanned like
 * plain text. Only decodings that read as text are returned: hashes, ids and images
 * decode to binary and are dropped.
 */
import { eachMatch } from './scan';

/** An encoded span of the original text and what it decodes to. */
export interface DecodedSpan {
  start: number;
  end: number;
  kind: 'base64' | 'hex' | 'url' | 'rot13';
  decoded: string;
}

const BASE64_RE = /(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/_-]{16,}={0,2}(?![A-Za-z0-9+/=_-])/g;
const HEX_RE = /(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){10,}(?![0-9A-Fa-f])/g;
const ESCAPED_HEX_RE = /(?:\\x[0-9A-Fa-f]{2}){6,}/g;
/** Bytes written "72 65 76 65 ..." as hex dumps show them; eight or more, so MAC addresses stay out. */
const SPACED_HEX_RE = /(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}[ :,-]){7,}[0-9A-Fa-f]{2}(?![0-9A-Fa-f])/g;
const URL_TOKEN_RE = /(?<!\S)\S*%[0-9A-Fa-f]{2}\S*/g;
const PERCENT_RE = /%[0-9A-Fa-f]{2}/g;

/** ROT13 of words every override or extraction attempt uses; two of them mean it is worth rotating. */
const ROT13_STEMS = /\b(?:vtaber|qvfertneq|sbetrg|vafgehpgvbaf?|cebzcg|flfgrz|cerivbhf|cevbe|ehyrf|erirny|wnvyoernx)\b/gi;

/** Longest span worth decoding; beyond this it is a file, not a hidden sentence. */
const MAX_SPAN = 8192;

/** Encoded spans of `text` whose decoding reads as text, in no particular order. */
export function findEncodedSpans(text: string): DecodedSpan[] {
  const out: DecodedSpan[] = [];
  eachMatch(BASE64_RE, text, (m) => {
    const s = m[0];
    if (s.length > MAX_SPAN || !mixedAlphabet(s)) return;
    const decoded = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
    keep(out, m.index, s.length, 'base64', decoded);
  });
  eachMatch(HEX_RE, text, (m) => {
    if (m[0].length <= MAX_SPAN) keep(out, m.index, m[0].length, 'hex', Buffer.from(m[0], 'hex').toString('utf8'));
  });
  eachMatch(SPACED_HEX_RE, text, (m) => {
    if (m[0].length > MAX_SPAN) return;
    keep(out, m.index, m[0].length, 'hex', Buffer.from(m[0].replace(/[ :,-]/g, ''), 'hex').toString('utf8'));
  });
  if (text.includes('\\x')) {
    eachMatch(ESCAPED_HEX_RE, text, (m) => {
      const hex = m[0].replace(/\\x/g, '');
      keep(out, m.index, m[0].length, 'hex', Buffer.from(hex, 'hex').toString('utf8'));
    });
  }
  if (text.includes('%')) {
    eachMatch(URL_TOKEN_RE, text, (m) => {
      const s = m[0];
      PERCENT_RE.lastIndex = 0;
      let n = 0;
      while (PERCENT_RE.exec(s) !== null && n < 3) n++;
      PERCENT_RE.lastIndex = 0;
      if (n < 3) return;
      keep(out, m.index, s.length, 'url', percentDecode(s.replace(/\+/g, ' ')));
    });
  }
  if (countDistinct(ROT13_STEMS, text) >= 2) keep(out, 0, text.length, 'rot13', rot13(text));
  return out;
}

function countDistinct(re: RegExp, text: string): number {
  const seen = new Set<string>();
  eachMatch(re, text, (m) => seen.add(m[0].toLowerCase()));
  return seen.size;
}

const UTF16 = new TextDecoder('utf-16le');

function rot13(s: string): string {
  const units = new Uint16Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) units[i] = ((c - 52) % 26) + 65;
    else if (c >= 97 && c <= 122) units[i] = ((c - 84) % 26) + 97;
    else units[i] = c;
  }
  return UTF16.decode(units);
}

/** Base64 of text mixes cases or has digits; a long plain word or identifier does not. */
function mixedAlphabet(s: string): boolean {
  let lower = false;
  let upper = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 48 && c <= 57) || c === 43 || c === 47) return true;
    if (c >= 97 && c <= 122) lower = true;
    else if (c >= 65 && c <= 90) upper = true;
    if (lower && upper) return true;
  }
  return false;
}

function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    // Malformed sequences: decode what is decodable byte by byte rather than give up.
    return s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}

function keep(out: DecodedSpan[], start: number, length: number, kind: DecodedSpan['kind'], decoded: string): void {
  if (readsAsText(decoded)) out.push({ start, end: start + length, kind, decoded });
}

/** Mostly printable characters, and at least one space or CJK ideograph (it is language). */
export function readsAsText(s: string): boolean {
  if (s.length < 8) return false;
  let good = 0;
  let spaceOrCjk = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0xfffd) return false;
    if ((c >= 0x20 && c < 0x7f) || c === 9 || c === 10 || c === 13) {
      good++;
      if (c === 32) spaceOrCjk = true;
    } else if ((c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3000 && c <= 0x303f) || (c >= 0xff00 && c <= 0xffef)) {
      good++;
      spaceOrCjk = true;
    }
  }
  return spaceOrCjk && good / s.length >= 0.9;
}
