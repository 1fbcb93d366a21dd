/**
 * OpenAI chat-completions provider. Works with any OpenAI-compatible server (vLLM,
 * Ollama, LM Studio, proxies) through `baseURL`.
 */
import OpenAI from 'openai';
import type {
  ChatCompletion,
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { ChatMessage, FinishReason, ToolCall, ToolSchema } from '../shared/messages';
import type { CallOptions, ModelProvider, ModelRequest, ModelResponse } from './types';

/** Connection settings of {@link OpenAIProvider}. */
export interface OpenAIProviderOptions {
  apiKey: string;
  /** e.g. `http://localhost:11434/v1` for a local OpenAI-compatible server. */
  baseURL?: string;
  /** Per-request timeout in ms (default 120 s); the activity timeout bounds the whole call anyway. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 120_000;

export class OpenAIProvider implements ModelProvider {
  readonly name = 'openai';
  private readonly client: OpenAI;

  constructor(options: OpenAIProviderOptions) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      // Temporal owns retries; an SDK retry loop inside an activity would hide failures
      // from the history and stretch the activity past its timeout.
      maxRetries: 0,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
  }

  async complete(request: ModelRequest, options: CallOptions = {}): Promise<ModelResponse> {
    const completion = await this.client.chat.completions.create(toOpenAIRequest(request), { signal: options.signal });
    return fromOpenAIResponse(completion, request.model);
  }
}

/** Builds the chat-completions body for a normalized request. */
export function toOpenAIRequest(request: ModelRequest): ChatCompletionCreateParamsNonStreaming {
  const body: ChatCompletionCreateParamsNonStreaming = {
    model: request.model,
    messages: request.messages.map(toOpenAIMessage),
  };
  // The API rejects an empty tools array.
  if (request.tools.length > 0) body.tools = request.tools.map(toOpenAITool);
  // Reasoning models reject any temperature but the default.
  if (request.temperature !== undefined && !isReasoningModel(request.model)) body.temperature = request.temperature;
  if (request.maxTokens !== undefined) body.max_completion_tokens = request.maxTokens;
  return body;
}

function isReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5)/.test(model);
}

function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    case 'assistant': {
      const calls = message.toolCalls ?? [];
      if (calls.length === 0) return { role: 'assistant', content: message.content ?? '' };
      return {
        role: 'assistant',
        content: message.content,
        tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
      };
    }
  }
}

function toOpenAITool(tool: ToolSchema): ChatCompletionTool {
  return { type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.parameters } };
}

/** Normalizes a chat completion; `requestedModel` names the model when the server omits it. */
export function fromOpenAIResponse(completion: ChatCompletion, requestedModel: string): ModelResponse {
  const choice = completion.choices[0];
  if (!choice) throw new Error(`openai returned no choices (completion ${completion.id})`);
  const { message } = choice;
  // Only function tools are ever sent, so custom tool calls cannot legitimately appear.
  const toolCalls: ToolCall[] = (message.tool_calls ?? []).flatMap((c) =>
    c.type === 'function' ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments }] : [],
  );
  // A refusal arrives in its own field; surface it as text so the agent can report it.
  const content = message.content ?? message.refusal ?? null;
  return {
    message: { role: 'assistant', content, ...(toolCalls.length > 0 ? { toolCalls } : {}) },
    usage: {
      inputTokens: completion.usage?.prompt_tokens ?? 0,
      outputTokens: completion.usage?.completion_tokens ?? 0,
    },
    finishReason: message.refusal && !message.content ? 'content_filter' : finishReasonOf(choice.finish_reason, toolCalls),
    model: `openai:${completion.model || requestedModel}`,
  };
}

function finishReasonOf(reason: string | null | undefined, toolCalls: ToolCall[]): FinishReason {
  // Some compatible servers report "stop" even when they return tool calls.
  if (toolCalls.length > 0) return 'tool_calls';
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'other';
  }
}
