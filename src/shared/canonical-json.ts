/**
 * Canonical JSON: object keys in one fixed order at every depth (integer-like keys first,
 * ascending, as JavaScript objects keep them; then the rest in UTF-16 order), so values
 * that mean the same serialize, and hash, the same whatever their key order. Otherwise as
 * `JSON.stringify`: `undefined`, functions and symbols dropped from objects, `toJSON`
 * honoured, `-0` written `0`, non-finite numbers `null`. Used for cache keys and for the
 * argument hash an approval quotes.
 */
export function canonicalJson(value: unknown): string {
  // Native stringify with a replacer that re-inserts keys in order: faster than walking the
  // value by hand, which matters for cache keys over a whole conversation.
  return JSON.stringify(value, sortKeys) ?? 'null';
}

function sortKeys(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) sorted[k] = (value as Record<string, unknown>)[k];
  return sorted;
}
