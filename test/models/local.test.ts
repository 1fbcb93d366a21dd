import { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../src/activities/failures';
import { LOCAL_ANSWER_PREFIX, LocalProvider, type Playbook } from '../../src/models/local';
import type { ModelRequest } from '../../src/models/types';
import { FailureType } from '../../src/shared/failures';
import type { ChatMessage, ToolSchema } from '../../src/shared/messages';
import { lookupOrderTool } from './helpers';

const tool = (name: string, properties: Record<string, unknown>, required: string[]): ToolSchema => ({
  name,
  description: name,
  parameters: { type: 'object', properties, required },
});

const calculate = tool('calculate', { expression: { type: 'string' } }, ['expression']);
const convert = tool(
  'convert_currency',
  { amount: { type: 'number' }, to: { type: 'string', enum: ['EUR', 'USD', 'GBP'] }, note: { type: 'string' } },
  ['amount', 'to'],
);
const searchDocs = tool('search_docs', { query: { type: 'string' }, limit: { type: 'integer' } }, ['query']);
const listInvoices = tool('list_invoices', {}, []);
const sendEmail = tool('send_email', { to: { type: 'string' }, body: { type: 'string' } }, ['to', 'body']);
const allTools = [lookupOrderTool, calculate, convert, searchDocs, listInvoices, sendEmail];

const rules = (task: string, tools: ToolSchema[] = allTools, rest: ChatMessage[] = []): ModelRequest => ({
  model: 'rules',
  messages: [{ role: 'system', content: 'Be helpful.' }, { role: 'user', content: task }, ...rest],
  tools,
});

async function toolCallsFor(task: string): Promise<Array<{ name: string; args: unknown }>> {
  const response = await new LocalProvider().complete(rules(task));
  return (response.message.toolCalls ?? []).map((c) => ({ name: c.name, args: JSON.parse(c.arguments) }));
}

describe('LocalProvider', () => {
  it('is deterministic', async () => {
    const a = await new LocalProvider().complete(rules('Where is order AB-123?'));
    const b = await new LocalProvider().complete(rules('Where is order AB-123?'));
    expect(a).toEqual(b);
    expect(a.model).toBe('local:rules');
    expect(a.usage.inputTokens).toBeGreaterThan(0);
  });

  it('numbers tool calls by step and position', async () => {
    const playbook: Playbook = () => ({ toolCalls: [{ name: 'a', arguments: {} }, { name: 'b', arguments: { n: 1 } }] });
    const local = new LocalProvider({ twice: playbook });
    const history: ChatMessage[] = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, toolCalls: [{ id: 'local_1_0', name: 'a', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'local_1_0', name: 'a', content: 'ok' },
    ];
    const response = await local.complete({ model: 'twice', messages: history, tools: [] });
    expect(response.message.toolCalls).toEqual([
      { id: 'local_2_0', name: 'a', arguments: '{}' },
      { id: 'local_2_1', name: 'b', arguments: '{"n":1}' },
    ]);
    expect(response.finishReason).toBe('tool_calls');
  });

  it('labels every answer, including a custom playbook\'s', async () => {
    const local = new LocalProvider({ echo: ({ task }) => ({ answer: `echo: ${task}` }) });
    const response = await local.complete({ model: 'echo', messages: [{ role: 'user', content: 'hi' }], tools: [] });
    expect(response.message.content).toBe('[local model] echo: hi');
    expect(response.finishReason).toBe('stop');
  });

  it('names the known playbooks when asked for an unknown one, and does not retry', async () => {
    const local = new LocalProvider({ support: () => ({ answer: 'x' }) });
    const failure = local.complete({ model: 'nope', messages: [], tools: [] }).catch((e: unknown) => {
      throw toApplicationFailure(e);
    });
    await expect(failure).rejects.toMatchObject({
      message: expect.stringMatching(/"nope".*rules, support/),
      nonRetryable: true,
    });
  });

  it('turns a throwing playbook into a non-retryable failure', async () => {
    const local = new LocalProvider({
      broken: () => {
        throw new Error('bug');
      },
    });
    const err: unknown = await local.complete({ model: 'broken', messages: [], tools: [] }).catch((e: unknown) => toApplicationFailure(e));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).type).toBe(FailureType.ModelBadRequest);
    expect((err as ApplicationFailure).message).toContain('bug');
  });
});

describe('the rules playbook', () => {
  it('calls the tool the task names, filling an id field from the text', async () => {
    expect(await toolCallsFor('Where is my order AB-123?')).toEqual([{ name: 'lookup_order', args: { orderId: 'AB-123' } }]);
  });

  it('matches plural and singular words', async () => {
    expect(await toolCallsFor('Show me my invoice')).toEqual([{ name: 'list_invoices', args: {} }]);
    expect(await toolCallsFor('Check the orders ORD-1 and ORD-2')).toEqual([{ name: 'lookup_order', args: { orderId: 'ORD-1' } }]);
  });

  it('fills numbers and enum values from the text, ignoring digits inside ids', async () => {
    expect(await toolCallsFor('For order AB-7, convert 250.5 dollars into EUR')).toEqual([
      { name: 'lookup_order', args: { orderId: 'AB-7' } },
      { name: 'convert_currency', args: { amount: 250.5, to: 'EUR' } },
    ]);
  });

  it('passes the whole task as a query, and the arithmetic as an expression', async () => {
    expect(await toolCallsFor('Search the docs about retry policies')).toEqual([
      { name: 'search_docs', args: { query: 'Search the docs about retry policies' } },
    ]);
    expect(await toolCallsFor('Please calculate (2 + 3) * 4.')).toEqual([{ name: 'calculate', args: { expression: '(2 + 3) * 4' } }]);
  });

  it('skips a tool whose required fields the task cannot fill', async () => {
    const response = await new LocalProvider().complete(rules('Send an email to my boss'));
    expect(response.message.toolCalls).toBeUndefined();
    expect(response.message.content).toMatch(/^\[local model\] /);
    expect(await toolCallsFor('Where is my order?')).toEqual([]);
  });

  it('answers directly when no tool matches', async () => {
    const response = await new LocalProvider().complete(rules('Tell me a joke', allTools));
    expect(response.finishReason).toBe('stop');
    expect(response.message.content).toBe(
      `${LOCAL_ANSWER_PREFIX}You asked: "Tell me a joke". No tool fits this task, so this is a direct answer without tool results.`,
    );
  });

  it('answers by quoting tool results once they exist', async () => {
    const response = await new LocalProvider().complete(
      rules('Where is order AB-1?', allTools, [
        { role: 'assistant', content: null, toolCalls: [{ id: 'local_1_0', name: 'lookup_order', arguments: '{"orderId":"AB-1"}' }] },
        { role: 'tool', toolCallId: 'local_1_0', name: 'lookup_order', content: '{"status":"shipped"}' },
        { role: 'tool', toolCallId: 'local_1_1', name: 'calculate', content: 'division by zero', isError: true },
      ]),
    );
    expect(response.message.toolCalls).toBeUndefined();
    expect(response.message.content).toBe(
      [
        '[local model] For "Where is order AB-1?", the tools returned:',
        '- lookup_order: {"status":"shipped"}',
        '- calculate (failed): division by zero',
      ].join('\n'),
    );
  });
});
