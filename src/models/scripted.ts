/**
 * A model that replays a script, for tests: it records what it was asked and fails
 * loudly when asked more than was scripted, so a test cannot pass on a silent extra call.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../shared/failures';
import type { ToolCall, Usage } from '../shared/messages';
import { estimateUsage } from './pricing';
import type { CallOptions, ModelProvider, ModelRequest, ModelResponse } from './types';

/** A tool call in a script; `id` defaults to `call_<n>` and object arguments are JSON-encoded. */
export interface ScriptedToolCall {
  id?: string;
  name: string;
  arguments: string | object;
}

/** A scripted answer. */
export interface ScriptedReply {
  content?: string;
  toolCalls?: ScriptedToolCall[];
  /** Defaults to an estimate of about four characters per token. */
  usage?: Usage;
  /** Wait this long first (aborted with the call's signal), e.g. to exercise timeouts. */
  delayMs?: number;
}

/** A scripted failure: `error` is thrown as is, so it can be an SDK error or an ApplicationFailure. */
export interface ScriptedError {
  error: unknown;
  delayMs?: number;
}

export type ScriptedTurn = ScriptedReply | ScriptedError;

/** A list of turns, or a function of the request and the 0-based call index; `undefined` ends the script. */
export type Script = ScriptedTurn[] | ((request: ModelRequest, callIndex: number) => ScriptedTurn | undefined);

export class ScriptedProvider implements ModelProvider {
  readonly name = 'scripted';
  /** Every request received, deep-copied so later mutation by the caller does not rewrite the record. */
  readonly requests: ModelRequest[] = [];
  private nextToolCall = 1;

  constructor(private readonly script: Script) {}

  /** How many times the model was called. */
  get calls(): number {
    return this.requests.length;
  }

  async complete(request: ModelRequest, options: CallOptions = {}): Promise<ModelResponse> {
    const callIndex = this.requests.length;
    this.requests.push(structuredClone(request));
    const turn = typeof this.script === 'function' ? this.script(request, callIndex) : this.script[callIndex];
    if (turn === undefined) throw this.exhausted(callIndex + 1);
    if (turn.delayMs) await sleep(turn.delayMs, options.signal);
    if ('error' in turn) throw turn.error;
    return this.reply(request, turn);
  }

  private reply(request: ModelRequest, turn: ScriptedReply): ModelResponse {
    const toolCalls: ToolCall[] = (turn.toolCalls ?? []).map((c) => ({
      id: c.id ?? `call_${this.nextToolCall++}`,
      name: c.name,
      arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
    }));
    const content = turn.content ?? null;
    const usage =
      turn.usage ?? estimateUsage(request.messages, { content, arguments: toolCalls.map((c) => c.arguments) });
    return {
      message: { role: 'assistant', content, ...(toolCalls.length > 0 ? { toolCalls } : {}) },
      usage,
      finishReason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
      model: `scripted:${request.model}`,
    };
  }

  private exhausted(callNumber: number): ApplicationFailure {
    const message =
      typeof this.script === 'function'
        ? `scripted model: the script returned no turn for call #${callNumber}`
        : `scripted model: call #${callNumber} but only ${this.script.length} turn(s) were scripted`;
    return ApplicationFailure.nonRetryable(message, FailureType.ScriptExhausted);
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
