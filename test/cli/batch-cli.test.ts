/**
 * `durable-agents batch` and `schedule` as a user runs them (a separate process running
 * the CLI from the sources) against a real server and a worker: bad input gives one line
 * and a non-zero exit; a batch runs to its summary; a schedule goes through its life.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScriptedProvider } from '../../src/models/scripted';
import { testAgent } from '../fixtures/test-agents';
import { startHarness, type Harness } from '../support/harness';
import { runCli, type CliOutcome } from '../support/cli-process';

let h: Harness;
const model = new ScriptedProvider((req) => {
  const task = req.messages.find((m) => m.role === 'user')?.content ?? '';
  // "slow …" items run a tool for 10 s first, so a batch of them is surely cancelled mid-item, even on a busy machine.
  if (task.startsWith('slow') && !req.messages.some((m) => m.role === 'tool')) return { toolCalls: [{ name: 'record_step', arguments: { label: task, ms: 10_000 } }] };
  return { content: `answered: ${task}` };
});
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-cli-'));

beforeAll(async () => {
  h = await startHarness({ agents: [testAgent('batcher', 'scripted:cli')], providers: [model] });
});
afterAll(() => h?.shutdown());

function cli(args: string[], env: Record<string, string> = {}): Promise<CliOutcome> {
  return runCli(args, { TASK_QUEUE: h.taskQueue, ...env });
}

function expectOneLineError(r: { code: number | null; stderr: string }, code: number, pattern: RegExp): void {
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(r.code).toBe(code);
}

test('bad input: one line, non-zero exit', async () => {
  const bad = path.join(dir, 'bad.jsonl');
  fs.writeFileSync(bad, '"fine"\n{oops\n');
  const noDb = { DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' };
  const cases: Array<[string[], number, RegExp, Record<string, string>?]> = [
    [['batch', 'start'], 2, /^durable-agents: expected: npx durable-agents batch start <agent> INPUTS/],
    [['batch', 'start', 'batcher'], 2, /give exactly one input source/],
    [['batch', 'start', 'batcher', '--item', 'a', '--query', 'SELECT 1'], 2, /give exactly one input source/],
    [['batch', 'start', 'batcher', '--inputs', path.join(dir, 'missing.jsonl')], 2, /--inputs: no such file/],
    [['batch', 'start', 'batcher', '--inputs', bad], 2, /line 2: not valid JSON/],
    [['batch', 'start', 'batcher', '--item', 'a', '--concurrency', '0'], 2, /--concurrency must be an integer from 1 to 1000, not "0"/],
    [['batch', 'start', 'batcher', '--item', 'a', '--max-failure-ratio', 'lots'], 2, /--max-failure-ratio must be a number from 0 to 1/],
    [['batch', 'start', 'batcher', '--item', 'a', '--bogus'], 2, /Unknown option '--bogus'/],
    [['batch', 'start', 'nobody', '--item', 'a'], 2, /unknown agent "nobody" \(known: batcher\)/],
    [['batch', 'start', '--flow', 'no-such-flow', '--item', 'a'], 2, /no flow named "no-such-flow"/],
    [['batch', 'status', 'not a valid id!'], 2, /malformed run id/],
    [['batch', 'status', 'batch-default-does-not-exist'], 1, /no run with id "batch-default-does-not-exist"/],
    [['batch', 'launch'], 2, /unknown batch command "launch"/],
    [['batch', 'start', 'batcher', '--item', 'a'], 1, /cannot reach Postgres/, noDb],
    [['schedule', 'create', 'x'], 2, /needs exactly one of --agent A, --flow F or --housekeeping/],
    [['schedule', 'create', 'x', '--agent', 'batcher', '--item', 'a'], 2, /needs --cron "EXPR" or --every DURATION/],
    [['schedule', 'create', 'x', '--agent', 'batcher', '--item', 'a', '--every', 'soon'], 2, /^durable-agents: --every must be a duration like 30s/],
    [['schedule', 'create', 'x', '--agent', 'batcher', '--item', 'a', '--every', '1h', '--catchup-window', 'later'], 2, /^durable-agents: --catchup-window must be a duration like 30s.*, not "later"/],
    [['schedule', 'create', 'x', '--agent', 'batcher', '--item', 'a', '--every', '1h', '--overlap', 'sometimes'], 2, /unknown overlap policy "sometimes"/],
    [['schedule', 'create', 'bad id!', '--housekeeping', '--every', '1h'], 2, /malformed schedule id "bad id!"/],
    [['schedule', 'create', 'x', '--housekeeping', '--cron', 'not a cron'], 2, /invalid schedule: CronString does not have 5-7 fields/],
    [['schedule', 'create', 'x', '--housekeeping', '--cron', '99 * * * *'], 2, /the server refused the schedule|invalid schedule/],
    [['schedule', 'backfill', 'x', '--start', 'yesterday', '--end', '2025-01-01T00:00:00Z'], 2, /--start must be an ISO time/],
    [['schedule', 'describe', 'no-such-schedule'], 1, /no schedule with id "no-such-schedule"/],
    [['schedule', 'explode'], 2, /unknown schedule command "explode"/],
  ];
  // Four CLI processes at a time: two cores cannot start two dozen Node processes at once
  // within the CLI helper's time limit while other suites run.
  const results: CliOutcome[] = [];
  for (let i = 0; i < cases.length; i += 4) results.push(...(await Promise.all(cases.slice(i, i + 4).map(([args, , , env]) => cli(args, env)))));
  results.forEach((r, i) => {
    const [args, code, pattern] = cases[i]!;
    try {
      expectOneLineError(r, code, pattern);
    } catch (err) {
      throw new Error(`durable-agents ${args.join(' ')}: ${(err as Error).message}\nstderr: ${r.stderr}`);
    }
  });
}, 120_000);

test('batch start follows the progress to the summary; --detach and status', async () => {
  const r = await cli(['batch', 'start', 'batcher', '--item', 'cli one', '--item', 'cli two', '--item', 'cli three', '--concurrency', '2']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/▶ batch batch-default-[0-9a-f-]{36}\s+agent batcher\s+concurrency 2/);
  expect(r.stdout).toMatch(/✓ batch batch-default-\S+ completed: 3 items — 3 succeeded, 0 failed/);

  const file = path.join(dir, 'items.jsonl');
  fs.writeFileSync(file, '"file one"\n{"input": "file two", "key": "K2"}\n');
  const started = await cli(['batch', 'start', 'batcher', '--inputs', file, '--detach']);
  expect(started.code).toBe(0);
  const id = /▶ batch (\S+)/.exec(started.stdout)?.[1];
  expect(id).toBeDefined();
  const status = await cli(['batch', 'status', id!]);
  expect(status.code).toBe(0);
  expect(status.stdout).toContain(`✓ batch ${id} completed: 2 items — 2 succeeded, 0 failed`);

  // An agent run's id given to a batch command, and the other way round: named, with the command that shows it.
  const run = await h.agents.start('batcher', 'not a batch');
  await h.agents.result(run.id);
  expectOneLineError(await cli(['batch', 'status', run.id]), 2, new RegExp(`^durable-agents: ${run.id} is not a batch \\(it is an agent run: use npx durable-agents status ${run.id}\\)\n$`));
  expectOneLineError(await cli(['status', id!]), 2, new RegExp(`^durable-agents: ${id} is not an agent run \\(it is a batch: use npx durable-agents batch status ${id}\\)\n$`));
  expectOneLineError(await cli(['batch', 'cancel', id!]), 2, /has ended \(completed\): nothing to cancel/);
}, 60_000);

test('schedule create, list, pause, trigger, describe, delete', async () => {
  const id = `cli-${Date.now().toString(36)}`;
  const created = await cli(['schedule', 'create', id, '--agent', 'batcher', '--item', 'scheduled from the cli', '--every', '1h', '--overlap', 'buffer-one', '--pause-on-failure']);
  expect(created.stderr).toBe('');
  expect(created.stdout).toMatch(new RegExp(`^${id}  batch \\(batchRun\\)  every 1h  active`));
  expect(created.stdout).toMatch(/overlap BUFFER_ONE .* pause on failure yes/);
  expect((await cli(['schedule', 'pause', id, '--note', 'maintenance'])).stdout).toBe(`paused ${id}\n`);
  expect((await cli(['schedule', 'trigger', id])).code).toBe(0);
  let described = '';
  for (let i = 0; i < 30 && !/ran batch-default-/.test(described); i++) described = (await cli(['schedule', 'describe', id])).stdout;
  expect(described).toMatch(/PAUSED {2}— maintenance/);
  expect(described).toMatch(new RegExp(`ran batch-default-${id}-`));
  const list = await cli(['schedule', 'list']);
  expect(list.code).toBe(0);
  expect((await cli(['schedule', 'delete', id])).stdout).toBe(`deleted ${id}\n`);
  expectOneLineError(await cli(['schedule', 'describe', id]), 1, /no schedule with id/);
}, 90_000);

test('batch status on a cancelled batch summarises what was done, cancelled and never started', async () => {
  const started = await cli(['batch', 'start', 'batcher', ...['one', 'two', 'three', 'four'].flatMap((n) => ['--item', `slow ${n}`]), '--concurrency', '1', '--detach']);
  expect(started.code).toBe(0);
  const id = /▶ batch (\S+)/.exec(started.stdout)![1]!;
  for (let i = 0; i < 100 && (await h.temporal.workflow.getHandle(`${id}-item-0`).describe().catch(() => undefined)) === undefined; i++) await new Promise((r) => setTimeout(r, 100));
  expect((await cli(['batch', 'cancel', id])).code).toBe(0);
  const status = await cli(['batch', 'status', id]);
  expect(status.stderr).toBe('');
  expect(status.code).toBe(0);
  expect(status.stdout).toContain(`⊘ batch ${id} cancelled: 4 items — 0 succeeded, 0 failed, 1 cancelled, 3 not started`);
}, 60_000);

test("schedule describe shows the next times on the schedule's own clock, labelled with its zone", async () => {
  const id = `cli-tz-${Date.now().toString(36)}`;
  const created = await cli(['schedule', 'create', id, '--housekeeping', '--cron', '30 3 * * *', '--timezone', 'Asia/Tokyo', '--paused']);
  expect(created.stderr).toBe('');
  const at = '\\d{4}-\\d\\d-\\d\\d 03:30:00 \\+09:00';
  expect(created.stdout).toMatch(new RegExp(`^  next \\(Asia/Tokyo\\): ${at}, ${at}, ${at}$`, 'm'));
  expect((await cli(['schedule', 'describe', id])).stdout).toMatch(new RegExp(`^  next \\(Asia/Tokyo\\): ${at}, `, 'm'));
  // Without a zone: UTC, named as such.
  const utc = `${id}-utc`;
  expect((await cli(['schedule', 'create', utc, '--housekeeping', '--cron', '30 3 * * *', '--paused'])).stdout).toMatch(/^ {2}next \(UTC\): \d{4}-\d\d-\d\d 03:30:00 \+00:00, /m);
  for (const s of [id, utc]) expect((await cli(['schedule', 'delete', s])).code).toBe(0);
}, 60_000);
