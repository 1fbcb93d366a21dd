/**
 * Detectors for contact data and network addresses: e-mail, phone numbers (international
 * with a plus, North American, UK national, Chinese mobile) and IPv4/IPv6 addresses.
 */
import { isIPv6 } from 'node:net';
import { eachMatch, precededBy } from './scan';
import type { Finding } from './types';

/** Lookbehind keeps the scan linear: a match may only start where a local part starts. */
const EMAIL_RE =
  /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;

/**
 * "jane dot doe at gmail dot com": written that way to dodge scrapers, still an address.
 * Only common TLDs count, so "meet at noon dot" prose does not.
 */
const SPELL_DOT = '(?:\\s(?:dot|DOT)\\s|\\s?[([](?:dot|DOT)[)\\]]\\s?)';
const SPELL_AT = '(?:\\s(?:at|AT)\\s|\\s?[([](?:at|AT)[)\\]]\\s?)';
const TLDS = 'com|net|org|io|cn|co|uk|de|fr|jp|edu|gov|info|me|us|ca|au';
/** Label counts are bounded so a long "a dot a dot ..." run cannot make the scan quadratic. */
const SPELLED_EMAIL_RE = new RegExp(
  `(?<![\\w.])[A-Za-z0-9._%+-]{1,64}(?:${SPELL_DOT}[A-Za-z0-9_-]{1,64}){0,3}${SPELL_AT}[A-Za-z0-9-]{1,63}(?:${SPELL_DOT}[A-Za-z0-9-]{1,63}){0,2}${SPELL_DOT}(?:${TLDS})\\b`,
  'g',
);

/** Appends e-mail addresses, including spelled-out ones, to `out`. */
export function detectEmails(text: string, out: Finding[]): void {
  if (text.includes('@')) {
    eachMatch(EMAIL_RE, text, (m) => {
      out.push({ type: 'email', start: m.index, end: m.index + m[0].length, rule: 'email', score: 0.95 });
    });
  }
  if (/\bdot\b|\(dot\)|\[dot\]/i.test(text)) {
    eachMatch(SPELLED_EMAIL_RE, text, (m) => {
      out.push({ type: 'email', start: m.index, end: m.index + m[0].length, rule: 'email.spelled_out', score: 0.7 });
    });
  }
}

/** Chinese mobile: 1[3-9] and nine more digits, optionally +86 / 0086, optionally 3-4-4 grouped. */
const CN_MOBILE_RE = /(?<![\w+])(?:(?:\+|00)86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)/g;
/** Numbers with an explicit country code. The first alternative catches unseparated E.164. */
const INTL_RE = /(?<![\w+])\(?\+(?:\d{7,15}|\d{1,3}\)?(?:[ .-]?\(\d{1,4}\))?[ .-]?\d{1,12}(?:[ .-]\d{1,8}){0,5})(?!\d)/g;
/** NANP: area code and exchange start 2-9, and the last four are set off by a separator. */
const NANP_RE = /(?<![\w+$.-])(?:1[ .-]?)?(?:\(\s?[2-9]\d{2}\s?\)|[2-9]\d{2})[ .-]?[2-9]\d{2}[ .-]\d{4}(?![\w-]|\.\d)/g;
/** UK national numbers as people write them: 07xxx xxxxxx, 020 xxxx xxxx. */
const UK_RE = /(?<![\w+])0(?:7\d{3}[ -]?\d{6}|[1-9]\d{1,3}([ -])\d{3,4}\1\d{4})(?!\d)/g;
/** Chinese landlines: area code 0xx or 0xxx, a dash, seven or eight digits. */
const CN_LANDLINE_RE = /(?<![\w+-])0\d{2,3}-\d{7,8}(?![\w-])/g;
/** A bare number right after one of these words is an order or tracking id, not a phone. */
const ID_CONTEXT = /(?:订单|单号|编号|运单|快递|发票|order|tracking|invoice|ref(?:erence)?|sku|id|no\.?|#)\s*(?:[:：#]\s*)?$/i;

/** Appends phone numbers to `out`; bare numbers after words like "order" or 订单号 are skipped. */
export function detectPhones(text: string, out: Finding[]): void {
  const start = out.length;
  eachMatch(CN_MOBILE_RE, text, (m) => {
    const explicit = m[0].charCodeAt(0) === 43 || m[0].startsWith('0086');
    if (!explicit && precededBy(text, m.index, ID_CONTEXT, 16)) return;
    push(out, start, 'phone.cn_mobile', m.index, m[0].length, explicit ? 0.95 : 0.85);
  });
  if (text.includes('+')) {
    eachMatch(INTL_RE, text, (m) => {
      if (!plausibleIntl(m[0])) return;
      push(out, start, 'phone.intl', m.index, m[0].length, 0.9);
    });
  }
  eachMatch(NANP_RE, text, (m) => {
    if (precededBy(text, m.index, ID_CONTEXT, 16)) return;
    push(out, start, 'phone.nanp', m.index, m[0].length, 0.8);
  });
  eachMatch(UK_RE, text, (m) => {
    if (precededBy(text, m.index, ID_CONTEXT, 16)) return;
    push(out, start, 'phone.uk', m.index, m[0].length, 0.75);
  });
  eachMatch(CN_LANDLINE_RE, text, (m) => {
    if (precededBy(text, m.index, ID_CONTEXT, 16)) return;
    push(out, start, 'phone.cn_landline', m.index, m[0].length, 0.75);
  });
}

function plausibleIntl(s: string): boolean {
  let digits = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits += s[i];
  }
  if (digits.length < 8 || digits.length > 15) return false;
  if (digits[0] === '1') return digits.length === 11;
  if (digits.startsWith('861')) return digits.length === 13;
  // "+12.5" and friends: a plus sign before a decimal number is arithmetic, not a phone.
  return !/^\+\d{1,3}\.\d{1,2}(?!\d)/.test(s);
}

/** Later phone patterns often re-match a span an earlier one already claimed. */
function push(out: Finding[], from: number, rule: string, index: number, length: number, score: number): void {
  const end = index + length;
  for (let i = from; i < out.length; i++) {
    const f = out[i]!;
    if (index < f.end && f.start < end) return;
  }
  out.push({ type: 'phone', start: index, end, rule, score });
}

const IPV4_RE = /(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\w|\.\d)/g;
/** Versions and spec section numbers also come in four dotted parts. */
const VERSION_CONTEXT = /(?:version|ver\.?|v|build|release|section|sections|chapter|clause|§|版本|版本号|章节)\s*(?:[:：[(]\s*)?$/i;

/** Appends IPv4 addresses except loopback, netmasks and version-like numbers. */
export function detectIpv4(text: string, out: Finding[]): void {
  eachMatch(IPV4_RE, text, (m) => {
    const ip = m[0];
    // Loopback, "any" and netmasks name no one.
    if (ip.startsWith('127.') || ip === '0.0.0.0' || ip.startsWith('255.')) return;
    if (precededBy(text, m.index, VERSION_CONTEXT, 12)) return;
    out.push({ type: 'ipv4', start: m.index, end: m.index + ip.length, rule: 'ipv4', score: 0.85 });
  });
}

const IPV6_RE = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:])/g;

/** Appends IPv6 addresses that `net.isIPv6` accepts and that have at least three groups. */
export function detectIpv6(text: string, out: Finding[]): void {
  if (!text.includes(':')) return;
  eachMatch(IPV6_RE, text, (m) => {
    const ip = m[0];
    if (!isIPv6(ip)) return;
    // "a::b"-style code and the loopback/unspecified addresses are not addresses of anyone.
    let groups = 0;
    for (const g of ip.split(':')) if (g.length > 0) groups++;
    if (groups < 3 || ip === '::1') return;
    out.push({ type: 'ipv6', start: m.index, end: m.index + ip.length, rule: 'ipv6', score: 0.85 });
  });
}
