/**
 * Keeps a conversation small enough to travel. Every model call takes the whole
 * conversation as its input, and continue-as-new carries it: past Temporal's 2 MB
 * payload limit a run could never take another step (or compensate). When the
 * conversation outgrows {@link MAX_CONVERSATION_BYTES}, the oldest tool results, then
 * the oldest long texts and tool arguments, are replaced by a short note saying what was
 * elided. Messages are never removed, so every tool call keeps its result. Pure and
 * deterministic: the workflow runs it.
 */
import type { ChatMessage } from './messages';

/** The budget for a conversation, in UTF-8 bytes of its JSON (at most; see {@link jsonBytes}). */
export const MAX_CONVERSATION_BYTES = 1_000_000;
/** Texts up to this long are kept when older ones are elided: they are cheap and often carry the thread. */
const KEEP_SHORT_CHARS = 400;

/** An upper bound on the UTF-8 size of `value`'s JSON: 3 bytes for every non-ASCII UTF-16 unit. */
export function jsonBytes(value: unknown): number {
  const s = JSON.stringify(value) ?? '';
  let n = s.length;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) n += 2;
  return n;
}

function elided(what: string, chars: number): string {
  return `[${what} elided to keep the conversation small: ${chars} characters]`;
}

/**
 * Returns `messages` when they fit in `maxBytes`, else a copy with the oldest bulky parts
 * elided until it fits (or nothing more can be elided). The system messages, the first
 * user message and the newest `keepLast` messages are left as they are.
 */
export function fitConversation(messages: ChatMessage[], maxBytes = MAX_CONVERSATION_BYTES, keepLast = 8): { messages: ChatMessage[]; elided: number } {
  const sizes = messages.map(jsonBytes);
  let total = sizes.reduce((a, b) => a + b, 0);
  if (total <= maxBytes) return { messages, elided: 0 };
  const out = [...messages];
  const firstUser = out.findIndex((m) => m.role === 'user');
  const last = out.length - keepLast;
  let count = 0;
  // Two passes over the oldest first: tool results (the bulk of most long runs), then everything else that is long.
  for (const pass of ['tool', 'other'] as const) {
    for (let i = 0; i < last && total > maxBytes; i++) {
      const m = out[i]!;
      if (m.role === 'system' || i === firstUser) continue;
      if ((pass === 'tool') !== (m.role === 'tool')) continue;
      const smaller = shrink(m);
      if (!smaller) continue;
      const size = jsonBytes(smaller);
      total += size - sizes[i]!;
      sizes[i] = size;
      out[i] = smaller;
      count++;
    }
  }
  return { messages: out, elided: count };
}

/** The message with its long parts replaced by notes, or undefined when nothing in it is long. */
function shrink(m: ChatMessage): ChatMessage | undefined {
  const long = (s: string | null | undefined): s is string => typeof s === 'string' && s.length > KEEP_SHORT_CHARS;
  switch (m.role) {
    case 'tool':
      return long(m.content) ? { ...m, content: elided('tool result', m.content.length) } : undefined;
    case 'user':
      return long(m.content) ? { ...m, content: elided('message', m.content.length) } : undefined;
    case 'assistant': {
      const calls = m.toolCalls?.map((c) => (long(c.arguments) ? { ...c, arguments: JSON.stringify({ elided: c.arguments.length }) } : c));
      const changed = long(m.content) || calls?.some((c, i) => c !== m.toolCalls![i]);
      if (!changed) return undefined;
      return { ...m, content: long(m.content) ? elided('answer', m.content.length) : m.content, ...(calls ? { toolCalls: calls } : {}) };
    }
    default:
      return undefined;
  }
}
