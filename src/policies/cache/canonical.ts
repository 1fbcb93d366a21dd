/**
 * Canonical JSON and request hashing for cache keys: two requests that mean the same
 * thing must hash the same, whatever their key order or provider-generated ids.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../shared/canonical-json';
import type { ChatMessage } from '../../shared/messages';

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
