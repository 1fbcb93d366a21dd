/** Starts src/workers/main.ts as a separate OS process, as production would run it. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type pg from 'pg';
import { createPool } from '../../src/infra/postgres';
import { testEnv } from './harness';
import { testDataConverter } from './data-converter';

const ROOT = path.resolve(__dirname, '../..');

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  stderr(): string;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
  /** Sends `signal` (unless the process has ended) and resolves with the exit code. */
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export interface SpawnOptions {
  /** Added to the worker's environment. */
  env?: Record<string, string>;
  /** Modules loaded (`node -r`) before the worker, e.g. a fault injector. */
  preload?: string[];
}

/** Starts main.ts on `taskQueue` with the agents of `agentsModule`, and waits for "worker started". */
export async function spawnWorker(taskQueue: string, agentsModule: string, opts: SpawnOptions = {}): Promise<WorkerProcess> {
  const env = testEnv();
  const preload = ['test/support/register-ts.js', ...(opts.preload ?? [])].flatMap((m) => ['-r', path.resolve(ROOT, m)]);
  const child = spawn(process.execPath, [...preload, path.join(ROOT, 'src/workers/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: env.address,
      DATABASE_URL: env.databaseUrl,
      TASK_QUEUE: taskQueue,
      AGENTS_MODULE: agentsModule,
      WORKFLOW_BUNDLE_PATH: env.bundle,
      LOG_LEVEL: 'warn',
      ...opts.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start in 30s:\n${err}`)), 30_000);
    child.stderr!.on('data', () => {
      if (err.includes('"worker started"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code} before starting:\n${err}`));
    });
  });
  return {
    child,
    pid: child.pid!,
    stderr: () => err,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * For a suite that runs workers as separate processes: a client connection and a Postgres
 * pool opened before its tests, and every worker it spawned stopped after them.
 */
export function workerProcessSuite(agentsModule: string) {
  let connection: Connection | undefined;
  let pool: pg.Pool | undefined;
  const workers: WorkerProcess[] = [];
  beforeAll(async () => {
    connection = await Connection.connect({ address: testEnv().address });
    pool = createPool({ connectionString: testEnv().databaseUrl });
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    await connection?.close();
    await pool?.end();
  });
  return {
    client: (): Client => new Client({ connection: connection!, dataConverter: testDataConverter() }),
    pool: (): pg.Pool => pool!,
    async spawn(taskQueue: string): Promise<WorkerProcess> {
      const worker = await spawnWorker(taskQueue, agentsModule);
      workers.push(worker);
      return worker;
    },
  };
}
