/**
 * The worker process as production runs it (src/workers/main.ts): its exit code says
 * whether shutdown succeeded, and on start it makes sure its task queue's housekeeping
 * schedule exists.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { housekeepingScheduleId, ScheduleClient } from '../../src/client/schedules';
import { testEnv } from '../support/harness';
import { testDataConverter } from '../support/data-converter';
import { spawnWorker } from '../support/worker-process';

const ROOT = path.resolve(__dirname, '../..');
let connection: Connection;
let client: Client;

beforeAll(async () => {
  connection = await Connection.connect({ address: testEnv().address });
  client = new Client({ connection, dataConverter: testDataConverter() });
});
afterAll(() => connection?.close());

interface Started {
  taskQueue: string;
  stderr(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts main.ts on a task queue of its own, with `env` added and the shutdown fault injector loaded. */
async function startWorker(env: Record<string, string> = {}): Promise<Started> {
  const taskQueue = `worker-process-${randomUUID()}`;
  // Only the housekeeping test leaves a schedule behind on the shared server.
  const w = await spawnWorker(taskQueue, path.join(ROOT, 'test/fixtures/test-agents.ts'), { env: { HOUSEKEEPING_EVERY: 'off', ...env }, preload: ['test/support/fail-shutdown.ts'] });
  return { taskQueue, stderr: w.stderr, stop: (signal = 'SIGTERM') => w.kill(signal) };
}

test('a clean shutdown exits 0', async () => {
  const w = await startWorker();
  expect(await w.stop()).toBe(0);
}, 60_000);

test('a shutdown step that fails gives exit code 1', async () => {
  const w = await startWorker({ FAIL_SHUTDOWN: 'pool' });
  expect(await w.stop()).toBe(1);
  expect(w.stderr()).toMatch(/"shutdown failed".*injected: closing the pool failed/);
}, 60_000);

test("a worker whose run rejects while draining gives exit code 1, after the rest was shut down", async () => {
  const w = await startWorker({ FAIL_SHUTDOWN: 'worker' });
  expect(await w.stop('SIGINT')).toBe(1);
  expect(w.stderr()).toMatch(/"shutdown failed".*worker: injected: the worker failed while draining/);
}, 60_000);

test("a started worker has created its task queue's housekeeping schedule; HOUSEKEEPING_EVERY=off creates none", async () => {
  const schedules = new ScheduleClient(client, 'unused');
  const w = await startWorker({ HOUSEKEEPING_EVERY: '30m' });
  try {
    const id = housekeepingScheduleId(w.taskQueue);
    const d = await schedules.describe(id);
    expect(d).toMatchObject({ kind: 'housekeeping', workflowType: 'housekeeping', timing: 'every 30m', paused: false });
    expect((await client.schedule.getHandle(id).describe()).action).toMatchObject({ taskQueue: w.taskQueue });
    await schedules.delete(id);
  } finally {
    await w.stop();
  }
  const off = await startWorker({ HOUSEKEEPING_EVERY: 'off' });
  try {
    await expect(schedules.describe(housekeepingScheduleId(off.taskQueue))).rejects.toBeInstanceOf(ScheduleNotFoundError);
  } finally {
    await off.stop();
  }
  expect(housekeepingScheduleId('agents')).toBe('durable-agents-housekeeping');
}, 90_000);
