/**
 * Records one committed history per workflow shape into test/histories/, for the replay
 * test. Run after a deliberate workflow change: `npm run record-histories`. A change that
 * makes an old history fail to replay needs workflow versioning (patched()), not a new
 * recording. Names given as arguments record only those histories
 * (`npm run record-histories -- flow-run-content`).
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { PostgresInputStore } from '../../src/batch/input-store';
import { BatchClient } from '../../src/client/batch-client';
import { FlowClient } from '../../src/client/flow-client';
import { exampleAgents } from '../../src/examples';
import { ScriptedProvider } from '../../src/models/scripted';
import type { ModelProvider } from '../../src/models/types';
import { AGENT_CATALOG_WORKFLOW, catalogQuery, publishCatalogSignal } from '../../src/workflows/agent/definitions';
import { labelledFlow } from '../fixtures/labelled-flow';
import { testAgent } from '../fixtures/test-agents';
import globalSetup from '../support/global-setup';
import globalTeardown from '../support/global-teardown';
import { startHarness } from '../support/harness';
import { decide } from '../support/decisions';
import { DecisionSigner } from '../../src/trust/decision-token';

async function main(): Promise<void> {
  await globalSetup();
  const scripted = new ScriptedProvider((req) => {
    const task = req.messages.find((m) => m.role === 'user')?.content ?? '';
    const n = req.messages.filter((m) => m.role === 'assistant').length;
    if (task === 'saga') return [{ toolCalls: [{ name: 'record_step', arguments: { label: 'a' } }] }, { toolCalls: [{ name: 'explode', arguments: {} }] }][n];
    if (task === 'long') return n < 12 ? { toolCalls: [{ name: 'noop', arguments: {} }] } : { content: 'done' };
    if (task === 'cached') return n === 0 ? { toolCalls: [{ name: 'lookup', arguments: { q: 'opening hours' } }] } : { content: 'looked it up' };
    if (task === 'pause') return { content: 'worth the wait' };
    if (task === 'batch item') return { content: 'handled' };
    if (task === 'spend') return { toolCalls: [{ name: 'noop', arguments: {} }] };
    if (task === 'pay and answer') return [{ toolCalls: [{ name: 'pay', arguments: { amount: 250, to: 'ACME' } }] }, { content: 'paid' }][n];
    if (task === 'pay, then cancelled') return { toolCalls: [{ name: 'pay', arguments: { amount: 500, to: 'ACME' } }] };
    if (task === 'flow draft') return { content: 'drafted' };
    if (task === 'flow send') return { content: 'sent' };
    if (task === 'cancel mid-tool') return [{ toolCalls: [{ name: 'record_step', arguments: { label: 'a' } }] }, { toolCalls: [{ name: 'record_step', arguments: { label: 'slow', ms: 1500 } }] }][n];
    return undefined;
  });
  // Priced as gpt-4o, so a run cap of $0.01 stops the first call and the run pauses.
  const priced: ModelProvider = {
    name: 'openai',
    async complete(req, opts) {
      return { ...(await scripted.complete(req, opts)), usage: { inputTokens: 50, outputTokens: 1000 }, model: 'openai:gpt-4o' };
    },
  };
  const h = await startHarness({
    agents: [
      ...exampleAgents,
      testAgent('tester', 'scripted:test'),
      testAgent('patient', 'openai:gpt-4o', { budget: { onExceeded: 'pause', runCapUsd: 0.01 } }),
      testAgent('thrifty', 'openai:gpt-4o', { maxOutputTokens: 1000, maxSteps: 20 }),
    ],
    providers: [scripted, priced],
  });
  const out = path.resolve(__dirname);
  const only = process.argv.slice(2);
  const save = async (name: string, workflowId: string) => {
    if (only.length && !only.includes(name)) return;
    const history = await h.temporal.workflow.getHandle(workflowId).fetchHistory();
    fs.writeFileSync(path.join(out, `${name}.json`), `${historyToJSON(history)}\n`);
    process.stdout.write(`recorded ${name} (${history.events?.length} events)\n`);
  };
  try {
    // Support: lookup → refund (approval breakpoint, approved) → notify → answer.
    const support = await h.agents.start('support', 'My espresso machine from order ORD-1001 arrived broken, please refund it.', { tenantId: 'acme', id: 'history-support' });
    for (;;) {
      const s = await h.agents.state(support.id).catch(() => undefined);
      const p = s?.pendingApprovals[0];
      if (p) {
        await h.decide.approve(support.id, p.callId, p.argsHash, 'recorder');
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await h.agents.result(support.id);
    await save('agent-run-support-approved', support.id);

    const research = await h.agents.start('research', 'What is the combined population of France and Germany, and what is 17.5% of 2400?', { id: 'history-research' });
    await h.agents.result(research.id);
    await save('agent-run-research-parallel', research.id);

    const saga = await h.agents.start('tester', 'saga', { id: 'history-saga' });
    await h.agents.result(saga.id).catch(() => undefined);
    await save('agent-run-saga-compensated', saga.id);

    const long = await h.agents.start('tester', 'long', { id: 'history-continued', historyEventLimit: 40 });
    await h.agents.result(long.id);
    await save('agent-run-continued-as-new', long.id);

    // Policies: the same deterministic request twice, the second answered by the cache.
    await h.agents.result((await h.agents.start('tester', 'cached', { id: 'history-cache-miss' })).id);
    const cached = await h.agents.start('tester', 'cached', { id: 'history-cache-hit' });
    await h.agents.result(cached.id);
    await save('agent-run-cache-hit', cached.id);

    // Budget: the run cap stops the first call, the run pauses, a person raises the cap.
    const patient = await h.agents.start('patient', 'pause', { id: 'history-budget-paused' });
    while ((await h.agents.state(patient.id).catch(() => undefined))?.status !== 'waiting_budget') await new Promise((r) => setTimeout(r, 100));
    await h.agents.raiseBudget(patient.id, { runCapUsd: 1, by: 'recorder' });
    await h.agents.result(patient.id);
    await save('agent-run-budget-paused-raised', patient.id);

    // Batch: small pages and continue-as-new after five items; its first run is the history.
    const batches = new BatchClient(h.temporal, h.taskQueue, new PostgresInputStore(h.pool));
    const items = Array.from({ length: 8 }, (_, i) => ({ key: `item-${i}`, input: 'batch item' }));
    const batch = await batches.startBatch({ agent: 'tester' }, { items }, { id: 'batch-run-continued', concurrency: 3, pageSize: 2, continueAsNewEvery: 5 });
    await batches.result(batch.id);
    if (!only.length || only.includes('batch-run-continued')) {
      const first = await h.temporal.workflow.getHandle(batch.id, batch.runId).fetchHistory();
      fs.writeFileSync(path.join(out, 'batch-run-continued.json'), `${historyToJSON(first)}\n`);
      process.stdout.write(`recorded batch-run-continued (${first.events?.length} events)\n`);
    }

    // Cancelled while a compensable call runs: the call finishes, then both calls are undone.
    const cancelled = await h.agents.start('tester', 'cancel mid-tool', { id: 'history-cancelled-mid-tool' });
    while (!(await h.agents.state(cancelled.id).catch(() => undefined))?.toolCalls.some((c) => c.step === 2 && c.status === 'running')) await new Promise((r) => setTimeout(r, 50));
    await h.agents.cancel(cancelled.id);
    await h.agents.result(cancelled.id).catch(() => undefined);
    await save('agent-run-cancelled-mid-tool', cancelled.id);

    await h.temporal.workflow.execute('housekeeping', { taskQueue: h.taskQueue, workflowId: 'history-housekeeping', args: [{}] });
    await save('housekeeping', 'history-housekeeping');

    // The catalog is long-lived: two publications and a query, then it is ended so its history can be saved.
    const publication = { agents: [{ name: 'tester', description: 'test agent', model: 'scripted:test', tools: [] }], worker: 'recorder', publishedAt: '2026-01-01T00:00:00.000Z' };
    const catalog = await h.temporal.workflow.signalWithStart(AGENT_CATALOG_WORKFLOW, { taskQueue: h.taskQueue, workflowId: 'history-catalog', args: [{}], signal: publishCatalogSignal, signalArgs: [publication] });
    await catalog.signal(publishCatalogSignal, { ...publication, worker: 'recorder-2' });
    await catalog.query(catalogQuery);
    await catalog.terminate('recorded');
    await save('agent-catalog', 'history-catalog');

    // Flows: content (map with retries and a fallback, a review loop); triage with an escalation a person answers.
    // Their ids are the history names: the replay test replays under that id, and child ids derive from it.
    const flows = new FlowClient(h.temporal, h.taskQueue);
    const content = await flows.startFlow('content', 'Write an article about durable execution for AI agents.', { id: 'flow-run-content' });
    await flows.result(content.id);
    await save('flow-run-content', content.id);
    const triage = await flows.startFlow('triage', 'Can I pay with cryptocurrency?', { id: 'flow-run-triage-escalated' });
    while (!(await flows.flowState(triage.id).catch(() => undefined))?.pendingEscalations.length) await new Promise((r) => setTimeout(r, 100));
    await h.decide.answer(triage.id, 'escalate', 'Not yet: we accept cards and PayPal.', 'recorder');
    await flows.result(triage.id);
    await save('flow-run-triage-escalated', triage.id);
    // A flow budget the ledger holds: the first node's run stops at it, so the second never starts.
    const budgeted = await flows.startFlow(
      { name: 'budgeted', budgetUsd: 0.025, nodes: { spend: { type: 'agent', agent: 'thrifty', input: 'spend', next: 'after' }, after: { type: 'agent', agent: 'thrifty', input: 'spend' } } },
      'spend',
      { id: 'flow-run-budget-stopped', tenantId: 'history-budget' },
    );
    await flows.result(budgeted.id);
    await save('flow-run-budget-stopped', budgeted.id);

    // Web UI labels: priced runs keep their cost current; approval, escalation and node
    // timeout timers carry summaries; flow nodes carry the flow, batch items the batch.
    const waitForApproval = async (id: string) => {
      for (;;) {
        const p = (await h.agents.state(id).catch(() => undefined))?.pendingApprovals[0];
        if (p) return p;
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const labelled = await h.agents.start('thrifty', 'pay and answer', { tenantId: 'acme', id: 'agent-run-labelled-approved' });
    const toApprove = await waitForApproval(labelled.id);
    await h.decide.approve(labelled.id, toApprove.callId, toApprove.argsHash, 'recorder');
    await h.agents.result(labelled.id);
    await save('agent-run-labelled-approved', labelled.id);
    const abandoned = await h.agents.start('thrifty', 'pay, then cancelled', { tenantId: 'acme', id: 'agent-run-labelled-cancelled' });
    await waitForApproval(abandoned.id);
    await h.agents.cancel(abandoned.id);
    await h.agents.result(abandoned.id).catch(() => undefined);
    await save('agent-run-labelled-cancelled', abandoned.id);
    const asked = await flows.startFlow(labelledFlow('thrifty'), 'go', { id: 'flow-run-labelled-escalated', tenantId: 'acme' });
    while (!(await flows.flowState(asked.id).catch(() => undefined))?.pendingEscalations.length) await new Promise((r) => setTimeout(r, 100));
    await h.decide.answer(asked.id, 'ask', 'yes', 'recorder');
    await flows.result(asked.id);
    await save('flow-run-labelled-escalated', asked.id);

    // Signed decisions: a forged approval (another key) refused after its verification, then a valid one;
    // an escalation answered with a signed token.
    const signed = await h.agents.start('thrifty', 'pay and answer', { tenantId: 'acme', id: 'agent-run-signed-decisions' });
    const toSign = await waitForApproval(signed.id);
    await decide(h.temporal, h.taskQueue, new DecisionSigner(generateKeyPairSync('ed25519').privateKey))
      .approve(signed.id, toSign.callId, toSign.argsHash, 'mallory')
      .catch(() => undefined);
    await h.decide.approve(signed.id, toSign.callId, toSign.argsHash, 'recorder');
    await h.agents.result(signed.id);
    await save('agent-run-signed-decisions', signed.id);
    const answered = await flows.startFlow(labelledFlow('thrifty'), 'go', { id: 'flow-run-signed-answer', tenantId: 'acme' });
    while (!(await flows.flowState(answered.id).catch(() => undefined))?.pendingEscalations.length) await new Promise((r) => setTimeout(r, 100));
    await h.decide.answer(answered.id, 'ask', 'yes', 'recorder');
    await flows.result(answered.id);
    await save('flow-run-signed-answer', answered.id);
    const labelledBatch = await batches.startBatch({ agent: 'thrifty' }, { items: [{ input: 'batch item' }, { input: 'batch item' }] }, { id: 'batch-run-labelled', tenantId: 'acme' });
    await batches.result(labelledBatch.id);
    await save('batch-run-labelled', labelledBatch.id);
  } finally {
    await h.shutdown();
    await globalTeardown();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
