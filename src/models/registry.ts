/** The model providers a worker has, built once at start-up from configuration. */
import type { Config } from '../infra/config';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';
import { AnthropicProvider } from './anthropic';
import { LocalProvider, type Playbook } from './local';
import { OpenAIProvider } from './openai';
import type { ModelProvider } from './types';

/** Where to reach a hosted provider. */
export interface ProviderConnection {
  apiKey?: string;
  /** An OpenAI- or Anthropic-compatible server; no key is needed for one that ignores it. */
  baseURL?: string;
  timeoutMs?: number;
}

/** Options of {@link createModelProviders}; a hosted provider is registered only when configured. */
export interface ModelProviderOptions {
  openai?: ProviderConnection;
  anthropic?: ProviderConnection;
  /** Playbooks of the local provider, by model name; `rules` is always there. */
  playbooks?: Record<string, Playbook>;
  /** More providers, e.g. a `ScriptedProvider` in tests. Names must not clash. */
  extra?: ModelProvider[];
}

/** A model reference names a provider this worker does not have. */
export class UnknownModelProviderError extends DurableAgentsError {
  constructor(message: string) {
    super(message, { type: FailureType.UnknownModelProvider, fault: 'user', retryable: false });
  }
}

/** The providers by name. */
export interface ModelProviders {
  /** The provider; throws an {@link UnknownModelProviderError} naming the known ones. */
  get(providerName: string): ModelProvider;
  /** Registered provider names, sorted. */
  names(): string[];
}

/**
 * Sent when only a base URL is configured: the SDKs insist on a key, and local
 * compatible servers ignore it.
 */
export const PLACEHOLDER_API_KEY = 'no-key-needed';

export function createModelProviders(options: ModelProviderOptions = {}): ModelProviders {
  const providers = new Map<string, ModelProvider>();
  const add = (provider: ModelProvider): void => {
    if (providers.has(provider.name)) throw new Error(`model provider "${provider.name}" is registered twice`);
    providers.set(provider.name, provider);
  };

  add(new LocalProvider(options.playbooks));
  const openai = connectionOf(options.openai);
  if (openai) add(new OpenAIProvider(openai));
  const anthropic = connectionOf(options.anthropic);
  if (anthropic) add(new AnthropicProvider(anthropic));
  for (const provider of options.extra ?? []) add(provider);

  const names = (): string[] => [...providers.keys()].sort();
  return {
    names,
    get(providerName) {
      const provider = providers.get(providerName);
      if (provider) return provider;
      throw new UnknownModelProviderError(`unknown model provider "${providerName}"; this worker has: ${names().join(', ')}`);
    },
  };
}

function connectionOf(
  connection: ProviderConnection | undefined,
): { apiKey: string; baseURL?: string; timeoutMs?: number } | undefined {
  if (!connection?.apiKey && !connection?.baseURL) return undefined;
  return {
    apiKey: connection.apiKey || PLACEHOLDER_API_KEY,
    ...(connection.baseURL ? { baseURL: connection.baseURL } : {}),
    ...(connection.timeoutMs !== undefined ? { timeoutMs: connection.timeoutMs } : {}),
  };
}

/** The providers' connections as configured (OPENAI_API_KEY, OPENAI_BASE_URL, ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL). */
export function providerOptionsFrom(config: Partial<Pick<Config, 'OPENAI_API_KEY' | 'OPENAI_BASE_URL' | 'ANTHROPIC_API_KEY' | 'ANTHROPIC_BASE_URL'>>): ModelProviderOptions {
  const options: ModelProviderOptions = {};
  if (config.OPENAI_API_KEY || config.OPENAI_BASE_URL) options.openai = { apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL };
  if (config.ANTHROPIC_API_KEY || config.ANTHROPIC_BASE_URL) options.anthropic = { apiKey: config.ANTHROPIC_API_KEY, baseURL: config.ANTHROPIC_BASE_URL };
  return options;
}
