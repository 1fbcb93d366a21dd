/**
 * The agent catalog: each worker publishes its agents to one long-lived workflow per task
 * queue when it starts, and clients read it with a query. Listing agents must not start a
 * workflow, the newest worker's list wins, and the catalog survives continue-as-new.
 */
import { randomUUID } from 'node:crypto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { AgentClient, NoCatalogError, NoWorkersError } from '../../src/client/agent-client';
import { agentCatalogId, AGENT_CATALOG_WORKFLOW, catalogQuery, publishCatalogSignal } from '../../src/workflows/agent/definitions';
import { testAgent } from '../fixtures/test-agents';
import { startHarness, testEnv, type Harness } from '../support/harness';
import { testDataConverter } from '../support/data-converter';

let first: Harness;

beforeAll(async () => {
  first = await startHarness({ agents: [testAgent('alpha', 'scripted:test'), testAgent('beta', 'scripted:test')] });
});
afterAll(() => first?.shutdown());

async function catalogWorkflows(h: Harness): Promise<string[]> {
  const out: string[] = [];
  for await (const wf of h.temporal.workflow.list({ query: `WorkflowType = '${AGENT_CATALOG_WORKFLOW}' AND TaskQueue = '${h.taskQueue}'` })) out.push(`${wf.workflowId}:${wf.status.name}`);
  return out;
}

test('a worker publishes its agents when it starts; reading them starts no workflow', async () => {
  const names = async () => (await first.agents.agentCatalog()).map((a) => a.name);
  expect(await names()).toEqual(['alpha', 'beta']);
  for (let i = 0; i < 5; i++) await names();
  // Visibility is eventually consistent: give it a moment to show anything the reads might have started.
  await new Promise((r) => setTimeout(r, 1500));
  expect(await catalogWorkflows(first)).toEqual([`${agentCatalogId(first.taskQueue)}:RUNNING`]);
});

test('the catalog describes each tool: its effect and whether it needs approval', async () => {
  const alpha = (await first.agents.agentCatalog()).find((a) => a.name === 'alpha')!;
  expect(alpha.tools).toEqual([
    { name: 'record_step', effect: 'compensable', approval: false },
    { name: 'explode', effect: 'irreversible', approval: false },
    { name: 'pay', effect: 'compensable', approval: true },
    { name: 'lookup', effect: 'read', approval: false },
    { name: 'noop', effect: 'read', approval: false },
  ]);
});

test('a worker started later on the same task queue replaces the list (a deploy that adds an agent)', async () => {
  const second = await startHarness({ taskQueue: first.taskQueue, agents: [testAgent('alpha', 'scripted:test'), testAgent('gamma', 'scripted:test')] });
  try {
    expect((await first.agents.agentCatalog()).map((a) => a.name)).toEqual(['alpha', 'gamma']);
  } finally {
    await second.shutdown();
  }
});

test('a task queue no worker polls says so at once, naming the queue (a query would wait half a minute)', async () => {
  const nobody = new AgentClient(first.temporal, `nobody-${randomUUID()}`);
  await expect(nobody.agentCatalog()).rejects.toThrow(NoWorkersError);
  await expect(nobody.agentCatalog()).rejects.toThrow(/no worker is polling task queue "nobody-/);
});

test('a task queue whose workers published nothing (not agent workers, or an older version) says so, naming the queue', async () => {
  const taskQueue = `unpublished-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address: testEnv().address });
  const worker = await Worker.create({ connection, taskQueue, workflowBundle: { codePath: testEnv().bundle }, dataConverter: testDataConverter() });
  await worker.runUntil(async () => {
    const client = new AgentClient(first.temporal, taskQueue);
    for (let i = 0; i < 50 && !(await client.hasWorkers()); i++) await new Promise((r) => setTimeout(r, 100));
    await expect(client.agentCatalog()).rejects.toThrow(NoCatalogError);
    await expect(client.agentCatalog()).rejects.toThrow(`no worker on task queue "${taskQueue}" has published its agents`);
  });
  await connection.close();
});

test('the catalog continues as new after many publications and keeps the newest list', async () => {
  const h = await startHarness({ agents: [testAgent('alpha', 'scripted:test')] });
  try {
    const handle = h.temporal.workflow.getHandle(agentCatalogId(h.taskQueue));
    const { runId } = await handle.describe();
    for (let i = 0; i < 200; i++) {
      await handle.signal(publishCatalogSignal, { agents: [{ name: `agent-${i}`, description: '', model: 'scripted:test', tools: [] }], worker: 'test', publishedAt: new Date().toISOString() });
    }
    const latest = h.temporal.workflow.getHandle(agentCatalogId(h.taskQueue));
    for (let tries = 0; (await latest.describe()).runId === runId && tries < 100; tries++) await new Promise((r) => setTimeout(r, 100));
    expect((await latest.describe()).runId).not.toBe(runId);
    expect((await latest.query(catalogQuery))?.agents.map((a) => a.name)).toEqual(['agent-199']);
  } finally {
    await h.shutdown();
  }
});
