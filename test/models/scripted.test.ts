import { ApplicationFailure } from '@temporalio/common';
import { ScriptedProvider } from '../../src/models/scripted';
import type { ModelRequest } from '../../src/models/types';
import { FailureType } from '../../src/shared/failures';

const request = (content: string): ModelRequest => ({
  model: 'test',
  messages: [{ role: 'user', content }],
  tools: [],
});

async function thrownBy(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('ScriptedProvider', () => {
  it('replays turns in order with default ids, encoded arguments and estimated usage', async () => {
    const model = new ScriptedProvider([
      { toolCalls: [{ name: 'a', arguments: { x: 1 } }, { name: 'b', arguments: '{"raw": true}' }] },
      { toolCalls: [{ id: 'mine', name: 'a', arguments: {} }, { name: 'c', arguments: {} }] },
      { content: 'done', usage: { inputTokens: 1, outputTokens: 2 } },
    ]);

    const first = await model.complete(request('abcdefgh'));
    expect(first).toEqual({
      message: {
        role: 'assistant',
        content: null,
        toolCalls: [
          { id: 'call_1', name: 'a', arguments: '{"x":1}' },
          { id: 'call_2', name: 'b', arguments: '{"raw": true}' },
        ],
      },
      // 8 input characters; output is "\n{"x":1}\n{"raw": true}", 22 characters.
      usage: { inputTokens: 2, outputTokens: 6 },
      finishReason: 'tool_calls',
      model: 'scripted:test',
    });
    const second = await model.complete(request('x'));
    expect(second.message.toolCalls?.map((c) => c.id)).toEqual(['mine', 'call_3']);
    const third = await model.complete(request('y'));
    expect(third).toEqual({
      message: { role: 'assistant', content: 'done' },
      usage: { inputTokens: 1, outputTokens: 2 },
      finishReason: 'stop',
      model: 'scripted:test',
    });
    expect(model.calls).toBe(3);
  });

  it('records deep copies of the requests', async () => {
    const model = new ScriptedProvider([{ content: 'ok' }]);
    const req = request('original');
    await model.complete(req);
    req.messages.push({ role: 'user', content: 'added later' });
    (req.messages[0] as { content: string }).content = 'changed';
    expect(model.requests).toEqual([request('original')]);
  });

  it('throws a scripted error as is', async () => {
    const error = Object.assign(new Error('429 rate limited'), { status: 429 });
    const model = new ScriptedProvider([{ error }]);
    expect(await thrownBy(() => model.complete(request('x')))).toBe(error);
  });

  it('fails loudly, naming the call, when it runs out of turns', async () => {
    const model = new ScriptedProvider([{ content: 'one' }, { content: 'two' }]);
    await model.complete(request('1'));
    await model.complete(request('2'));
    const err = await thrownBy(() => model.complete(request('3')));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe(FailureType.ScriptExhausted);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toContain('call #3');
    expect(model.requests).toHaveLength(3);
  });

  it('asks a script function with the call index, and ends when it returns nothing', async () => {
    const seen: Array<[string, number]> = [];
    const model = new ScriptedProvider((req, i) => {
      seen.push([req.messages[0]?.content ?? '', i]);
      return i < 2 ? { content: `answer ${i}` } : undefined;
    });
    expect((await model.complete(request('a'))).message.content).toBe('answer 0');
    expect((await model.complete(request('b'))).message.content).toBe('answer 1');
    const err = await thrownBy(() => model.complete(request('c')));
    expect((err as ApplicationFailure).type).toBe(FailureType.ScriptExhausted);
    expect((err as ApplicationFailure).message).toContain('call #3');
    expect(seen).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('waits delayMs, and stops waiting when the call is aborted', async () => {
    const model = new ScriptedProvider([{ content: 'slow', delayMs: 50 }, { content: 'never', delayMs: 10_000 }]);
    const started = Date.now();
    await model.complete(request('x'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);

    const controller = new AbortController();
    const pending = thrownBy(() => model.complete(request('y'), { signal: controller.signal }));
    controller.abort(new Error('cancelled by test'));
    expect(((await pending) as Error).message).toBe('cancelled by test');
  });
});
