/**
 * Canonical JSON and request hashing for cache keys: two requests that mean the same
 * thing must hash the same, whatever their key order or provider-generated ids.
 */
import { createHash } from 'node:crypto';
import type { ChatMessage } from '../../shared/messages';

/**
 * JSON with object keys sorted (UTF-16 order) and `undefined` properties dropped, as
 * `JSON.stringify` drops them; `-0` is `0` and non-finite numbers are `null`. Values with
 * `toJSON` (e.g. Date) are serialized through it.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? (Object.is(value, -0) ? '0' : String(value)) : 'null';
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return 'null';
  }
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

/** Hex sha256 of the canonical JSON of `value`. */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/**
 * The conversation as the cache sees it. Providers mint random tool-call ids, so the same
 * conversation replayed by another run carries different ids; they are renumbered by order
 * of appearance (`call_1`, `call_2`, ...) in both the assistant's calls and the tool
 * results that answer them. Empty tool-call lists and `isError: false` mean the same as
 * leaving them out.
 */
export function normalizeMessages(messages: readonly ChatMessage[]): unknown[] {
  const ids = new Map<string, string>();
  const idOf = (id: string): string => {
    let n = ids.get(id);
    if (n === undefined) {
      n = `call_${ids.size + 1}`;
      ids.set(id, n);
    }
    return n;
  };
  return messages.map((m) => {
    switch (m.role) {
      case 'assistant':
        return {
          role: m.role,
          content: m.content,
          toolCalls: m.toolCalls?.length ? m.toolCalls.map((c) => ({ id: idOf(c.id), name: c.name, arguments: c.arguments })) : undefined,
        };
      case 'tool':
        return { role: m.role, toolCallId: idOf(m.toolCallId), name: m.name, content: m.content, isError: m.isError ? true : undefined };
      default:
        return { role: m.role, content: m.content };
    }
  });
}
