import type { AssistantMessage, ChatMessage, FinishReason, ToolSchema, Usage } from '../shared/messages';

/** One request to a chat model, in the normalized shape. */
export interface ModelRequest {
  /** Model name within the provider, e.g. `gpt-4o-mini`. */
  model: string;
  messages: ChatMessage[];
  tools: ToolSchema[];
  temperature?: number;
  maxTokens?: number;
}

export interface ModelResponse {
  message: AssistantMessage;
  usage: Usage;
  finishReason: FinishReason;
  /** `<provider>:<model>` as actually served. */
  model: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/**
 * A chat model provider. Implementations throw provider errors as they come; the
 * activity layer classifies them with the provider's `classifyError`.
 */
export interface ModelProvider {
  readonly name: string;
  complete(request: ModelRequest, options?: CallOptions): Promise<ModelResponse>;
}

/** Parses `<provider>:<model>`; anything else is an error naming the expected shape. */
export function parseModelRef(ref: string): { provider: string; model: string } {
  const i = ref.indexOf(':');
  if (i <= 0 || i === ref.length - 1) {
    throw new Error(`model reference "${ref}" must look like "<provider>:<model>", e.g. "openai:gpt-4o-mini"`);
  }
  return { provider: ref.slice(0, i), model: ref.slice(i + 1) };
}
