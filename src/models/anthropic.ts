/** Anthropic Messages API provider with tool use. */
import Anthropic from '@anthropic-ai/sdk';
import type {
  ContentBlockParam,
  Message,
  MessageCreateParamsNonStreaming,
  MessageParam,
  StopReason,
  Tool,
  ToolResultBlockParam,
} from '@anthropic-ai/sdk/resources/messages';
import type { AssistantMessage, ChatMessage, FinishReason, ToolCall, ToolSchema } from '../shared/messages';
import type { CallOptions, ModelProvider, ModelRequest, ModelResponse } from './types';

/** Connection settings of {@link AnthropicProvider}. */
export interface AnthropicProviderOptions {
  apiKey: string;
  baseURL?: string;
  /** Per-request timeout in ms (default 120 s). */
  timeoutMs?: number;
}

/** The Messages API requires `max_tokens`; this applies when the request sets none. */
export const DEFAULT_MAX_TOKENS = 1024;

const DEFAULT_TIMEOUT_MS = 120_000;

export class AnthropicProvider implements ModelProvider {
  readonly name = 'anthropic';
  private readonly client: Anthropic;

  constructor(options: AnthropicProviderOptions) {
    this.client = new Anthropic({
      // An explicit key also stops the SDK from searching the environment and config
      // files for other credentials.
      apiKey: options.apiKey,
      baseURL: options.baseURL,
      // Temporal owns retries.
      maxRetries: 0,
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    });
  }

  async complete(request: ModelRequest, options: CallOptions = {}): Promise<ModelResponse> {
    const message = await this.client.messages.create(toAnthropicRequest(request), { signal: options.signal });
    return fromAnthropicResponse(message, request.model);
  }
}

/** Builds the Messages API body for a normalized request. */
export function toAnthropicRequest(request: ModelRequest): MessageCreateParamsNonStreaming {
  const system = request.messages.flatMap((m) => (m.role === 'system' ? [m.content] : [])).join('\n\n');
  const body: MessageCreateParamsNonStreaming = {
    model: request.model,
    max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages: toAnthropicMessages(request.messages),
  };
  if (system) body.system = system;
  if (request.tools.length > 0) body.tools = request.tools.map(toAnthropicTool);
  // `temperature` is not sent: API version 2026-10-21 (SDK 1.x) no longer accepts it.
  return body;
}

/** Tool results must come back in a user turn, all results of one assistant turn together. */
function toAnthropicMessages(messages: ChatMessage[]): MessageParam[] {
  const out: MessageParam[] = [];
  let results: ToolResultBlockParam[] | undefined;
  for (const message of messages) {
    if (message.role === 'tool') {
      if (!results) {
        results = [];
        out.push({ role: 'user', content: results });
      }
      results.push(toToolResult(message.toolCallId, message.content, message.isError));
      continue;
    }
    results = undefined;
    if (message.role === 'user') out.push({ role: 'user', content: message.content });
    if (message.role === 'assistant') {
      const content = assistantBlocks(message);
      // The API rejects empty assistant turns; one carries nothing the model needs.
      if (content.length > 0) out.push({ role: 'assistant', content });
    }
  }
  return out;
}

function toToolResult(toolUseId: string, content: string, isError?: boolean): ToolResultBlockParam {
  return { type: 'tool_result', tool_use_id: toolUseId, content, ...(isError ? { is_error: true } : {}) };
}

function assistantBlocks(message: AssistantMessage): ContentBlockParam[] {
  const blocks: ContentBlockParam[] = [];
  if (message.content) blocks.push({ type: 'text', text: message.content });
  for (const call of message.toolCalls ?? []) {
    blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: parseArguments(call.arguments) });
  }
  return blocks;
}

/**
 * `tool_use.input` must be an object. Garbled arguments never reached a tool, and the
 * tool result that follows tells the model so; an empty object keeps the history valid.
 */
function parseArguments(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toAnthropicTool(tool: ToolSchema): Tool {
  return {
    name: tool.name,
    description: tool.description,
    input_schema: { ...tool.parameters, type: 'object' },
  };
}

/** Normalizes a Messages API response. */
export function fromAnthropicResponse(message: Message, requestedModel: string): ModelResponse {
  const texts: string[] = [];
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') texts.push(block.text);
    if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
    }
  }
  const usage = message.usage;
  return {
    message: {
      role: 'assistant',
      content: texts.length > 0 ? texts.join('') : null,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
    },
    usage: {
      // Cached prompt tokens are still tokens the model read.
      inputTokens: (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0),
      outputTokens: usage.output_tokens ?? 0,
    },
    finishReason: toolCalls.length > 0 ? 'tool_calls' : finishReasonOf(message.stop_reason),
    model: `anthropic:${message.model || requestedModel}`,
  };
}

function finishReasonOf(reason: StopReason | null): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content_filter';
    default:
      return 'other';
  }
}
