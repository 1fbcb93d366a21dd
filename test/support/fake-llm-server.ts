/**
 * A real HTTP server speaking the OpenAI chat-completions and Anthropic Messages wire
 * formats, so tests run the real SDK clients (serialization, headers, error mapping)
 * without a network or a key. Replies are queued per API; an empty queue is a loud 500.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Usage } from '../../src/shared/messages';
import { listenOnLoopback, readBody, sendJson } from './http';

export type FakeApi = 'openai' | 'anthropic';

/** A reply sent exactly as given. */
export interface RawReply {
  status?: number;
  headers?: Record<string, string>;
  body: object;
  /** Wait before answering, e.g. to trip a client timeout. */
  delayMs?: number;
}

/** A successful reply the server renders in the API's own wire format. */
export interface ShorthandReply {
  text?: string;
  toolCalls?: Array<{ id: string; name: string; arguments: object }>;
  usage?: Usage;
  delayMs?: number;
}

export type FakeReply = RawReply | ShorthandReply;

/** A request as the server received it. */
export interface RecordedRequest {
  kind: FakeApi;
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the raw text when it is not JSON. */
  body: unknown;
}

export interface FakeLlmServer {
  url: string;
  openaiBaseURL: string;
  anthropicBaseURL: string;
  requests: RecordedRequest[];
  enqueue(kind: FakeApi, reply: FakeReply): void;
  /** Replies still queued for `kind`. */
  pending(kind: FakeApi): number;
  close(): Promise<void>;
}

const DEFAULT_USAGE: Usage = { inputTokens: 10, outputTokens: 5 };

const ROUTES: Record<string, FakeApi> = {
  '/v1/chat/completions': 'openai',
  '/chat/completions': 'openai',
  '/v1/messages': 'anthropic',
};

/** Body of an OpenAI API error, as the real API sends it. */
export function openaiErrorBody(message: string, type = 'invalid_request_error', code: string | null = null): object {
  return { error: { message, type, param: null, code } };
}

/** Body of an Anthropic API error, as the real API sends it. */
export function anthropicErrorBody(type: string, message: string): object {
  return { type: 'error', error: { type, message } };
}

export async function startFakeLlmServer(): Promise<FakeLlmServer> {
  const queues: Record<FakeApi, FakeReply[]> = { openai: [], anthropic: [] };
  const requests: RecordedRequest[] = [];
  let served = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => sendJson(res, 500, { error: { message: String(err) } }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const kind = req.method === 'POST' ? ROUTES[path] : undefined;
    const text = await readBody(req);
    if (!kind) {
      sendJson(res, 404, { error: { message: `fake LLM server: no route for ${req.method} ${path}` } });
      return;
    }
    const body = parseJson(text);
    requests.push({ kind, path, headers: { ...req.headers }, body });
    const n = ++served;
    const reply = queues[kind].shift();
    if (!reply) {
      const message = `fake LLM server: no ${kind} reply queued for request #${n} (${path})`;
      const error =
        kind === 'openai' ? openaiErrorBody(message, 'server_error', 'queue_empty') : anthropicErrorBody('api_error', message);
      sendJson(res, 500, error);
      return;
    }
    if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
    if (res.destroyed) return;
    if ('body' in reply) {
      sendJson(res, reply.status ?? 200, reply.body, reply.headers ?? {});
      return;
    }
    const requested = (body as { model?: unknown } | null)?.model;
    const model = typeof requested === 'string' ? requested : 'fake-model';
    sendJson(res, 200, kind === 'openai' ? openaiCompletion(reply, model, n) : anthropicMessage(reply, model, n));
  }

  const url = await listenOnLoopback(server);

  return {
    url,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    requests,
    enqueue(kind, reply) {
      queues[kind].push(reply);
    },
    pending(kind) {
      return queues[kind].length;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets of the SDKs' fetch would otherwise hold the server open.
        server.closeAllConnections();
      });
    },
  };
}

function openaiCompletion(reply: ShorthandReply, model: string, n: number): object {
  const usage = reply.usage ?? DEFAULT_USAGE;
  const toolCalls = reply.toolCalls ?? [];
  return {
    id: `chatcmpl-fake-${n}`,
    object: 'chat.completion',
    created: 1_700_000_000 + n,
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.text ?? null,
          refusal: null,
          ...(toolCalls.length > 0
            ? {
                tool_calls: toolCalls.map((c) => ({
                  id: c.id,
                  type: 'function',
                  function: { name: c.name, arguments: JSON.stringify(c.arguments) },
                })),
              }
            : {}),
        },
        logprobs: null,
        finish_reason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
      },
    ],
    usage: {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
    },
  };
}

function anthropicMessage(reply: ShorthandReply, model: string, n: number): object {
  const usage = reply.usage ?? DEFAULT_USAGE;
  const toolCalls = reply.toolCalls ?? [];
  const content = [
    ...(reply.text !== undefined ? [{ type: 'text', text: reply.text, citations: null }] : []),
    ...toolCalls.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments })),
  ];
  return {
    id: `msg_fake_${n}`,
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: toolCalls.length > 0 ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
  };
}



function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
