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

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration {@link DURATION} accepts; throws on anything else. */
export function durationMs(value: string): number {
  const m = DURATION.exec(value);
  if (!m) throw new RangeError(`"${value}" ${DURATION_HINT}`);
  return Number(value.slice(0, value.length - m[2]!.length).trim()) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}
