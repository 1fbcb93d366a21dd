import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { costOf, estimateTokens, estimateUsage, MODEL_PRICES } from '../../src/models/pricing';
import { estimateChainCost } from '../../src/policies/budget';

const million = { inputTokens: 1_000_000, outputTokens: 1_000_000 };

describe('costOf', () => {
  it('prices input and output tokens per million', () => {
    const mini = costOf('openai:gpt-4o-mini', { inputTokens: 2_000_000, outputTokens: 500_000 });
    expect(mini.priced).toBe(true);
    expect(mini.usd).toBeCloseTo(2 * 0.15 + 0.5 * 0.6, 10);
    expect(costOf('anthropic:claude-sonnet-4', { inputTokens: 1000, outputTokens: 100 }).usd).toBeCloseTo(0.003 + 0.0015, 10);
  });

  it('matches dated variants by the longest prefix', () => {
    expect(costOf('openai:gpt-4o-mini-2024-07-18', million)).toEqual(costOf('openai:gpt-4o-mini', million));
    expect(costOf('openai:gpt-4o-2024-08-06', million).usd).toBeCloseTo(12.5);
    expect(costOf('openai:gpt-4.1-nano-2025-04-14', million).usd).toBeCloseTo(0.5);
    expect(costOf('anthropic:claude-3-5-haiku-20241022', million).usd).toBeCloseTo(4.8);
    expect(costOf('anthropic:claude-3-5-haiku-latest', million).usd).toBeCloseTo(4.8);
    expect(costOf('anthropic:claude-opus-4-20250514', million).usd).toBeCloseTo(90);
    expect(costOf('anthropic:claude-opus-4-5-20251101', million).usd).toBeCloseTo(30);
  });

  it('does not price a newer minor version with an older one', () => {
    expect(costOf('anthropic:claude-opus-4-6', million)).toEqual({ usd: 0, priced: false });
  });

  it('lists the models the project names', () => {
    const names = [
      'openai:gpt-4o',
      'openai:gpt-4.1-mini',
      'openai:o3-mini',
      'openai:o4-mini',
      'anthropic:claude-3-7-sonnet-20250219',
      'anthropic:claude-haiku-4-5',
    ];
    for (const name of names) expect(costOf(name, million).priced).toBe(true);
  });

  it('reports unknown models as unpriced rather than free', () => {
    expect(costOf('openai:llama3.1:8b', million)).toEqual({ usd: 0, priced: false });
    expect(costOf('mystery:gpt-4o', million)).toEqual({ usd: 0, priced: false });
    expect(costOf('gpt-4o', million)).toEqual({ usd: 0, priced: false });
  });

  it('treats local and scripted models as free', () => {
    expect(costOf('local:rules', million)).toEqual({ usd: 0, priced: true });
    expect(costOf('scripted:test', million)).toEqual({ usd: 0, priced: true });
  });

  it('accepts another price table', () => {
    const table = { ...MODEL_PRICES, vllm: { 'llama-3': { input: 1, output: 2 } } };
    expect(costOf('vllm:llama-3-70b', million, table)).toEqual({ usd: 3, priced: true });
  });
});

describe('estimateUsage', () => {
  it('reports about four characters per token, rounding up', () => {
    const usage = estimateUsage(
      [
        { role: 'user', content: 'abcdefgh' },
        { role: 'assistant', content: null, toolCalls: [{ id: 'c', name: 'ab', arguments: '{}' }] },
      ],
      { content: 'hello', arguments: ['{"a":1}'] },
    );
    // "abcdefgh\n\nab{}" is 14 characters, "hello\n{"a":1}" is 13.
    expect(usage).toEqual({ inputTokens: 4, outputTokens: 4 });
  });
});

interface Encoding {
  encode(text: string, allowedSpecial: string[], disallowedSpecial: string[]): number[];
}
/* eslint-disable @typescript-eslint/no-require-imports -- js-tiktoken types only its ES module build; jest loads the CommonJS one */
const { Tiktoken } = require('js-tiktoken/lite') as { Tiktoken: new (ranks: unknown) => Encoding };
/** What real tokenizers count: the larger of OpenAI's two current encodings. */
const ENCODINGS = [require('js-tiktoken/ranks/cl100k_base'), require('js-tiktoken/ranks/o200k_base')].map((ranks: unknown) => new Tiktoken(ranks));
/* eslint-enable @typescript-eslint/no-require-imports */
// Special-token text (e.g. "<|endoftext|>") in user input is plain text to a provider.
const realTokens = (text: string): number => Math.max(...ENCODINGS.map((e) => e.encode(text, [], []).length));

/** Fixed seed: a failure names the case, and the same cases run everywhere. */
const RUNS = { seed: 20_250_101, numRuns: 200 };
const bounds = (text: string): boolean => estimateTokens(text) >= realTokens(text);
const chars = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCodePoint(c));
const joined = (parts: fc.Arbitrary<string>, sep: string, maxLength = 200) => fc.array(parts, { minLength: 1, maxLength }).map((a) => a.join(sep));

const ENGLISH = [
  'the', 'a', 'of', 'and', 'to', 'in', 'is', 'you', 'that', 'it', 'refund', 'order', 'shipping', 'customer', 'Please', 'Thanks',
  'international', 'acknowledgement', 'troubleshooting', 'idempotency', 'serendipitous', 'onomatopoeia', 'Pneumonoultramicroscopic',
  "don't", "it's", 'e-mail', 'U.S.', 'ASAP', 'OK', 'GitHub', 'JavaScript', 'PostgreSQL', '2024-03-15', '$1,234.56', '#42', '(see', 'below):',
];
const CHINESE_TEXT = '请帮我查询订单状态，我上周下的单到现在还没有收到。物流信息显示已经发货，但是快递公司说没有这个单号。麻烦尽快处理，谢谢！';
const JAPANESE_TEXT = 'ご注文の商品は明日発送いたします。配送状況はマイページからご確認いただけます。ご不明な点がございましたら、お気軽にお問い合わせください。';
const EMOJI = ['😀', '👍🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '🇯🇵', '❤️', '🧑🏿‍💻', '🫠', '✅', '🚀', '©️', '1️⃣'];

/** This repository's own TypeScript: real code, with comments, strings and indentation. */
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') ? [fs.readFileSync(p, 'utf8')] : [];
  });
}
const CODE = sourceFiles(path.resolve(__dirname, '../../src'));

describe('estimateTokens', () => {
  it('is the UTF-8 length of the text, counted without encoding it', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcde')).toBe(5);
    expect(estimateTokens('订单')).toBe(6);
    expect(estimateTokens('👍🏽')).toBe(8);
    expect(estimateTokens('\ud800x')).toBe(4); // a lone surrogate is encoded as U+FFFD
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (s) => estimateTokens(s) === Buffer.byteLength(s, 'utf8')), RUNS);
  });

  it('is at least what cl100k_base and o200k_base count for English', () => {
    fc.assert(fc.property(joined(fc.constantFrom(...ENGLISH), ' '), bounds), RUNS);
    expect(bounds(fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8'))).toBe(true);
  });

  it('for Chinese and Japanese, common or rare characters', () => {
    expect(bounds(CHINESE_TEXT)).toBe(true);
    expect(bounds(JAPANESE_TEXT)).toBe(true);
    // Rare ideographs are where characters/4 (or "a character a token") falls short: up to 3 tokens each.
    fc.assert(fc.property(fc.string({ unit: chars(0x4e00, 0x9fff), maxLength: 300 }), bounds), RUNS);
    const kana = fc.oneof(chars(0x3041, 0x3096), chars(0x30a1, 0x30fa), chars(0x4e00, 0x9fff), fc.constantFrom('、', '。', 'ー'));
    fc.assert(fc.property(fc.string({ unit: kana, maxLength: 300 }), bounds), RUNS);
    fc.assert(fc.property(joined(fc.constantFrom(CHINESE_TEXT, JAPANESE_TEXT, ...ENGLISH), ''), bounds), RUNS);
  });

  it('for emoji, with modifiers, flags and joined sequences', () => {
    fc.assert(fc.property(joined(fc.constantFrom(...EMOJI), ''), bounds), RUNS);
    fc.assert(fc.property(fc.string({ unit: chars(0x1f300, 0x1faff), maxLength: 200 }), bounds), RUNS);
  });

  it('for code', () => {
    expect(CODE.length).toBeGreaterThan(50);
    for (const file of CODE) expect(bounds(file)).toBe(true);
    const slice = fc.tuple(fc.constantFrom(...CODE), fc.nat(), fc.integer({ min: 1, max: 2000 })).map(([f, at, n]) => f.slice(at % f.length, (at % f.length) + n));
    fc.assert(fc.property(slice, bounds), RUNS);
  });

  it('for base64, hex and random strings of any script', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (b) => bounds(Buffer.from(b).toString('base64')) && bounds(Buffer.from(b).toString('hex'))), RUNS);
    for (const unit of ['grapheme', 'grapheme-composite', 'grapheme-ascii', 'binary', 'binary-ascii'] as const) {
      fc.assert(fc.property(fc.string({ unit, maxLength: 500 }), bounds), RUNS);
    }
  });
});

describe('the budget hold', () => {
  it('covers the input a provider counts, in any language, so that what is spent never exceeds what is held', () => {
    const chinese = { messages: [{ role: 'system' as const, content: '你是客服助手。' }, { role: 'user' as const, content: CHINESE_TEXT.repeat(40) }], maxTokens: 0 };
    const held = estimateChainCost(['openai:gpt-4o'], chinese);
    const input = realTokens(chinese.messages.map((m) => m.content).join('\n'));
    expect(held.tokens).toBeGreaterThanOrEqual(input);
    expect(held.usd).toBeGreaterThanOrEqual((input * 2.5) / 1e6);
  });

  it('leaves room for the instructions a provider adds when tools are offered', () => {
    const ask = { messages: [{ role: 'user' as const, content: 'hi' }], maxTokens: 0 };
    const tool = { name: 'f', description: 'f', parameters: { type: 'object', properties: {} } };
    expect(estimateChainCost(['anthropic:claude-3-opus'], { ...ask, tools: [tool] }).tokens - estimateChainCost(['anthropic:claude-3-opus'], ask).tokens).toBeGreaterThanOrEqual(530);
  });
});
