/**
 * Durations as people write them in agents, flows, schedules and configuration: a number
 * and a unit, `500ms`, `30s`, `15m`, `1.5h`, `1d` — the strings Temporal's own duration
 * parser takes. One pattern, so every edge accepts the same ones.
 */
export const DURATION = /^\d+(\.\d+)?\s*(ms|s|m|h|d)$/;

/** What an error says a duration must look like. */
export const DURATION_HINT = 'must be a duration like 30s, 15m, 1h or 1d';

export function isDuration(value: string): boolean {
  return DURATION.test(value);
}
