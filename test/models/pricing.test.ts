import { costOf, estimateTokens, estimateUsage, MODEL_PRICES } from '../../src/models/pricing';

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
  it('counts about four characters per token, rounding up', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcde')).toBe(2);
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
