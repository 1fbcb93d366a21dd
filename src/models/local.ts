/**
 * A deterministic model that needs no key: the model name picks a playbook, a plain
 * function from the conversation to tool calls or an answer. It lets demos, tests and
 * replays run offline with the same output every time.
 */
import { FailureType } from '../shared/failures';
import type { ChatMessage, ToolCall, ToolMessage, ToolSchema } from '../shared/messages';
import { ModelCallError } from './errors';
import { estimateUsage } from './pricing';
import type { ModelProvider, ModelRequest, ModelResponse } from './types';

/** What a playbook sees of the conversation. */
export interface PlaybookContext {
  messages: ChatMessage[];
  tools: ToolSchema[];
  /** The first user message: the task the run started with. */
  task: string;
  /** Every tool result so far, oldest first. */
  toolResults: ToolMessage[];
  /** 1-based number of this model step (assistant turns so far + 1). */
  step: number;
}

/** A playbook's move: call tools, or answer. */
export type PlaybookDecision = { toolCalls: Array<{ name: string; arguments: object }> } | { answer: string };

/** Decides the local model's next move; must be deterministic, as replays depend on it. */
export type Playbook = (ctx: PlaybookContext) => PlaybookDecision;

/** Every answer of the local model starts with this, so nobody mistakes it for a real model's. */
export const LOCAL_ANSWER_PREFIX = '[local model] ';

export class LocalProvider implements ModelProvider {
  readonly name = 'local';
  private readonly playbooks: Record<string, Playbook>;

  /** `rules` is always available; a playbook passed under that name replaces it. */
  constructor(playbooks: Record<string, Playbook> = {}) {
    this.playbooks = { rules: rulesPlaybook, ...playbooks };
  }

  /** Names of the playbooks this provider serves, i.e. its model names. */
  models(): string[] {
    return Object.keys(this.playbooks).sort();
  }

  async complete(request: ModelRequest): Promise<ModelResponse> {
    const playbook = this.playbooks[request.model];
    if (!playbook) {
      // Retrying cannot make an unknown playbook appear.
      throw badRequest(`local model "${request.model}" is not a known playbook; known: ${this.models().join(', ')}`);
    }
    const ctx = contextOf(request);
    return respond(request, ctx.step, runPlaybook(request.model, playbook, ctx));
  }
}

function contextOf(request: ModelRequest): PlaybookContext {
  const { messages, tools } = request;
  return {
    messages,
    tools,
    task: messages.find((m) => m.role === 'user')?.content ?? '',
    toolResults: messages.filter((m): m is ToolMessage => m.role === 'tool'),
    step: messages.filter((m) => m.role === 'assistant').length + 1,
  };
}

function runPlaybook(name: string, playbook: Playbook, ctx: PlaybookContext): PlaybookDecision {
  try {
    return playbook(ctx);
  } catch (err) {
    // A deterministic playbook throws the same way on every attempt.
    throw badRequest(`local playbook "${name}" failed: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

function respond(request: ModelRequest, step: number, decision: PlaybookDecision): ModelResponse {
  const model = `local:${request.model}`;
  if ('answer' in decision) {
    const { answer } = decision;
    const content = answer.startsWith(LOCAL_ANSWER_PREFIX) ? answer : LOCAL_ANSWER_PREFIX + answer;
    const usage = estimateUsage(request.messages, { content, arguments: [] });
    return { message: { role: 'assistant', content }, usage, finishReason: 'stop', model };
  }
  if (!Array.isArray(decision.toolCalls) || decision.toolCalls.length === 0) {
    throw badRequest(`local playbook "${request.model}" returned no tool calls and no answer`);
  }
  const toolCalls: ToolCall[] = decision.toolCalls.map((c, i) => ({
    id: `local_${step}_${i}`,
    name: c.name,
    arguments: JSON.stringify(c.arguments),
  }));
  const usage = estimateUsage(request.messages, { content: null, arguments: toolCalls.map((c) => c.arguments) });
  return { message: { role: 'assistant', content: null, toolCalls }, usage, finishReason: 'tool_calls', model };
}

/**
 * The generic playbook. First turn: call every tool whose name mentions a word of the
 * task and whose required fields can be filled from it. Once results exist: answer by
 * quoting them. No fitting tool: answer directly.
 */
export const rulesPlaybook: Playbook = ({ task, tools, toolResults }) => {
  if (toolResults.length > 0) return { answer: quoteResults(task, toolResults) };
  const taskWords = new Set(wordsOf(task).flatMap(stems));
  const toolCalls = tools.flatMap((tool) => {
    if (!mentions(taskWords, tool.name)) return [];
    const args = fillArguments(tool, task);
    return args ? [{ name: tool.name, arguments: args }] : [];
  });
  if (toolCalls.length > 0) return { toolCalls };
  return { answer: `You asked: "${task}". No tool fits this task, so this is a direct answer without tool results.` };
};

const MAX_QUOTE = 400;

function quoteResults(task: string, results: ToolMessage[]): string {
  const lines = results.map((r) => {
    const text = r.content.length > MAX_QUOTE ? `${r.content.slice(0, MAX_QUOTE)}…` : r.content;
    return `- ${r.name}${r.isError ? ' (failed)' : ''}: ${text}`;
  });
  return [`For "${task}", the tools returned:`, ...lines].join('\n');
}

/** Verbs so common in tool names that they alone say little about what a tool is for. */
const GENERIC_WORDS = new Set(
  ['get', 'set', 'list', 'find', 'fetch', 'lookup', 'look', 'run', 'do', 'make', 'create', 'update', 'delete', 'show', 'check'],
);

function mentions(taskWords: Set<string>, toolName: string): boolean {
  const words = toolName.toLowerCase().split(/[_\-]+/).filter((w) => w.length > 2);
  const specific = words.filter((w) => !GENERIC_WORDS.has(w));
  return (specific.length > 0 ? specific : words).some((w) => stems(w).some((s) => taskWords.has(s)));
}

function wordsOf(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/** Just enough stemming for plurals: orders/order, searches/search, categories/category. */
function stems(word: string): string[] {
  const out = [word];
  if (word.length > 4 && word.endsWith('ies')) out.push(`${word.slice(0, -3)}y`);
  if (word.length > 3 && word.endsWith('es')) out.push(word.slice(0, -2));
  if (word.length > 2 && word.endsWith('s')) out.push(word.slice(0, -1));
  return out;
}

const ID_PATTERN = /\b[A-Z]{2,5}-\d+\b/g;
const NUMBER_PATTERN = /(?:(?<=^|[\s(])-)?\d+(?:\.\d+)?/g;
const WHOLE_TASK_FIELDS = new Set(['query', 'question', 'topic', 'text', 'expression']);

interface Sources {
  task: string;
  ids: string[];
  numbers: number[];
}

/** Arguments for the tool's required fields, or undefined when one cannot be filled. */
function fillArguments(tool: ToolSchema, task: string): Record<string, unknown> | undefined {
  const properties = asRecord(tool.parameters.properties);
  const required = Array.isArray(tool.parameters.required) ? tool.parameters.required.filter((r) => typeof r === 'string') : [];
  const ids = task.match(ID_PATTERN) ?? [];
  const numbers = (task.replace(ID_PATTERN, ' ').match(NUMBER_PATTERN) ?? []).map(Number);
  const sources: Sources = { task, ids, numbers };
  const args: Record<string, unknown> = {};
  for (const field of required) {
    const value = valueFor(field, asRecord(properties[field]), sources);
    if (value === undefined) return undefined;
    args[field] = value;
  }
  return args;
}

function valueFor(field: string, schema: Record<string, unknown>, sources: Sources): unknown {
  const types = typesOf(schema);
  if (types.includes('number') || types.includes('integer')) {
    const i = sources.numbers.findIndex((n) => !types.includes('integer') || types.includes('number') || Number.isInteger(n));
    return i < 0 ? undefined : sources.numbers.splice(i, 1)[0];
  }
  if (!types.includes('string') && types.length > 0) return undefined;
  if (Array.isArray(schema.enum)) return enumMentioned(schema.enum, sources.task);
  if (/(^id|Id|_id)$/.test(field)) return sources.ids.shift();
  const name = field.toLowerCase();
  if (name === 'expression') return arithmeticIn(sources.task) ?? sources.task;
  if (WHOLE_TASK_FIELDS.has(name)) return sources.task;
  return undefined;
}

function typesOf(schema: Record<string, unknown>): string[] {
  const { type } = schema;
  if (typeof type === 'string') return [type];
  return Array.isArray(type) ? type.filter((t): t is string => typeof t === 'string') : [];
}

function enumMentioned(values: unknown[], task: string): string | undefined {
  const words = new Set(wordsOf(task));
  return values.find((v): v is string => typeof v === 'string' && wordsOf(v).every((w) => words.has(w)) && v.length > 0);
}

/** The longest arithmetic run in the text, so a calculator gets "2 + 3" rather than the sentence around it. */
function arithmeticIn(text: string): string | undefined {
  const runs = (text.match(/[\d.\s+\-*/()^%]+/g) ?? [])
    .map((r) => r.replace(/[.\s]+$/, '').trim())
    .filter((r) => /\d/.test(r) && /[+\-*/^%]/.test(r));
  let best: string | undefined;
  for (const run of runs) if (best === undefined || run.length > best.length) best = run;
  return best;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A playbook fails the same way on every attempt: retrying cannot help. */
function badRequest(message: string, cause?: unknown): ModelCallError {
  return new ModelCallError(message, { type: FailureType.ModelBadRequest, retryable: false, ...(cause instanceof Error ? { cause } : {}) });
}
