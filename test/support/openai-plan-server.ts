/**
 * A model provider for chaos tests: a real HTTP server speaking the OpenAI
 * chat-completions wire format (so the real `openai` SDK runs), answering each run by a
 * plan instead of a queue. A request whose caller died (a killed worker) consumes
 * nothing: the next attempt of the same step gets the same answer. The server keeps the
 * bill a real provider would send: every answer it delivered, priced with `costOf`, and
 * the requests whose caller went away before the answer.
 *
 * Plain Node (no jest): `bench/chaos.ts` runs it too.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { costOf } from '../../src/models/pricing';
import type { Usage } from '../../src/shared/messages';
import { listenOnLoopback, readBody, sendJson } from './http';

/** What one run's model does: `steps` tool calls (one per answer), then a final answer. */
export interface RunPlan {
  steps: number;
  /** The tool every step calls; default `book_slot`. */
  tool?: string;
  /** Model latency in ms for each request (default 50). */
  latencyMs?: number | (() => number);
  /** The first request of this step (0-based: 0 is the first model call) takes this long. */
  slowModel?: { step: number; ms: number };
  /** The tool call of this step asks the tool to take this long (the `ms` argument). */
  slowTool?: { step: number; ms: number };
  usage?: Usage;
}

/** A request the server received, as the kill points of a test need to see it. */
export interface PlanRequest {
  task: string;
  /** Model call of the run, from 0 (the number of tool results in the conversation). */
  step: number;
  /** How many requests for this task and step came before this one. */
  repeat: number;
  at: number;
}

/** An answer delivered to its caller: what a provider bills. */
export interface Delivered extends PlanRequest {
  model: string;
  usage: Usage;
  usd: number;
  /** The answer calls a tool (false: the final answer). */
  toolCall: boolean;
}

/** A request whose caller went away before the answer (a killed worker): nothing was delivered. */
export interface Abandoned extends PlanRequest {
  abandonedAt: number;
}

export interface OpenAIPlanServer {
  url: string;
  /** `OPENAI_BASE_URL` for a worker. */
  baseURL: string;
  /** Emits 'request' (PlanRequest) when a request arrives, 'delivered' (Delivered) after its answer was written, 'abandoned' (Abandoned) when its caller went away first. */
  events: EventEmitter;
  plan(task: string, plan: RunPlan): void;
  delivered: Delivered[];
  abandoned: Abandoned[];
  /** Sum of the delivered answers' prices. */
  billedUsd(tasks?: ReadonlySet<string>): number;
  close(): Promise<void>;
}

/** Default usage: priced at gpt-4o-mini's list price, $0.00027 an answer. */
export const PLAN_USAGE: Usage = { inputTokens: 1000, outputTokens: 200 };

export async function startOpenAIPlanServer(): Promise<OpenAIPlanServer> {
  const plans = new Map<string, RunPlan>();
  const seen = new Map<string, number>();
  const delivered: Delivered[] = [];
  const abandoned: Abandoned[] = [];
  const events = new EventEmitter();
  let n = 0;

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => sendJson(res, 500, { error: { message: String(err), type: 'server_error', param: null, code: null } }));
  });
  // Keep-alive sockets of killed workers must not hold the server open at close.
  server.keepAliveTimeout = 1_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = JSON.parse(await readBody(req)) as { model?: string; messages?: Array<{ role: string; content?: unknown }> };
    const messages = body.messages ?? [];
    const task = String(messages.find((m) => m.role === 'user')?.content ?? '');
    const plan = plans.get(task);
    if (!plan) {
      sendJson(res, 400, { error: { message: `no plan for task ${JSON.stringify(task.slice(0, 80))}`, type: 'invalid_request_error', param: null, code: null } });
      return;
    }
    const step = messages.filter((m) => m.role === 'tool').length;
    const key = `${task}\u0000${step}`;
    const repeat = seen.get(key) ?? 0;
    seen.set(key, repeat + 1);
    const request: PlanRequest = { task, step, repeat, at: Date.now() };
    // 'close' before 'finish': the caller went away (a killed worker) before the answer.
    let finished = false;
    res.once('close', () => {
      if (finished) return;
      const a: Abandoned = { ...request, abandonedAt: Date.now() };
      abandoned.push(a);
      events.emit('abandoned', a);
    });
    events.emit('request', request);

    const latency = typeof plan.latencyMs === 'function' ? plan.latencyMs() : (plan.latencyMs ?? 50);
    const slow = plan.slowModel && plan.slowModel.step === step && repeat === 0 ? plan.slowModel.ms : 0;
    // The wait ends early when the caller goes away, so no timer outlives a killed worker.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(latency, slow));
      res.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (res.destroyed || finished) return;

    const model = body.model ?? 'gpt-4o-mini';
    const usage = plan.usage ?? PLAN_USAGE;
    const toolCall = step < plan.steps;
    const ms = plan.slowTool?.step === step ? plan.slowTool.ms : 0;
    const id = ++n;
    const message = toolCall
      ? {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [{ id: `call_${id}`, type: 'function', function: { name: plan.tool ?? 'book_slot', arguments: JSON.stringify({ label: `s${step + 1}`, ms }) } }],
        }
      : { role: 'assistant', content: `All ${plan.steps} slots are booked.`, refusal: null };
    const completion = {
      id: `chatcmpl-plan-${id}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message, logprobs: null, finish_reason: toolCall ? 'tool_calls' : 'stop' }],
      usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens },
    };
    res.once('finish', () => {
      finished = true;
      const d: Delivered = { ...request, model: `openai:${model}`, usage, usd: costOf(`openai:${model}`, usage).usd, toolCall };
      delivered.push(d);
      events.emit('delivered', d);
    });
    sendJson(res, 200, completion);
  }

  const url = await listenOnLoopback(server);
  return {
    url,
    baseURL: `${url}/v1`,
    events,
    plan: (task, plan) => void plans.set(task, plan),
    delivered,
    abandoned,
    billedUsd: (tasks) => delivered.filter((d) => !tasks || tasks.has(d.task)).reduce((sum, d) => sum + d.usd, 0),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}


