/**
 * What model calls cost, an upper bound on the tokens of a text (for budget holds), and
 * deterministic usage figures for providers that do not count tokens themselves (the
 * local and scripted models).
 */
import type { ChatMessage, Usage } from '../shared/messages';

/** List price of a model in USD per 1M tokens. */
export interface ModelPrice {
  input: number;
  output: number;
}

/** Prices per provider, keyed by model name or the prefix of its dated variants. */
export type PriceTable = Record<string, Record<string, ModelPrice>>;

/**
 * Standard-tier list prices. Prompt caching, batch discounts and long-context surcharges
 * are not modelled, so costs are estimates for budgets and reports, not invoices.
 */
export const MODEL_PRICES: PriceTable = {
  openai: {
    'gpt-5': { input: 1.25, output: 10 },
    'gpt-5-mini': { input: 0.25, output: 2 },
    'gpt-5-nano': { input: 0.05, output: 0.4 },
    'gpt-4.1': { input: 2, output: 8 },
    'gpt-4.1-mini': { input: 0.4, output: 1.6 },
    'gpt-4.1-nano': { input: 0.1, output: 0.4 },
    'gpt-4o': { input: 2.5, output: 10 },
    'gpt-4o-mini': { input: 0.15, output: 0.6 },
    'gpt-4-turbo': { input: 10, output: 30 },
    'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
    o1: { input: 15, output: 60 },
    'o1-mini': { input: 1.1, output: 4.4 },
    'o1-pro': { input: 150, output: 600 },
    o3: { input: 2, output: 8 },
    'o3-mini': { input: 1.1, output: 4.4 },
    'o3-pro': { input: 20, output: 80 },
    'o4-mini': { input: 1.1, output: 4.4 },
  },
  anthropic: {
    'claude-opus-4': { input: 15, output: 75 },
    'claude-opus-4-1': { input: 15, output: 75 },
    'claude-opus-4-5': { input: 5, output: 25 },
    'claude-sonnet-4': { input: 3, output: 15 },
    'claude-sonnet-4-5': { input: 3, output: 15 },
    'claude-haiku-4-5': { input: 1, output: 5 },
    'claude-3-7-sonnet': { input: 3, output: 15 },
    'claude-3-5-sonnet': { input: 3, output: 15 },
    'claude-3-5-haiku': { input: 0.8, output: 4 },
    'claude-3-opus': { input: 15, output: 75 },
    'claude-3-haiku': { input: 0.25, output: 1.25 },
  },
};

/** Providers that run no paid model. */
const FREE_PROVIDERS = new Set(['local', 'scripted']);

/**
 * Cost of `usage` on `modelRef` (`<provider>:<model>`). Unknown models cost 0 with
 * `priced: false`, so callers can tell "free" from "we don't know".
 */
export function costOf(
  modelRef: string,
  usage: Usage,
  table: PriceTable = MODEL_PRICES,
): { usd: number; priced: boolean } {
  const i = modelRef.indexOf(':');
  if (i <= 0) return { usd: 0, priced: false };
  const provider = modelRef.slice(0, i);
  if (FREE_PROVIDERS.has(provider)) return { usd: 0, priced: true };
  const price = priceOf(table[provider] ?? {}, modelRef.slice(i + 1));
  if (!price) return { usd: 0, priced: false };
  return { usd: (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000, priced: true };
}

/**
 * Finds the longest key that is `model` itself or a prefix of it followed by a
 * variant suffix (`-2024-08-06`, `-20250514`, `-latest`, `-mini`). A suffix that is a
 * short number of its own (`claude-opus-4` + `-6`) names a different model version,
 * which may be priced differently, so it does not match.
 */
export function priceOf(prices: Record<string, ModelPrice>, model: string): ModelPrice | undefined {
  let best: string | undefined;
  for (const key of Object.keys(prices)) {
    if (isVariantOf(model, key) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : prices[best];
}

function isVariantOf(model: string, key: string): boolean {
  if (model === key) return true;
  return model.startsWith(`${key}-`) && !/^-\d{1,2}(?=-|$)/.test(model.slice(key.length));
}

/**
 * An upper bound on the number of tokens `text` takes: its length in UTF-8 bytes.
 *
 * Guaranteed for byte-level BPE tokenizers (OpenAI's o200k_base and cl100k_base, GPT-2's
 * r50k_base, Llama 3's, Anthropic's): every token stands for one or more bytes of the
 * text, so no text has more tokens than bytes, whatever its script. Nothing tighter holds
 * for every text: a rare CJK character is 3 tokens on cl100k_base, an emoji up to 4, and
 * random or base64 strings run close to one token per byte. On typical text the bound is
 * generous: about 4 times the real count for English prose and code, 2 to 3 times for
 * Chinese and Japanese. That is what a budget hold needs: never less than is spent.
 *
 * SentencePiece tokenizers with a byte fallback (Llama 2, Mistral, Gemma) may add one
 * word-start token to a text; request framing (roles, separators) is not part of `text`
 * either, so callers bounding a whole request add a margin for it (see
 * `estimateCallCost`, which measures the request's JSON).
 *
 * One pass over the UTF-16 code units, no encoding: about a tenth of a millisecond for
 * 100 KB.
 */
export function estimateTokens(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      bytes += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      // A surrogate pair: two code units, four bytes.
      bytes += 2;
      i++;
    } else {
      // Three bytes; so is a lone surrogate, which UTF-8 encoding replaces with U+FFFD.
      bytes += 2;
    }
  }
  return bytes;
}

/**
 * Usage the local and scripted models report for a reply to `messages`: about four
 * characters a token, as English text and JSON average on real tokenizers. Deterministic
 * figures for reports and tests, not a bound: budget holds use {@link estimateTokens}.
 */
export function estimateUsage(messages: readonly ChatMessage[], reply: { content: string | null; arguments: string[] }): Usage {
  const input = messages.map(messageText).join('\n');
  const output = [reply.content ?? '', ...reply.arguments].join('\n');
  return { inputTokens: typicalTokens(input), outputTokens: typicalTokens(output) };
}

function typicalTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function messageText(message: ChatMessage): string {
  if (message.role !== 'assistant') return message.content;
  const calls = (message.toolCalls ?? []).map((c) => `${c.name}${c.arguments}`);
  return [message.content ?? '', ...calls].join('\n');
}
