/**
 * Detectors for identifiers that carry a check digit or fixed structure: payment cards,
 * IBANs, US SSNs and Chinese resident ids. Each candidate must pass its checksum, which
 * is what lets order numbers, tracking codes and invalid look-alikes through.
 */
import { cnIdValid, ibanValid, IBAN_LENGTHS, luhnValid, ssnValid } from './checksums';
import { eachMatch, precededBy } from './scan';
import type { Finding } from './types';

/** A maximal run of digits joined by single spaces or dashes, so a card is never cut in two. */
const DIGIT_RUN = /(?<![\w-])\d(?:[ -]?\d){12,}(?!\w)/g;

/** Card numbers: Luhn-valid, 13–19 digits, a brand prefix and a plausible grouping. */
export function detectCards(text: string, out: Finding[]): void {
  eachMatch(DIGIT_RUN, text, (m) => {
    const run = m[0];
    if (tryCard(run, m.index, 0, run.length, out)) return;
    // A run like "order 12 4111 1111 1111 1111" hides a card behind a leading group.
    const groups = splitGroups(run);
    for (let i = 1; i < groups.length; i++) {
      const first = groups[i]!.end - groups[i]!.start;
      if (first >= 13 && first <= 19) {
        if (tryCard(run, m.index, groups[i]!.start, groups[i]!.end, out)) return;
        continue;
      }
      if (first !== 4) continue;
      // Grouped cards run in fours (Amex 4-6-5) and stop at 19 digits; nothing else is worth a Luhn.
      let digits = 0;
      for (let j = i; j < groups.length; j++) {
        const len = groups[j]!.end - groups[j]!.start;
        digits += len;
        if (digits > 19) break;
        if (digits >= 13 && tryCard(run, m.index, groups[i]!.start, groups[j]!.end, out)) return;
        if (len !== 4 && !(j === i + 1 && len === 6)) break;
      }
    }
  });
}

function tryCard(run: string, base: number, start: number, end: number, out: Finding[]): boolean {
  const span = run.slice(start, end);
  const digits = span.replace(/[ -]/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  if (!plausibleGrouping(span) || !plausibleCardPrefix(digits) || !luhnValid(digits)) return false;
  out.push({ type: 'card', start: base + start, end: base + end, rule: 'card.luhn', score: 0.95 });
  return true;
}

function splitGroups(run: string): Array<{ start: number; end: number }> {
  const groups: Array<{ start: number; end: number }> = [];
  let s = 0;
  for (let i = 0; i <= run.length; i++) {
    if (i === run.length || run[i] === ' ' || run[i] === '-') {
      if (i > s) groups.push({ start: s, end: i });
      s = i + 1;
    }
  }
  return groups;
}

/** Cards are printed ungrouped or in blocks of four (Amex/Diners 4-6-x); anything else is another number. */
function plausibleGrouping(span: string): boolean {
  if (!/[ -]/.test(span)) return true;
  const sizes = span.split(/[ -]/).map((g) => g.length);
  if (sizes.length === 3 && sizes[0] === 4 && sizes[1] === 6) return true;
  for (let i = 0; i < sizes.length - 1; i++) if (sizes[i] !== 4) return false;
  const last = sizes[sizes.length - 1] ?? 0;
  return last >= 1 && last <= 4;
}

function plausibleCardPrefix(d: string): boolean {
  const two = Number(d.slice(0, 2));
  const four = Number(d.slice(0, 4));
  const n = d.length;
  switch (d[0]) {
    case '2':
      return four >= 2221 && four <= 2720 && n === 16;
    case '3':
      if (two === 34 || two === 37) return n === 15;
      if (two === 36 || two === 38 || (four >= 3000 && four <= 3059)) return n >= 14 && n <= 19;
      return four >= 3528 && four <= 3589 && n >= 16;
    case '4':
      return n === 13 || n === 16 || n === 19;
    case '5':
      return n >= 16;
    case '6':
      return n >= 14;
    default:
      return false;
  }
}

/** IBAN candidates, compact or in groups of four; the country's length and mod-97 decide. */
const IBAN_RE = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,3})?(?![A-Za-z0-9])/g;

/** Appends IBANs of known countries with a valid mod-97 check. */
export function detectIbans(text: string, out: Finding[]): void {
  eachMatch(IBAN_RE, text, (m) => {
    const compact = m[0].replace(/ /g, '').toUpperCase();
    if (IBAN_LENGTHS[compact.slice(0, 2)] === undefined || !ibanValid(compact)) return;
    out.push({ type: 'iban', start: m.index, end: m.index + m[0].length, rule: 'iban.mod97', score: 0.97 });
  });
}

/** Dashed SSNs stand on their own; spaced or bare nine digits only next to a word that says SSN. */
const SSN_DASHED = /(?<![\w-])(\d{3})-(\d{2})-(\d{4})(?![\w-])/g;
const SSN_LOOSE = /(?<![\w-])(\d{3}) ?(\d{2}) ?(\d{4})(?![\w-])/g;
const SSN_CONTEXT = /(?:ssn|social(?:\s+security)?(?:\s+(?:number|no\.?|#))?|社会安全号)\s*(?:(?:is|:|：|#)\s*)?$/i;

/** Appends US SSNs that pass the area/group/serial rules. */
export function detectSsns(text: string, out: Finding[]): void {
  eachMatch(SSN_DASHED, text, (m) => {
    if (!ssnValid(m[1]!, m[2]!, m[3]!)) return;
    out.push({ type: 'ssn', start: m.index, end: m.index + m[0].length, rule: 'ssn.dashed', score: 0.9 });
  });
  if (!/ssn|social|社会安全/i.test(text)) return;
  eachMatch(SSN_LOOSE, text, (m) => {
    if (m[0].includes('-') || !precededBy(text, m.index, SSN_CONTEXT, 32)) return;
    if (!ssnValid(m[1]!, m[2]!, m[3]!)) return;
    out.push({ type: 'ssn', start: m.index, end: m.index + m[0].length, rule: 'ssn.context', score: 0.85 });
  });
}

/** Region, birth date, sequence, check character: the structure of GB 11643. */
const CN_ID_RE = /(?<![\w])[1-9]\d{5}([ -]?)(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\1\d{3}[\dXx](?![\w])/g;

/** Compact, or written 6-8-4 as on the card itself. */
export function detectCnIds(text: string, out: Finding[]): void {
  eachMatch(CN_ID_RE, text, (m) => {
    const compact = m[1] === '' ? m[0] : m[0].replace(/[ -]/g, '');
    if (!cnIdValid(compact)) return;
    out.push({ type: 'cn_id', start: m.index, end: m.index + m[0].length, rule: 'cn_id.mod11_2', score: 0.98 });
  });
}
