/**
 * `batchRun` on a real dev server with a scripted model: 1,000 items with 10% failing at
 * concurrency 20 (every item accounted for, none run twice, each run's history bounded),
 * the progress query, JSONL and query sources, cancellation, a batch restarted under the
 * same id after it was terminated, and replay of every run of a continued batch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { ScriptedProvider } from '../../src/models/scripted';
import type { ModelProvider } from '../../src/models/types';
import { BATCH_READER_ROLE } from '../../src/batch/query';
import { loadPage, PAGE_CHAR_BUDGET, stageBatch } from '../../src/batch/store';
import { PostgresInputStore } from '../../src/batch/input-store';
import { BatchClient } from '../../src/client/batch-client';
import type { BatchProgress, BatchSummary } from '../../src/shared/batch-types';
import { BATCH_RUN_WORKFLOW } from '../../src/workflows/batch/definitions';
import { testAgent } from '../fixtures/test-agents';
import { startHarness, testEnv, type Harness } from '../support/harness';
import { testDataConverter } from '../support/data-converter';

let h: Harness;
let batches: BatchClient;

// Each item's task decides its script: "[fail]" fails the run at its first model call
// (non-retryable), "[slow N]" makes its one tool call take N ms; every other item records
// one effect (tool_effects row labelled with the task) and answers.
const model = new ScriptedProvider((req) => {
  const task = req.messages.find((m) => m.role === 'user')?.content ?? '';
  if (task.includes('[fail]')) return { error: ApplicationFailure.nonRetryable(`item marked to fail: ${task}`, 'ItemMarkedToFail') };
  const turn = req.messages.filter((m) => m.role === 'assistant').length;
  if (task.includes('[explode]') && turn === 0) return { toolCalls: [{ name: 'explode', arguments: {} }] };
  const ms = Number(/\[slow (\d+)\]/.exec(task)?.[1] ?? 0);
  if (turn === 0) return { toolCalls: [{ name: 'record_step', arguments: { label: task, ms } }] };
  return turn === 1 ? { content: `done: ${task}` } : undefined;
});

/** The same scripts as a priced model: $0.0025 a call (1,000 gpt-4o input tokens). */
const priced: ModelProvider = {
  name: 'openai',
  async complete(req, opts) {
    return { ...(await model.complete(req, opts)), usage: { inputTokens: 1000, outputTokens: 0 }, model: 'openai:gpt-4o' };
  },
};

beforeAll(async () => {
  h = await startHarness({
    agents: [testAgent('batcher', 'scripted:batch'), testAgent('spender', 'openai:gpt-4o')],
    providers: [model, priced],
    maxConcurrentWorkflowTaskExecutions: 100,
    maxConcurrentActivityTaskExecutions: 200,
    sdkLogLevel: 'ERROR',
  });
  batches = new BatchClient(h.temporal, h.taskQueue, new PostgresInputStore(h.pool));
});
afterAll(() => h?.shutdown());

/** Each run of the batch's continue-as-new chain, newest first, with its history length. */
async function chain(id: string): Promise<number[]> {
  let runId: string | undefined = (await h.temporal.workflow.getHandle(id).describe()).runId;
  const lengths: number[] = [];
  while (runId) {
    const handle: WorkflowHandle = h.temporal.workflow.getHandle(id, runId);
    lengths.push((await handle.describe()).historyLength);
    const hist = await handle.fetchHistory();
    runId = hist.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return lengths;
}

async function itemRows(id: string) {
  const { rows } = await h.pool.query<{ idx: number; status: string; child_workflow_id: string | null; error: string | null; key: string | null; input: string }>(
    'SELECT idx, status, child_workflow_id, error, key, input FROM batch_items WHERE batch_id = $1 ORDER BY idx',
    [id],
  );
  return rows;
}

async function effects(id: string) {
  const { rows } = await h.pool.query<{ workflow_id: string; kind: string; label: string }>(
    `SELECT workflow_id, kind, args->>'label' AS label FROM tool_effects WHERE workflow_id LIKE $1 ORDER BY seq`,
    [`${id}-item-%`],
  );
  return rows;
}

test('1,000 items, 10% failing, concurrency 20: all accounted for, none run twice, history bounded', async () => {
  const N = 1000;
  const tasks = Array.from({ length: N }, (_, i) => (i % 10 === 3 ? `task ${i} [fail]` : `task ${i}`));
  const started = Date.now();
  const { id } = await batches.startBatch({ agent: 'batcher' }, { items: tasks }, { concurrency: 20 });

  // The progress query answers while the batch runs, and never shows more than 20 in flight.
  const seen: BatchProgress[] = [];
  const done = batches.result(id);
  let finished = false;
  void done.finally(() => (finished = true)).catch(() => undefined);
  while (!finished) {
    const p = await batches.progress(id).catch(() => undefined);
    if (p) seen.push(p);
    await new Promise((r) => setTimeout(r, 250));
  }
  const summary: BatchSummary = await done;
  const seconds = (Date.now() - started) / 1000;

  expect(seen.length).toBeGreaterThan(3);
  const mid = seen.find((p) => p.status === 'running' && p.started > 0 && p.total === N);
  expect(mid).toMatchObject({ batchId: id, total: N, concurrency: 20 });
  for (const p of seen) {
    expect(p.inFlight).toBeLessThanOrEqual(20);
    expect(p.succeeded + p.failed + p.cancelled + p.inFlight).toBeLessThanOrEqual(p.started);
  }
  expect(seen.some((p) => p.runs >= 1)).toBe(true);
  // startedAt is the whole batch's, not the current run's: rates and ETAs survive continue-as-new.
  expect(new Set(seen.map((p) => p.startedAt)).size).toBe(1);

  expect(summary).toMatchObject({ batchId: id, status: 'completed', total: N, succeeded: 900, failed: 100, cancelled: 0, pending: 0, runs: 4 });
  expect(summary.failures).toHaveLength(20);
  expect(summary.failures[0]).toMatchObject({ idx: 3, childWorkflowId: `${id}-item-3`, error: expect.stringMatching(/AgentRunFailed: .*item marked to fail: task 3 \[fail\]/) });
  expect(summary.durationMs).toBeGreaterThan(0);

  // Postgres: one row per item, one outcome each, the child id derived from the index.
  const rows = await itemRows(id);
  expect(rows).toHaveLength(N);
  for (const r of rows) {
    expect(r.child_workflow_id).toBe(`${id}-item-${r.idx}`);
    expect(r.status).toBe(r.idx % 10 === 3 ? 'failed' : 'succeeded');
  }
  // Every succeeded item's one effect happened exactly once, in its own child run.
  const fx = await effects(id);
  expect(fx).toHaveLength(900);
  expect(new Set(fx.map((f) => f.label)).size).toBe(900);
  for (const f of fx) expect(f.workflow_id).toBe(`${id}-item-${/^task (\d+)$/.exec(f.label)![1]}`);
  // And the model saw each item's first turn exactly once.
  const firstTurns = model.requests.filter((r) => r.messages.every((m) => m.role !== 'assistant')).map((r) => r.messages.find((m) => m.role === 'user')?.content);
  for (const t of tasks) expect(firstTurns.filter((x) => x === t)).toHaveLength(1);

  // Five runs of 200 items. Bound per run: 6 events per item (child initiated, started,
  // closed, plus at worst one workflow task of 3 events per completion) + 100 for start,
  // page reads, outcome flushes and continue-as-new.
  const lengths = await chain(id);
  expect(lengths).toHaveLength(5);
  for (const n of lengths) expect(n).toBeLessThan(6 * 200 + 100);
  process.stdout.write(`1,000-item batch: ${seconds.toFixed(1)} s (${(N / seconds).toFixed(1)} items/s); history per run: ${lengths.join(', ')}\n`);
}, 180_000);

describe('sources', () => {
  const dir = fs.mkdtempSync(path.join(process.env.TEST_TMP_DIR ?? os.tmpdir(), 'batch-inputs-'));
  fs.chmodSync(dir, 0o755);
  const jsonl = path.join(dir, 'items.jsonl');
  fs.writeFileSync(jsonl, ['"jsonl alpha"', '{"input": "jsonl beta", "key": "B-1"}', '', '{"input": "jsonl gamma [fail]", "id": 7}'].join('\n'));

  test('a JSONL file, read by the client', async () => {
    const { id } = await batches.startBatch({ agent: 'batcher' }, { jsonl }, { concurrency: 2 });
    const summary = await batches.result(id);
    expect(summary).toMatchObject({ total: 3, succeeded: 2, failed: 1, pending: 0 });
    const rows = await itemRows(id);
    expect(rows.map((r) => [r.input, r.key, r.status])).toEqual([
      ['jsonl alpha', null, 'succeeded'],
      ['jsonl beta', 'B-1', 'succeeded'],
      ['jsonl gamma [fail]', '7', 'failed'],
    ]);
    // A one-off batch consumes the set the client stored for it.
    const { rows: left } = await h.pool.query('SELECT 1 FROM batch_inputs WHERE set_id = $1', [id]);
    expect(left).toHaveLength(0);
  });

  test('a Postgres query on a table granted to the batch-query role', async () => {
    const table = `batch_test_tickets_${Date.now()}`;
    await h.admin.query(`CREATE TABLE ${table} AS SELECT 'query item ' || g AS body, 'Q' || g AS ticket FROM generate_series(1, 6) g`);
    await h.admin.query(`GRANT SELECT ON ${table} TO ${BATCH_READER_ROLE}`);
    try {
      const sql = `SELECT body AS input, ticket AS key FROM ${table} ORDER BY ticket`;
      const { id } = await batches.startBatch({ agent: 'batcher' }, { query: sql }, { concurrency: 3 });
      const summary = await batches.result(id);
      expect(summary).toMatchObject({ total: 6, succeeded: 6, failed: 0 });
      expect((await itemRows(id)).map((r) => r.key)).toEqual(['Q1', 'Q2', 'Q3', 'Q4', 'Q5', 'Q6']);
    } finally {
      await h.admin.query(`DROP TABLE ${table}`);
    }
  });

  test('bad inputs fail the batch at once with InvalidBatchInput, and a query cannot write', async () => {
    const bad = path.join(dir, 'bad.jsonl');
    fs.writeFileSync(bad, '"fine"\n{not json\n');
    const cases: Array<[Parameters<BatchClient['startBatch']>[1], RegExp]> = [
      [{ query: 'SELECT input FROM no_such_table' }, /the batch query failed: .*no_such_table/],
      [{ query: 'SELECT input FROM batch_items' }, /the batch query failed: permission denied for table batch_items/],
      [{ query: "DELETE FROM orders WHERE order_id = 'ORD-2001' RETURNING order_id AS input" }, /the batch query failed/],
    ];
    for (const [inputs, message] of cases) {
      const { id } = await batches.startBatch({ agent: 'batcher' }, inputs);
      const err = await batches.result(id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause?.cause as { type?: string; message: string };
      expect(cause.type).toBe('InvalidBatchInput');
      expect(cause.message).toMatch(message);
    }
    const { rows } = await h.pool.query("SELECT 1 FROM orders WHERE order_id = 'ORD-2001'");
    expect(rows).toHaveLength(1);
    await expect(batches.startBatch({ agent: 'batcher' }, { jsonl: bad })).rejects.toThrow(/line 2: not valid JSON/);
  });
});

async function waitForProgress(id: string, ok: (p: BatchProgress) => boolean): Promise<BatchProgress> {
  for (let i = 0; i < 300; i++) {
    const p = await batches.progress(id).catch(() => undefined);
    if (p && ok(p)) return p;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`batch ${id} never reached the expected progress`);
}

test('what a failed item spent before it failed counts in the batch cost', async () => {
  const { id } = await batches.startBatch({ agent: 'spender' }, { items: ['spend a', 'spend [explode] b', 'spend c'] });
  const summary = await batches.result(id);
  expect(summary).toMatchObject({ succeeded: 2, failed: 1 });
  // Two calls for each item that succeeded, one for the item whose tool then failed.
  expect(summary.costUsd).toBeCloseTo(5 * 0.0025, 9);
});

test('cancelling a batch cancels the runs in flight, records them, and leaves the rest pending', async () => {
  const tasks = Array.from({ length: 30 }, (_, i) => `cancel item ${i} [slow 5000]`);
  const { id } = await batches.startBatch({ agent: 'batcher' }, { items: tasks }, { concurrency: 5 });
  await waitForProgress(id, (p) => p.inFlight === 5);
  await batches.cancel(id);
  // The batch ends as cancelled (not completed), and its summary says what was done, cancelled and never started.
  const err = await h.temporal.workflow.getHandle(id).result().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  expect(((err as WorkflowFailedError).cause as Error).name).toBe('CancelledFailure');
  expect(await batches.result(id)).toMatchObject({ batchId: id, status: 'cancelled', total: 30, succeeded: 0, failed: 0, cancelled: 5, pending: 25 });
  const rows = await itemRows(id);
  expect(rows.filter((r) => r.status === 'cancelled').map((r) => r.idx)).toEqual([0, 1, 2, 3, 4]);
  expect(rows.filter((r) => r.status === 'pending')).toHaveLength(25);
  const { rows: batch } = await h.pool.query<{ status: string }>('SELECT status FROM batches WHERE batch_id = $1', [id]);
  expect(batch[0]?.status).toBe('cancelled');
  for (let i = 0; i < 5; i++) expect((await h.temporal.workflow.getHandle(`${id}-item-${i}`).describe()).status.name).toBe('CANCELLED');
});

test('a batch terminated mid-way and started again under the same id runs no item twice', async () => {
  const N = 40;
  const setId = `restart-set-${Date.now()}`;
  await h.pool.query(
    `INSERT INTO batch_inputs (set_id, idx, input) SELECT $1, g, 'restart item ' || g || ' [slow 300]' FROM generate_series(0, $2::int - 1) g`,
    [setId, N],
  );
  const id = `batch-default-restart-${Date.now()}`;
  const spec = { target: { kind: 'agent' as const, agent: 'batcher' }, source: { kind: 'stored' as const, setId }, tenantId: 'default', concurrency: 8 };
  const first = await h.temporal.workflow.start(BATCH_RUN_WORKFLOW, { taskQueue: h.taskQueue, workflowId: id, args: [{ spec }] });
  await waitForProgress(id, (p) => p.succeeded >= 10);
  await first.terminate('simulating an operator killing the batch');

  const again = await h.temporal.workflow.start(BATCH_RUN_WORKFLOW, { taskQueue: h.taskQueue, workflowId: id, args: [{ spec }] });
  const summary = (await again.result()) as BatchSummary;
  expect(summary).toMatchObject({ total: N, pending: 0, cancelled: 0 });
  expect(summary.succeeded + summary.failed).toBe(N);

  const rows = await itemRows(id);
  for (const r of rows) expect(r.child_workflow_id).toBe(`${id}-item-${r.idx}`);
  // Items the first execution started but did not record are refused a second run.
  const refused = rows.filter((r) => r.error?.startsWith('not run again'));
  expect(refused.length).toBeGreaterThan(0);
  expect(refused.length).toBeLessThanOrEqual(8 + 50);
  // No item's effect happened twice, and every succeeded item's effect happened once.
  const fx = (await effects(id)).filter((f) => f.kind === 'execute');
  const labels = fx.map((f) => f.label);
  expect(new Set(labels).size).toBe(labels.length);
  for (const r of rows.filter((x) => x.status === 'succeeded')) expect(labels).toContain(r.input);
});

test('every run of a batch that continued as new replays deterministically against today\'s code', async () => {
  const tasks = Array.from({ length: 12 }, (_, i) => (i % 4 === 1 ? `replay ${i} [fail]` : `replay ${i}`));
  const { id } = await batches.startBatch({ agent: 'batcher' }, { items: tasks }, { concurrency: 3, continueAsNewEvery: 5, pageSize: 2 });
  expect(await batches.result(id)).toMatchObject({ total: 12, succeeded: 9, failed: 3, pending: 0, runs: 2 });
  expect((await itemRows(id)).map((r) => r.status)).toEqual(tasks.map((t) => (t.includes('[fail]') ? 'failed' : 'succeeded')));
  // (A worker with maxCachedWorkflows: 0 would replay each task, but in SDK 1.24 concurrent
  // workflows with local activities then stall on a 10 s task timeout; replaying each
  // finished run's whole history checks the same determinism.)
  let runId: string | undefined = (await h.temporal.workflow.getHandle(id).describe()).runId;
  let replayed = 0;
  while (runId) {
    const history = await h.temporal.workflow.getHandle(id, runId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath: testEnv().bundle }, dataConverter: testDataConverter() }, history, id);
    replayed += 1;
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  expect(replayed).toBe(3);
});

test('a page holds at most PAGE_CHAR_BUDGET characters of input, and always at least one item', async () => {
  const id = `batch-default-pages-${Date.now()}`;
  const big = 'x'.repeat(Math.floor(PAGE_CHAR_BUDGET / 3));
  const huge = 'y'.repeat(PAGE_CHAR_BUDGET + 10);
  const items = [big, big, big, big, huge, 'small'].map((input) => ({ input }));
  await stageBatch(h.pool, id, { target: { kind: 'agent', agent: 'batcher' }, source: { kind: 'query', sql: '-' }, tenantId: 'default' }, async function* () {
    yield items;
  });
  expect((await loadPage(h.pool, id, 0, 100)).map((i) => i.idx)).toEqual([0, 1, 2]);
  expect((await loadPage(h.pool, id, 3, 100)).map((i) => i.idx)).toEqual([3]);
  expect((await loadPage(h.pool, id, 4, 100)).map((i) => i.idx)).toEqual([4]);
  expect((await loadPage(h.pool, id, 5, 100)).map((i) => i.idx)).toEqual([5]);
  await h.pool.query('DELETE FROM batches WHERE batch_id = $1', [id]);
});
