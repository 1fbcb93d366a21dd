/**
 * Detectors for credentials: provider keys recognisable by their prefix, JWTs, PEM
 * private keys, and high-entropy tokens written next to a word like key, secret or token.
 */
import { shannonEntropy } from './checksums';
import { eachMatch } from './scan';
import type { Finding } from './types';

/**
 * Provider key formats, one alternative per provider so a single pass finds them all. The
 * capture group that matched names the rule.
 */
const KEY_RULES = ['anthropic', 'openai', 'stripe', 'aws', 'github', 'slack', 'google', 'gitlab', 'npm', 'huggingface'] as const;
const PREFIXED_KEY_RE = new RegExp(
  [
    /\b(sk-ant-[A-Za-z0-9_-]{20,})/,
    /\b(sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,})/,
    /\b([rs]k_(?:live|test)_[A-Za-z0-9]{16,})/,
    /\b((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16})\b/,
    /\b(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})/,
    /\b(xox[abposr]-[A-Za-z0-9-]{10,})/,
    /\b(AIza[0-9A-Za-z_-]{35})/,
    /\b(glpat-[A-Za-z0-9_-]{20,})/,
    /\b(npm_[A-Za-z0-9]{36})/,
    /\b(hf_[A-Za-z0-9]{30,})/,
  ]
    .map((r) => r.source)
    .join('|'),
  'g',
);

/**
 * A token starts where a run of base64url characters starts: with a bare `\b`, every
 * "-eyJ" inside one long run would start a match that scans to the run's end again.
 */
const JWT_RE = /(?<![\w-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;
const PEM_BEGIN_RE = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;
const PEM_END_RE = /-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;

/** Words after which a long random-looking token is almost certainly a credential. */
const SECRET_KEYWORD_RE =
  /(?:(?<![A-Za-z0-9])(?:api[_-]?key|apikey|(?:access|secret|private|signing|encryption|client)[_-]?key|key|secret|client[_-]?secret|token|access[_-]?token|auth[_-]?token|bearer|password|passwd|pwd|credentials?)(?![A-Za-z0-9])|密钥|秘钥|令牌|密码|口令)/gi;
/** After the keyword: up to a short gap of quotes, colons or "is", then the token itself. */
/** The keyword must be set off from the value ("aws_secret_access_key" is one identifier, not keyword + value). */
const SECRET_VALUE_RE = /(?:[\s"'`:=：]{1,4}(?:(?:is|was|是|为)[\s"'`:=：]{1,4})?|\s*(?:是|为)\s*)([A-Za-z0-9+/_.~=!@#$%^&*-]{6,256})/y;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Appends credentials to `out`; a span claimed by an earlier rule is not reported twice. */
export function detectSecrets(text: string, out: Finding[]): void {
  const start = out.length;
  eachMatch(PREFIXED_KEY_RE, text, (m) => {
    const idx = m.findIndex((g, i) => i > 0 && g !== undefined);
    const token = m[0];
    // "sk-" also starts ordinary kebab-case words; real keys carry digits.
    if (idx <= 2 && !/\d/.test(token)) return;
    const rule = `api_key.${KEY_RULES[idx - 1] ?? 'unknown'}`;
    out.push({ type: 'api_key', start: m.index, end: m.index + token.length, rule, score: 0.97 });
  });
  if (text.includes('eyJ')) {
    eachMatch(JWT_RE, text, (m) => pushNew(out, start, 'jwt', 'jwt', m.index, m.index + m[0].length, 0.95));
  }
  if (text.includes('PRIVATE KEY')) detectPem(text, out, start);
  // A keyword inside a value already examined ("key=key=key...") would rescan the same token.
  let examinedTo = 0;
  eachMatch(SECRET_KEYWORD_RE, text, (m) => {
    if (m.index < examinedTo) return;
    SECRET_VALUE_RE.lastIndex = m.index + m[0].length;
    const v = SECRET_VALUE_RE.exec(text);
    if (v === null) return;
    const token = v[1]!;
    examinedTo = v.index + v[0].length;
    const password = /pass|pwd|密码|口令/i.test(m[0]);
    if (!looksSecret(token, password)) return;
    const end = v.index + v[0].length;
    pushNew(out, start, 'secret', password ? 'secret.password' : 'secret.keyword', end - token.length, end, 0.8);
  });
}

function detectPem(text: string, out: Finding[], from: number): void {
  eachMatch(PEM_BEGIN_RE, text, (m) => {
    PEM_END_RE.lastIndex = m.index;
    const e = PEM_END_RE.exec(text);
    const end = e === null ? text.length : e.index + e[0].length;
    pushNew(out, from, 'private_key', 'private_key.pem', m.index, end, 0.99);
  });
  PEM_END_RE.lastIndex = 0;
}

/**
 * Random-looking: long enough, letters and digits mixed, high entropy, and not one of the
 * random-looking things that are public (UUIDs, dotted identifiers from code).
 */
function looksSecret(token: string, password: boolean): boolean {
  const t = trimTrailingPunctuation(token);
  if (t.length < (password ? 6 : 16)) return false;
  if (UUID_RE.test(t)) return false;
  let lower = 0;
  let upper = 0;
  let digit = 0;
  let other = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c >= 97 && c <= 122) lower++;
    else if (c >= 65 && c <= 90) upper++;
    else if (c >= 48 && c <= 57) digit++;
    else other++;
  }
  const classes = (lower > 0 ? 1 : 0) + (upper > 0 ? 1 : 0) + (digit > 0 ? 1 : 0) + (other > 0 ? 1 : 0);
  // A password has to mix at least letters and digits; "required" or "123456" after the word is not one.
  if (password) return classes >= 2 && lower + upper > 0 && digit + other > 0;
  if (digit === 0 || lower + upper === 0) return false;
  // process.env.API_TOKEN and similar are identifiers, not values.
  if (/^[A-Za-z_]+(?:\.[A-Za-z_]+)+$/.test(t)) return false;
  return shannonEntropy(t) >= 3.2;
}

/** Drops the sentence punctuation a token picked up (`key: abc123.`); a loop, since `/[.,;!]+$/` rescans every run. */
function trimTrailingPunctuation(token: string): string {
  let end = token.length;
  while (end > 0 && '.,;!'.includes(token[end - 1]!)) end--;
  return token.slice(0, end);
}

function pushNew(out: Finding[], from: number, type: string, rule: string, s: number, e: number, score: number): void {
  for (let i = from; i < out.length; i++) {
    const f = out[i]!;
    if (s < f.end && f.start < e) return;
  }
  out.push({ type, start: s, end: e, rule, score });
}
