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

export function usd(amount: number): string {
  return `$${amount.toFixed(6)}`;
}
