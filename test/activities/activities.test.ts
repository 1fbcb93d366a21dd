/**
 * Activities in isolation (MockActivityEnvironment): the model step normalizes, prices
 * and checks tool calls and opens a GenAI-convention span with token usage; tool errors
 * the model can act on come back as values, not exceptions.
 */
import { context, trace, type Span, type SpanOptions, type Tracer, type TracerProvider } from '@opentelemetry/api';
import { MockActivityEnvironment } from '@temporalio/testing';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createActivities } from '../../src/activities';
import type { CallModelInput, CallModelResult } from '../../src/activities/model';
import { AgentRegistry } from '../../src/agents/registry';
import { createLogger } from '../../src/infra/logger';
import { createModelProviders } from '../../src/models/registry';
import { createPolicies, loadPolicyConfig } from '../../src/policies';
import { ScriptedProvider } from '../../src/models/scripted';
import { lookupFact } from '../../src/examples/research/agent';
import { testAgent } from '../fixtures/test-agents';
import { testEnv } from '../support/harness';

/** Records spans: name, attributes, status. Enough to check what telemetry would export. */
class RecordingTracer implements Tracer, TracerProvider {
  readonly spans: Array<{ name: string; attributes: Record<string, unknown>; ended: boolean }> = [];
  getTracer(): Tracer {
    return this;
  }
  startSpan(name: string, options?: SpanOptions): Span {
    const rec = { name, attributes: { ...(options?.attributes ?? {}) } as Record<string, unknown>, ended: false };
    this.spans.push(rec);
    const span: Span = {
      spanContext: () => ({ traceId: '0'.repeat(32), spanId: '0'.repeat(16), traceFlags: 1 }),
      setAttribute: (k, v) => ((rec.attributes[k] = v), span),
      setAttributes: (a) => (Object.assign(rec.attributes, a), span),
      addEvent: () => span,
      addLink: () => span,
      addLinks: () => span,
      setStatus: () => span,
      updateName: () => span,
      end: () => void (rec.ended = true),
      isRecording: () => true,
      recordException: () => undefined,
    };
    return span;
  }
  startActiveSpan<F extends (span: Span) => unknown>(name: string, ...args: unknown[]): ReturnType<F> {
    const fn = args[args.length - 1] as F;
    const options = (args.length > 1 ? args[0] : undefined) as SpanOptions | undefined;
    return context.with(context.active(), () => fn(this.startSpan(name, options))) as ReturnType<F>;
  }
}

const tracer = new RecordingTracer();
let pool: pg.Pool;
const model = new ScriptedProvider([
  { toolCalls: [{ id: 'c1', name: 'lookup', arguments: { q: 'x' } }, { id: 'c2', name: 'pay', arguments: { amount: 500, to: 'Z' } }], usage: { inputTokens: 11, outputTokens: 7 } },
]);
const agents = new AgentRegistry([testAgent('unit', 'scripted:unit'), { ...testAgent('facts', 'scripted:unit'), tools: [lookupFact] }]);

beforeAll(() => {
  trace.setGlobalTracerProvider(tracer);
  pool = new pg.Pool({ connectionString: testEnv().databaseUrl });
});
afterAll(() => pool.end());

const activities = () => {
  const providers = createModelProviders({ extra: [model] });
  return createActivities({ db: pool, providers, agents, log: createLogger({}, 'error'), policies: createPolicies(loadPolicyConfig(undefined), { pool, providers }) });
};
// A tenant of its own per test run: the response cache and the ledger live in Postgres.
const tenantId = `unit-${randomUUID()}`;

test('callModel normalizes, checks tool calls and records a chat span with token usage', async () => {
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: `wf-${tenantId}`, runId: 'r1' } } as never);
  const input: CallModelInput = { agent: 'unit', model: 'scripted:unit', messages: [{ role: 'user', content: 'hi' }], temperature: 0, step: 1, tenantId };
  const res = (await env.run(activities().callModel, input)) as CallModelResult;
  expect(res.usage).toEqual({ inputTokens: 11, outputTokens: 7 });
  // The provider's ids (c1, c2) are replaced by the run's own: step 1, positions 0 and 1.
  expect(res.message.toolCalls?.map((c) => c.id)).toEqual(['call_1_0', 'call_1_1']);
  expect(res.plans).toEqual([
    expect.objectContaining({ callId: 'call_1_0', status: 'ready', args: { q: 'x' } }),
    expect.objectContaining({ callId: 'call_1_1', status: 'ready', approval: 'payment of 500 is above 100', argsHash: expect.stringMatching(/^[0-9a-f]{64}$/) }),
  ]);
  const span = tracer.spans.find((s) => s.name === 'chat unit')!;
  expect(span.ended).toBe(true);
  expect(span.attributes).toMatchObject({
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'scripted',
    'gen_ai.request.model': 'unit',
    'gen_ai.usage.input_tokens': 11,
    'gen_ai.usage.output_tokens': 7,
  });
});

test('runTool returns a ToolError as a value and opens an execute_tool span', async () => {
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'wf-unit', runId: 'r1' } } as never);
  const out = await env.run(activities().runTool, { agent: 'facts', tool: 'lookup_fact', callId: 'c9', args: { topic: 'population of atlantis' }, tenantId: 't', idempotencyKey: 'wf-unit/1/c9' });
  expect(out).toEqual({ ok: false, error: 'no fact about "population of atlantis"' });
  expect(tracer.spans.find((s) => s.name === 'execute_tool lookup_fact')?.attributes).toMatchObject({ 'gen_ai.tool.name': 'lookup_fact', 'gen_ai.tool.call.id': 'c9' });
});

test('resolveAgent names the known agents when the agent is unknown', async () => {
  const env = new MockActivityEnvironment();
  await expect(env.run(activities().resolveAgent, 'ghost')).rejects.toThrow('unknown agent "ghost" (known: facts, unit)');
});
