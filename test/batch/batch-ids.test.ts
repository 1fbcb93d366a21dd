/**
 * A batch id is taken once: starting a batch under the id of an existing batch (running or
 * finished, any tenant's) or of stored inputs is refused with one clear error, from the
 * SDK and from the CLI (exit 2), and the existing rows stay exactly as they were.
 */
import { PostgresInputStore } from '../../src/batch/input-store';
import { BatchClient } from '../../src/client/batch-client';
import { InvalidInputError } from '../../src/client/ids';
import { ScriptedProvider } from '../../src/models/scripted';
import { testAgent } from '../fixtures/test-agents';
import { startHarness, type Harness } from '../support/harness';
import { runCli, type CliOutcome } from '../support/cli-process';

let h: Harness;
let batches: BatchClient;
const run = Date.now().toString(36);

// "[slow N]" makes the item's one tool call take N ms, so a batch stays running.
const model = new ScriptedProvider((req) => {
  const task = req.messages.find((m) => m.role === 'user')?.content ?? '';
  const turn = req.messages.filter((m) => m.role === 'assistant').length;
  if (turn === 0) return { toolCalls: [{ name: 'record_step', arguments: { label: task, ms: Number(/\[slow (\d+)\]/.exec(task)?.[1] ?? 0) } }] };
  return turn === 1 ? { content: `done: ${task}` } : undefined;
});

beforeAll(async () => {
  h = await startHarness({ agents: [testAgent('batcher', 'scripted:ids')], providers: [model], sdkLogLevel: 'ERROR' });
  batches = new BatchClient(h.temporal, h.taskQueue, new PostgresInputStore(h.pool));
});
afterAll(() => h?.shutdown());

function cli(args: string[]): Promise<CliOutcome> {
  return runCli(args, { TASK_QUEUE: h.taskQueue });
}

async function rows(table: 'batch_inputs' | 'batch_items', owner: string) {
  const col = table === 'batch_inputs' ? 'set_id' : 'batch_id';
  return (await h.pool.query<{ idx: number; input: string }>(`SELECT idx, input FROM ${table} WHERE ${col} = $1 ORDER BY idx`, [owner])).rows.map((r) => [r.idx, r.input]);
}

async function waitForRunning(id: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const p = await batches.progress(id).catch(() => undefined);
    if (p && p.status === 'running' && p.inFlight > 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`batch ${id} never ran`);
}

test("starting under a running batch's id is refused and leaves its rows alone, from the SDK and the CLI", async () => {
  const id = `batch-othertenant-running-${run}`;
  const items = ['first [slow 4000]', 'second [slow 4000]'];
  await batches.startBatch({ agent: 'batcher' }, { items }, { id, tenantId: 'othertenant', concurrency: 2 });
  await waitForRunning(id);
  const before = await rows('batch_items', id);
  expect(before).toEqual([
    [0, items[0]],
    [1, items[1]],
  ]);

  const err = await batches.startBatch({ agent: 'batcher' }, { items: ['intruder'] }, { id }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidInputError);
  expect((err as Error).message).toBe(`a batch with id "${id}" already exists: choose another id`);
  await expect(batches.startBatch({ agent: 'batcher' }, { query: "SELECT 'intruder' AS input" }, { id })).rejects.toThrow(/already exists/);

  const r = await cli(['batch', 'start', 'batcher', '--item', 'intruder', '--id', id, '--detach']);
  expect(r.stderr.trimEnd().split('\n')).toEqual([`durable-agents: a batch with id "${id}" already exists: choose another id`]);
  expect(r.code).toBe(2);

  expect(await rows('batch_items', id)).toEqual(before);
  expect(await rows('batch_inputs', id)).toEqual([]);
  expect(await batches.result(id)).toMatchObject({ total: 2, succeeded: 2 });
}, 60_000);

test('starting under the id of stored inputs is refused and leaves them alone', async () => {
  const id = `batch-default-stored-${run}`;
  // Another client's set, stored for a batch it has not started yet.
  await h.pool.query("INSERT INTO batch_inputs (set_id, idx, input) VALUES ($1, 0, 'theirs a'), ($1, 1, 'theirs b')", [id]);
  const err = await batches.startBatch({ agent: 'batcher' }, { items: ['mine'] }, { id }).catch((e: unknown) => e);
  expect((err as Error).message).toBe(`inputs are already stored under "${id}": choose another id`);
  expect(await rows('batch_inputs', id)).toEqual([
    [0, 'theirs a'],
    [1, 'theirs b'],
  ]);
  await expect(h.temporal.workflow.getHandle(id).describe()).rejects.toThrow(/not found/i);
  await h.pool.query('DELETE FROM batch_inputs WHERE set_id = $1', [id]);
});

test("starting under a finished batch's id is refused, even when only its rows are left", async () => {
  const id = `batch-default-finished-${run}`;
  await batches.startBatch({ agent: 'batcher' }, { items: ['done once'] }, { id });
  await batches.result(id);
  await expect(batches.startBatch({ agent: 'batcher' }, { items: ['again'] }, { id })).rejects.toThrow(`a batch with id "${id}" already exists`);
  // Rows without a workflow (its history is past retention): still taken.
  const orphan = `batch-default-orphan-${run}`;
  await h.pool.query(`INSERT INTO batches (batch_id, tenant_id, target, source_kind, total) VALUES ($1, 'default', '{}', 'stored', 0)`, [orphan]);
  await expect(batches.startBatch({ agent: 'batcher' }, { items: ['again'] }, { id: orphan })).rejects.toThrow(`a batch with id "${orphan}" already exists`);
  expect(await rows('batch_inputs', orphan)).toEqual([]);
  expect(await rows('batch_items', id)).toEqual([[0, 'done once']]);
  await h.pool.query('DELETE FROM batches WHERE batch_id = $1', [orphan]);
});
