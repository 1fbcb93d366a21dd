/**
 * The normalized conversation shape shared by every provider, the workflow and the
 * activities. Plain JSON only: these values cross the workflow/activity boundary and
 * are stored in Temporal history.
 */

/** A tool call as the model asked for it. `arguments` is the model's raw JSON text. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

export interface SystemMessage {
  role: 'system';
  content: string;
}

export interface UserMessage {
  role: 'user';
  content: string;
}

export interface AssistantMessage {
  role: 'assistant';
  content: string | null;
  toolCalls?: ToolCall[];
}

/** The result of one tool call, sent back to the model. */
export interface ToolMessage {
  role: 'tool';
  toolCallId: string;
  name: string;
  content: string;
  isError?: boolean;
}

export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage;

/** Token usage of one or more model calls. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** What the model sees of a tool: its name, purpose and JSON Schema for the arguments. */
export interface ToolSchema {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export type FinishReason = 'stop' | 'tool_calls' | 'length' | 'content_filter' | 'other';

export const ZERO_USAGE: Usage = Object.freeze({ inputTokens: 0, outputTokens: 0 });

export function addUsage(a: Usage, b: Usage): Usage {
  return { inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };
}
