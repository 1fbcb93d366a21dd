/**
 * Schedules on a real dev server: an interval schedule whose trigger starts a batch,
 * backfill taking the actions due in a range, pause stopping new actions, delete; a flow
 * schedule's action; and the housekeeping workflow and schedule.
 */
import { ScheduleNotFoundError } from '@temporalio/client';
import { PostgresInputStore } from '../../src/batch/input-store';
import { BatchClient } from '../../src/client/batch-client';
import { HOUSEKEEPING_SCHEDULE_ID, ScheduleClient, scheduleInputSet, type ScheduleInfo } from '../../src/client/schedules';
import { exampleFlowNames, loadFlowSpec } from '../../src/flows';
import { ScriptedProvider } from '../../src/models/scripted';
import type { HousekeepingResult } from '../../src/shared/housekeeping-types';
import { HOUSEKEEPING_WORKFLOW } from '../../src/workflows/housekeeping/definitions';
import { testAgent } from '../fixtures/test-agents';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
let batches: BatchClient;
let schedules: ScheduleClient;
const run = Date.now().toString(36);
const HOUR = 3_600_000;

const model = new ScriptedProvider((req) => ({ content: `answered: ${req.messages.find((m) => m.role === 'user')?.content ?? ''}` }));

beforeAll(async () => {
  h = await startHarness({ agents: [testAgent('scheduled', 'scripted:sched')], providers: [model] });
  batches = new BatchClient(h.temporal, h.taskQueue, new PostgresInputStore(h.pool));
  schedules = new ScheduleClient(h.temporal, h.taskQueue, batches);
});
afterAll(() => h?.shutdown());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(id: string, ok: (d: ScheduleInfo) => boolean, what: string): Promise<ScheduleInfo> {
  for (let i = 0; i < 150; i++) {
    const d = await schedules.describe(id);
    if (ok(d)) return d;
    await sleep(200);
  }
  throw new Error(`schedule ${id}: ${what} never happened`);
}

test('an interval schedule: trigger starts a batch, backfill starts the runs due in the range, delete removes it', async () => {
  const id = `nightly-${run}`;
  await schedules.create(id, { kind: 'batch', target: { agent: 'scheduled' }, inputs: { items: ['scheduled a', 'scheduled b'] }, options: { concurrency: 2 } }, { every: '1h' }, { overlap: 'allow-all', catchupWindow: '10m', pauseOnFailure: true });
  const created = await schedules.describe(id);
  expect(created).toMatchObject({ id, kind: 'batch', timing: 'every 1h', workflowType: 'batchRun', paused: false, overlap: 'ALLOW_ALL', catchupWindowMs: 600_000, pauseOnFailure: true, actionsTaken: 0 });
  expect(created.nextActionTimes[0]!.getTime() % HOUR).toBe(0);

  await schedules.trigger(id);
  const triggered = await until(id, (d) => d.recentActions.length === 1, 'the triggered action');
  const batchId = triggered.recentActions[0]!.workflowId;
  expect(batchId).toMatch(new RegExp(`^batch-default-${id}-`));
  expect(await batches.result(batchId)).toMatchObject({ batchId, total: 2, succeeded: 2, failed: 0 });

  // Hours 10, 9 and 8 ago fall inside the range; its ends are half past, so no edge is ambiguous.
  const base = Math.floor(Date.now() / HOUR) * HOUR - 11 * HOUR;
  await schedules.backfill(id, new Date(base + HOUR / 2), new Date(base + 3 * HOUR + HOUR / 2));
  const filled = await until(id, (d) => d.recentActions.length === 4, 'three backfilled actions');
  const backfilled = filled.recentActions.filter((a) => a.workflowId !== batchId);
  expect(backfilled.map((a) => Math.round((a.scheduledAt.getTime() - base) / HOUR))).toEqual([1, 2, 3]);
  for (const a of backfilled) expect((await batches.result(a.workflowId)).succeeded).toBe(2);
  expect(new Set(filled.recentActions.map((a) => a.workflowId)).size).toBe(4);

  await schedules.delete(id);
  await expect(schedules.describe(id)).rejects.toBeInstanceOf(ScheduleNotFoundError);
  const { rows } = await h.pool.query('SELECT 1 FROM batch_inputs WHERE set_id = $1', [scheduleInputSet(id)]);
  expect(rows).toHaveLength(0);
});

test('pause stops new actions; unpause resumes them', async () => {
  const id = `ticker-${run}`;
  await schedules.create(id, { kind: 'batch', target: { agent: 'scheduled' }, inputs: { query: "SELECT 'tick' AS input" } }, { every: '2s' });
  await until(id, (d) => (d.actionsTaken ?? 0) >= 1, 'a first action');
  await schedules.pause(id, 'paused by the test');
  await sleep(1000); // an action already under way when pause landed
  const before = await schedules.describe(id);
  expect(before).toMatchObject({ paused: true, note: 'paused by the test' });
  await sleep(5000);
  expect((await schedules.describe(id)).actionsTaken).toBe(before.actionsTaken);

  await schedules.unpause(id);
  await until(id, (d) => (d.actionsTaken ?? 0) > (before.actionsTaken ?? 0), 'an action after unpause');
  await schedules.delete(id);
}, 60_000);

test('a flow schedule starts flowRun with the spec and the input', async () => {
  const name = exampleFlowNames()[0];
  if (!name) return; // no example flows in this checkout
  const id = `flow-${run}`;
  await schedules.create(id, { kind: 'flow', spec: loadFlowSpec(name), input: 'a scheduled task', tenantId: 'acme' }, { cron: ['0 3 * * *'] }, { paused: true });
  const d = await schedules.describe(id);
  expect(d).toMatchObject({ kind: 'flow', workflowType: 'flowRun', timing: 'cron 0 3 * * *', paused: true });
  const action = (await h.temporal.schedule.getHandle(id).describe()).action;
  expect(action.args?.[0]).toMatchObject({ spec: { name }, input: 'a scheduled task', tenantId: 'acme' });
  expect(action.workflowId).toBe(`flow-acme-${id}`);
  await schedules.delete(id);
});

test('housekeeping prunes expired cache rows and old settled reservations, and its schedule is created once', async () => {
  const ns = `housekeeping-${run}`;
  await h.pool.query(
    `INSERT INTO response_cache (tenant_id, namespace, key, value, expires_at) VALUES
       ('acme', $1, 'expired', '{}', now() - interval '1 hour'), ('acme', $1, 'fresh', '{}', now() + interval '1 hour')`,
    [ns],
  );
  const wf = `hk-${run}`;
  await h.pool.query(
    `INSERT INTO budget_reservations (workflow_id, activity_id, attempt, tenant_id, status, reserved_usd, reserved_tokens, counters, updated_at) VALUES
       ($1, 'old-committed', 1, 'acme', 'committed', 0.1, 10, '[]', now() - interval '30 days'),
       ($1, 'old-reserved', 1, 'acme', 'reserved', 0.1, 10, '[]', now() - interval '30 days'),
       ($1, 'new-committed', 1, 'acme', 'committed', 0.1, 10, '[]', now())`,
    [wf],
  );
  const result = (await h.temporal.workflow.execute(HOUSEKEEPING_WORKFLOW, { taskQueue: h.taskQueue, workflowId: `housekeeping-test-${run}`, args: [{ cacheNamespaces: [ns] }] })) as HousekeepingResult;
  expect(result.cacheRows).toBe(1);
  expect(result.reservations).toBeGreaterThanOrEqual(1);
  expect(result.released).toBeGreaterThanOrEqual(1);
  expect(result.skipped).toEqual([]);
  const cache = await h.pool.query<{ key: string }>('SELECT key FROM response_cache WHERE namespace = $1', [ns]);
  expect(cache.rows.map((r) => r.key)).toEqual(['fresh']);
  // Settled and old: gone. A stale hold: released (kept until the retention passes). A recent row: kept.
  const ledger = await h.pool.query<{ activity_id: string; status: string }>('SELECT activity_id, status FROM budget_reservations WHERE workflow_id = $1 ORDER BY activity_id', [wf]);
  expect(ledger.rows).toEqual([
    { activity_id: 'new-committed', status: 'committed' },
    { activity_id: 'old-reserved', status: 'released' },
  ]);

  expect(await schedules.ensureHousekeeping({ every: '1h' })).toBe(true);
  expect(await schedules.ensureHousekeeping({ every: '1h' })).toBe(false);
  expect(await schedules.describe(HOUSEKEEPING_SCHEDULE_ID)).toMatchObject({ kind: 'housekeeping', workflowType: 'housekeeping', timing: 'every 1h' });
  await schedules.delete(HOUSEKEEPING_SCHEDULE_ID);
});
