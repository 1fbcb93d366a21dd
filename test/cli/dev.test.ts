/**
 * `durable-agents dev` as a user runs it (the built bin, a process of its own, on free
 * ports and its own data directory), and a second `dev` or `demo` beside it: refused in
 * one line naming what is in use, before it starts anything.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/infra/postgres';
import { portClosed } from '../support/http';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/cli/cli.js');

interface Ports {
  TEMPORAL_PORT: string;
  TEMPORAL_UI_PORT: string;
  EMBEDDED_POSTGRES_PORT: string;
  /** The service dev runs beside the stack. */
  DURABLE_AGENTS_PORT: string;
}

function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dev-cli-'));
  // Embedded Postgres runs as its own system user when we are root: it must reach the dir.
  fs.chmodSync(dir, 0o755);
  return dir;
}

async function freePorts(): Promise<Ports> {
  return { TEMPORAL_PORT: String(await freePort()), TEMPORAL_UI_PORT: String(await freePort()), EMBEDDED_POSTGRES_PORT: String(await freePort()), DURABLE_AGENTS_PORT: String(await freePort()) };
}

function start(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => { stdout: string; stderr: string }; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, output: () => ({ stdout, stderr }), exited };
}

async function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const r = start(args, env);
  const code = await r.exited;
  return { code, stderr: r.output().stderr };
}

let first: ReturnType<typeof start>;
let env: Record<string, string>;
let ports: Ports;

beforeAll(async () => {
  ports = await freePorts();
  env = { DURABLE_AGENTS_DATA_DIR: dataDir(), ...ports };
  first = start(['dev'], env);
  for (let waited = 0; !first.output().stdout.includes('Ready.'); waited += 200) {
    if (waited > 150_000 || first.child.exitCode !== null) throw new Error(`dev did not start:\n${first.output().stdout}\n${first.output().stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 180_000);

afterAll(async () => {
  if (first?.child.exitCode === null) first.child.kill('SIGINT');
  await first?.exited;
  fs.rmSync(env.DURABLE_AGENTS_DATA_DIR!, { recursive: true, force: true });
}, 60_000);

test('a second dev or demo on the same data directory names the running one', async () => {
  const dir = env.DURABLE_AGENTS_DATA_DIR!;
  const expected = `durable-agents: data directory ${dir} is in use by durable-agents (pid ${first.child.pid}, ports ${ports.TEMPORAL_PORT}, ${ports.TEMPORAL_UI_PORT}, ${ports.DURABLE_AGENTS_PORT}, ${ports.EMBEDDED_POSTGRES_PORT}): stop it, or set DURABLE_AGENTS_DATA_DIR to another directory\n`;
  for (const command of ['dev', 'demo']) {
    // Other ports too: the data directory alone is what is shared.
    expect(await run([command], { ...env, ...(await freePorts()) })).toEqual({ code: 1, stderr: expected });
    expect(await run([command], { ...env, DEBUG: '1' })).toMatchObject({ code: 1, stderr: expect.stringMatching(new RegExp(`^${expected.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)) });
  }
});

test('a port in use is named with its variable, and nothing starts on the other data directory', async () => {
  for (const variable of ['TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'EMBEDDED_POSTGRES_PORT', 'DURABLE_AGENTS_PORT'] as const) {
    const other = dataDir();
    const r = await run(['dev'], { DURABLE_AGENTS_DATA_DIR: other, ...(await freePorts()), [variable]: ports[variable] });
    expect(r).toEqual({ code: 1, stderr: `durable-agents: port ${ports[variable]} (${variable}) is in use by another process: stop it, or set ${variable} to a free port\n` });
    expect(fs.readdirSync(other)).toEqual([]);
    fs.rmSync(other, { recursive: true, force: true });
  }
});

test('SIGINT to dev alone (a supervisor, kill) stops everything it started: exit 0, every port closed', async () => {
  // embedded-postgres's own signal hook used to exit the process first (code 130), leaving the Temporal dev server running.
  first.child.kill('SIGINT');
  expect(await first.exited).toBe(0);
  for (const variable of ['TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'EMBEDDED_POSTGRES_PORT', 'DURABLE_AGENTS_PORT'] as const) expect([variable, await portClosed(Number(ports[variable]))]).toEqual([variable, true]);
}, 60_000);
