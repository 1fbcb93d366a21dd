/**
 * Payload encryption against a real server: what Temporal stores is ciphertext (inputs,
 * tool arguments and results, answers, failures, summaries), the codec opens it, keys
 * rotate without stranding runs, and a payload under a key the keyring lacks fails clearly.
 */
import { Client, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import { z } from 'zod';
import { defineAgent } from '../../src/agents/define-agent';
import { ScriptedProvider, type ScriptedTurn } from '../../src/models/scripted';
import { FailureType } from '../../src/shared/failures';
import { AgentNameKey, TenantIdKey } from '../../src/shared/search-attributes';
import { defineTool } from '../../src/tools/define-tool';
import { dataConverter } from '../../src/encryption/data-converter';
import { generateKeyring, rotate, type Keyring } from '../../src/encryption/keyring';
import { AgentClient } from '../../src/client/agent-client';
import { startHarness, testEnv, type Harness } from '../support/harness';
import { activityResults, historyOf } from '../support/history';
import { rawHistoryText } from '../support/raw-history';

const EMAIL = 'dana.secret@example.com';
const CARD = '4111 1111 1111 1111';
const TASK = `Refund the order of ${EMAIL}, card ${CARD}, and tell her.`;
const NOTE = 'parcel-left-with-neighbour-7731';
const ANSWER = 'Done: the refund is on its way to the violet-octopus account.';
const LEAK = 'billing-ledger-zebra-42 is down';

const findCustomer = defineTool({
  name: 'find_customer',
  description: 'Find a customer by e-mail.',
  input: z.object({ email: z.string() }),
  effect: 'read',
  async execute({ email }) {
    return { email, note: NOTE };
  },
});
const ledger = defineTool({
  name: 'ledger',
  description: 'Write to the ledger.',
  input: z.object({}),
  effect: 'irreversible',
  async execute() {
    throw ApplicationFailure.nonRetryable(`ledger refused ${EMAIL}: ${LEAK}`, 'LedgerDown');
  },
});
const pay = defineTool({
  name: 'pay',
  description: 'Pay; always needs approval.',
  input: z.object({ to: z.string() }),
  effect: 'compensable',
  requiresApproval: () => 'every payment is approved',
  async execute(args, ctx) {
    return ctx.once(async () => ({ paid: args.to }));
  },
  async compensate(_a, _r, ctx) {
    await ctx.once(async () => ({ undone: true }));
  },
});
const clerk = defineAgent({ name: 'clerk', description: 'Test clerk.', instructions: 'Help.', model: 'scripted:test', tools: [findCustomer, ledger, pay] });

// The input guardrails redact the e-mail and the card before the model sees the task: scripts go by its first words.
const SCRIPTS: Record<string, ScriptedTurn[]> = {
  Refund: [{ toolCalls: [{ name: 'find_customer', arguments: { email: EMAIL } }] }, { content: ANSWER }],
  fail: [{ toolCalls: [{ name: 'ledger', arguments: {} }] }],
  pay: [{ toolCalls: [{ name: 'pay', arguments: { to: EMAIL } }] }, { content: 'paid' }],
  hello: [{ content: 'hi' }],
};
const model = new ScriptedProvider((req) => {
  const task = req.messages.find((m) => m.role === 'user')?.content ?? '';
  return SCRIPTS[task.split(' ')[0]!]?.[req.messages.filter((m) => m.role === 'assistant').length];
});

const harnesses: Harness[] = [];
async function harness(keyring?: Keyring, taskQueue?: string): Promise<Harness> {
  const h = await startHarness({ agents: [clerk], providers: [model], keyring, taskQueue, sdkLogLevel: 'ERROR' });
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.shutdown()));
});

test('raw history holds none of the task, the e-mail, the card, tool arguments and results, or the answer; through the codec it all reads', async () => {
  const h = await harness();
  const { id } = await h.agents.start('clerk', TASK, { tenantId: 'acme' });
  expect((await h.agents.result(id)).answer).toBe(ANSWER);

  const raw = await rawHistoryText(testEnv().address, id);
  expect(raw).toContain('binary/encrypted'); // the CLI did print the payloads
  for (const secret of [TASK, EMAIL, CARD, NOTE, ANSWER, 'find_customer {', 'tool find_customer' /* an activity summary */]) expect([secret, raw.includes(secret)]).toEqual([secret, false]);
  // Search attributes are never encrypted: they hold names and ids only.
  const sa = (await h.temporal.workflow.getHandle(id).describe()).typedSearchAttributes;
  expect([sa.get(AgentNameKey), sa.get(TenantIdKey)]).toEqual(['clerk', 'acme']);

  const opened = await historyOf(h.temporal, id);
  expect(defaultPayloadConverter.fromPayload(opened[0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!)).toMatchObject({ input: TASK });
  expect(activityResults(opened, 'runTool')).toEqual([{ ok: true, result: { email: EMAIL, note: NOTE } }]);
});

test('memo is sealed like any payload', async () => {
  const h = await harness();
  const handle = await h.temporal.workflow.start('agentRun', { taskQueue: h.taskQueue, workflowId: `memo-${Date.now()}`, args: [{ agent: 'clerk', input: 'hello', tenantId: 'acme' }], memo: { customer: EMAIL } });
  await handle.result();
  expect((await handle.describe()).memo).toEqual({ customer: EMAIL });
  expect(await rawHistoryText(testEnv().address, handle.workflowId)).not.toContain(EMAIL);
});

test("a failure's message (which can quote data) is sealed too", async () => {
  const h = await harness();
  const { id } = await h.agents.start('clerk', `fail ${EMAIL}`, { tenantId: 'acme' });
  const err = await h.agents.result(id).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(String((err as WorkflowFailedError).cause?.message)).toContain(LEAK); // the client reads it through the codec
  const raw = await rawHistoryText(testEnv().address, id);
  expect(raw).not.toContain(LEAK);
  expect(raw).not.toContain(EMAIL);
});

test('after rotation, a run started under the old key completes, and its history holds payloads under both keys', async () => {
  const a = generateKeyring('key-a');
  const before = await harness(a);
  const { id } = await before.agents.start('clerk', `pay ${EMAIL}`, { tenantId: 'acme' });
  const pending = await waitFor(() => before.agents.state(id), (s) => s.pendingApprovals.length === 1);
  await before.shutdown();
  harnesses.splice(0);

  const b = rotate(a, 'key-b');
  expect(b.current).toBe('key-b');
  const after = await harness(b, before.taskQueue);
  await after.decide.approve(id, pending.pendingApprovals[0]!.callId, pending.pendingApprovals[0]!.argsHash);
  expect((await after.agents.result(id)).answer).toBe('paid');
  const raw = await rawHistoryText(testEnv().address, id);
  const keyIds = new Set([...raw.matchAll(/"encryption-key-id":\s*"([^"]+)"/g)].map((m) => Buffer.from(m[1]!, 'base64').toString()));
  expect([...keyIds].sort()).toEqual(['key-a', 'key-b']);
});

test('a run whose input is sealed under a key its workers lack fails at once, naming the key', async () => {
  const h = await harness(generateKeyring('key-w'));
  // A client whose keyring the workers do not share (a deploy that rotated clients first).
  const stranger = new AgentClient(new Client({ connection: h.temporal.connection, dataConverter: dataConverter('default', generateKeyring('key-unknown')) }), h.taskQueue);
  const { id } = await stranger.start('clerk', 'hello', { tenantId: 'acme' });
  const err = await h.agents.result(id).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
  expect(cause.type).toBe(FailureType.UndecryptablePayload);
  expect(cause.nonRetryable).toBe(true);
  expect(cause.message).toContain('"key-unknown"');
});

async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await read().catch(() => undefined);
    if (v !== undefined && ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition never held');
}
