import { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../src/activities/failures';
import { loadConfig } from '../../src/infra/config';
import { createModelProviders, PLACEHOLDER_API_KEY, providerOptionsFrom, UnknownModelProviderError } from '../../src/models/registry';
import { ScriptedProvider } from '../../src/models/scripted';
import { FailureType } from '../../src/shared/failures';
import { startFakeLlmServer } from '../support/fake-llm-server';

describe('createModelProviders', () => {
  it('always has the local provider, with its rules playbook and the given ones', async () => {
    const providers = createModelProviders({ playbooks: { greeter: () => ({ answer: 'hello' }) } });
    expect(providers.names()).toEqual(['local']);
    const local = providers.get('local');
    const hello = await local.complete({ model: 'greeter', messages: [{ role: 'user', content: 'hi' }], tools: [] });
    expect(hello.message.content).toBe('[local model] hello');
    const rules = await local.complete({ model: 'rules', messages: [{ role: 'user', content: 'hi' }], tools: [] });
    expect(rules.model).toBe('local:rules');
  });

  it('throws a non-retryable UnknownModelProvider failure naming the known providers', () => {
    const providers = createModelProviders({ extra: [new ScriptedProvider([])] });
    let err: unknown;
    try {
      providers.get('openai');
    } catch (e) {
      expect(e).toBeInstanceOf(UnknownModelProviderError);
      err = toApplicationFailure(e);
    }
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe(FailureType.UnknownModelProvider);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toBe('unknown model provider "openai"; this worker has: local, scripted');
  });

  it('registers hosted providers only when a key or base URL is given', () => {
    expect(createModelProviders({ openai: {}, anthropic: { apiKey: '' } }).names()).toEqual(['local']);
    expect(createModelProviders({ openai: { apiKey: 'sk' }, anthropic: { baseURL: 'http://127.0.0.1:1' } }).names()).toEqual([
      'anthropic',
      'local',
      'openai',
    ]);
  });

  it('sends a placeholder key to a keyless OpenAI-compatible server', async () => {
    const srv = await startFakeLlmServer();
    try {
      srv.enqueue('openai', { text: 'hi from llama' });
      const openai = createModelProviders({ openai: { baseURL: srv.openaiBaseURL } }).get('openai');
      const response = await openai.complete({ model: 'llama3.1', messages: [{ role: 'user', content: 'hi' }], tools: [] });
      expect(response.message.content).toBe('hi from llama');
      expect(srv.requests[0]?.headers.authorization).toBe(`Bearer ${PLACEHOLDER_API_KEY}`);
    } finally {
      await srv.close();
    }
  });

  it('rejects two providers with the same name', () => {
    expect(() => createModelProviders({ extra: [new ScriptedProvider([]), new ScriptedProvider([])] })).toThrow(
      'model provider "scripted" is registered twice',
    );
  });
});

describe('providerOptionsFrom', () => {
  it('takes keys and base URLs from the configuration, where empty values count as unset', () => {
    expect(
      providerOptionsFrom(loadConfig({
        OPENAI_API_KEY: 'sk-1',
        OPENAI_BASE_URL: '',
        ANTHROPIC_API_KEY: ' ',
        ANTHROPIC_BASE_URL: 'http://proxy',
      })),
    ).toEqual({
      openai: { apiKey: 'sk-1', baseURL: undefined },
      anthropic: { apiKey: undefined, baseURL: 'http://proxy' },
    });
    expect(providerOptionsFrom(loadConfig({}))).toEqual({});
  });
});
