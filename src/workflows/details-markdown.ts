/**
 * Pieces of the markdown a workflow shows as its current details on its Web UI page
 * (`setCurrentDetails`): short, one screen, commands a person can copy.
 */
import { preview } from '../shared/flow-expr';

/** `text` as inline code, delimited by a longer run of backticks than any inside it. */
export function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A value on one line, cut to `max` characters, as inline code. */
export function clipped(value: unknown, max = 200): string {
  return code(preview(value, max));
}

/** An amount as inline code: the Web UI reads two `$` on a line as inline math. */
export function usd(amount: number): string {
  return code(`$${amount.toFixed(6)}`);
}

/**
 * Free text (a reason, a question, an error) on one line, cut to `max` characters, that
 * renders as written: markdown punctuation is escaped, and `$` becomes an entity because
 * the Web UI's renderer reads `$…$` as inline math.
 */
export function prose(value: unknown, max = 200): string {
  return preview(value, max)
    .replace(/&/g, '&amp;')
    .replace(/[\\`*_[\]<>|~#]/g, '\\$&')
    .replace(/\$/g, '&#36;');
}
