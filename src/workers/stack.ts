/**
 * The whole service in one process: Temporal (the embedded dev server unless
 * TEMPORAL_ADDRESS is set), Postgres (embedded unless DATABASE_URL is set) and, when
 * asked, the agents worker, which makes sure its housekeeping schedule exists. Used by
 * `durable-agents dev`, `demo` and `worker`.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { DefaultLogger, type LogEntry, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import type { AgentDefinition } from '../agents/define-agent';
import { AgentRegistry } from '../agents/registry';
import { BatchQueryReader, NO_BATCH_QUERY_DATABASE } from '../batch/query';
import { housekeepingScheduleId, ScheduleClient } from '../client/schedules';
import type { Config } from '../infra/config';
import { temporalConnectionOptions } from '../infra/connection';
import { assertPortsFree, lockDataDir, type NamedPort } from '../infra/data-dir-lock';
import type { Logger } from '../infra/logger';
import { openDatabase, type Database } from '../infra/postgres';
import { startDevServer, type DevServer } from '../infra/temporal-dev';
import { seedExampleTickets } from '../examples/support/tickets';
import { createModelProviders, providerOptionsFrom } from '../models/registry';
import { createPolicies, loadPolicyConfig } from '../policies';
import { devUiCodecEndpoint } from '../encryption/codec-endpoint';
import { dataConverter, keyringFromConfig } from '../encryption/data-converter';
import type { Keyring } from '../encryption/keyring';
import { verificationKeysFrom } from '../trust/signing-keys';
import { createAgentWorker, defaultWorkflowBundlePath } from './agent-worker';

export interface Stack {
  address: string;
  namespace: string;
  /** Web UI base URL when this process runs the dev server. */
  uiUrl?: string;
  db: Database;
  agents: AgentRegistry;
  /** Payload encryption keys (undefined: encryption off), for the codec server. */
  keyring?: Keyring;
  /** What every client of this stack's namespace uses (trust/data-converter.ts). */
  dataConverter: DataConverter;
  worker?: Worker;
  /** Resolves when the worker stops. */
  workerDone?: Promise<void>;
  /** Stops everything; rejects (after every step ran) when any step failed, the worker's run included. */
  shutdown(): Promise<void>;
}

/** A shutdown in which some steps failed; `failures` says which and why. */
export class ShutdownError extends Error {
  override readonly name = 'ShutdownError';
  constructor(readonly failures: Array<{ step: string; error: Error }>) {
    super(`shutdown failed: ${failures.map((f) => `${f.step}: ${f.error.message}`).join('; ')}`);
  }
}

/**
 * Runs every step even if an earlier one failed (a dev server must never be orphaned),
 * logs each failure, and rejects with all of them at the end.
 */
export async function runShutdownSteps(steps: Array<[string, () => Promise<unknown> | unknown]>, log: Logger): Promise<void> {
  const failures: Array<{ step: string; error: Error }> = [];
  for (const [step, run] of steps) {
    try {
      await run();
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      log.warn('shutdown step failed', { step, error: error.message });
      failures.push({ step, error });
    }
  }
  if (failures.length) throw new ShutdownError(failures);
}

/**
 * Creates this task queue's housekeeping schedule unless it exists, so holds of crashed
 * attempts are released and expired rows pruned without anyone remembering to schedule
 * it. A failure is logged, not fatal: the worker still serves its runs.
 */
async function ensureHousekeeping(config: Config, client: Client, log: Logger): Promise<void> {
  if (config.HOUSEKEEPING_EVERY === 'off') return;
  const id = housekeepingScheduleId(config.TASK_QUEUE);
  try {
    const schedules = new ScheduleClient(client, config.TASK_QUEUE);
    if (await schedules.ensureHousekeeping({ every: config.HOUSEKEEPING_EVERY }, {}, id)) log.info('housekeeping schedule created', { schedule: id, every: config.HOUSEKEEPING_EVERY });
  } catch (err) {
    log.error('cannot create the housekeeping schedule; stale budget holds are not released until it exists', { schedule: id, error: (err as Error).message });
  }
}

export interface StackOptions {
  config: Config;
  log: Logger;
  agents: AgentDefinition[];
  withWorker: boolean;
  /** The caller runs the service (service/start.ts) beside the stack: its port is claimed with the others, and the Web UI decodes through it. */
  withService?: boolean;
}

/**
 * The SDK's own log lines (worker state, failed activities and workflows, the Rust core's
 * warnings) through `log`, as one JSON line each: an activity that fails by design, such
 * as a tool reporting an outage, is a warning with its message rather than a multi-line
 * stack trace. The level follows LOG_LEVEL (default warn); LOG_LEVEL=debug adds the stacks.
 */
function routeSdkLogs(log: Logger, logLevel: Config['LOG_LEVEL']): void {
  const debug = logLevel === 'debug';
  const level = debug ? 'DEBUG' : logLevel === 'info' ? 'INFO' : 'WARN';
  const sdk = log.child({ source: 'temporal-sdk' });
  const write = ({ level: at, message, meta }: LogEntry): void => {
    const { error, ...fields } = meta ?? {};
    const err = error instanceof Error ? { error: error.message, ...(debug ? { stack: error.stack } : {}) } : {};
    const method = at === 'ERROR' ? 'error' : at === 'WARN' ? 'warn' : at === 'INFO' ? 'info' : 'debug';
    sdk[method](message, { ...fields, ...err });
  };
  try {
    // The Rust core's own lines (e.g. a completion for an activity that timed out) are
    // forwarded to the same logger instead of printed in their own format.
    Runtime.install({ logger: new DefaultLogger(level, write), telemetryOptions: { logging: { filter: { core: level, other: 'ERROR' }, forward: {} } } });
  } catch {
    // Already installed (e.g. by an embedding application): keep its logger.
  }
}

/** The ports of the embedded servers this configuration starts (none with TEMPORAL_ADDRESS and DATABASE_URL). */
function embeddedPorts(config: Config, withService: boolean): NamedPort[] {
  return [
    ...(config.TEMPORAL_ADDRESS ? [] : [{ port: config.TEMPORAL_PORT, variable: 'TEMPORAL_PORT' }, { port: config.TEMPORAL_UI_PORT, variable: 'TEMPORAL_UI_PORT' }]),
    ...(withService ? [{ port: config.DURABLE_AGENTS_PORT, variable: 'DURABLE_AGENTS_PORT' }] : []),
    ...(config.DATABASE_URL ? [] : [{ port: config.EMBEDDED_POSTGRES_PORT, variable: 'EMBEDDED_POSTGRES_PORT' }]),
  ];
}

/**
 * Takes the data directory for the embedded servers and checks their ports, before any
 * starts; returns the lock's release (nothing to release when nothing embedded runs).
 */
async function claimEmbedded(config: Config, withService: boolean): Promise<() => void> {
  const ports = embeddedPorts(config, withService);
  if (!ports.length) return () => undefined;
  const release = lockDataDir(config.DURABLE_AGENTS_DATA_DIR, ports);
  try {
    await assertPortsFree(ports);
  } catch (err) {
    release();
    throw err;
  }
  return release;
}

export async function startStack({ config, log, agents: defs, withWorker, withService = false }: StackOptions): Promise<Stack> {
  // Validate agents before starting servers: a broken definition should fail fast.
  const agents = new AgentRegistry(defs, { modelOverride: config.DURABLE_AGENTS_MODEL });
  const providers = withWorker ? createModelProviders({ ...providerOptionsFrom(config), playbooks: agents.playbooks() }) : undefined;
  const policyConfig = providers ? loadPolicyConfig(config.POLICY_CONFIG, providers.names()) : undefined;
  routeSdkLogs(log, config.LOG_LEVEL);
  const release = await claimEmbedded(config, withService);
  let dev: DevServer | undefined;
  let db: Database | undefined;
  let connection: NativeConnection | undefined;
  let batchQueries: BatchQueryReader | undefined;
  try {
    // After the data directory is ours: the embedded default's keyring is created in it.
    const keyring = keyringFromConfig(config);
    const converter = dataConverter(config.TEMPORAL_NAMESPACE, keyring);
    if (!config.TEMPORAL_ADDRESS) {
      dev = await startDevServer({
        // The Web UI decodes payloads through the codec server of the service the caller runs beside the stack.
        uiCodecEndpoint: keyring && withService ? devUiCodecEndpoint(config) : undefined,
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        dbFilename: path.join(config.DURABLE_AGENTS_DATA_DIR, 'temporal.sqlite'),
        namespace: config.TEMPORAL_NAMESPACE,
        cli: config,
        log,
      });
    }
    db = await openDatabase({
      url: config.DATABASE_URL,
      migrationUrl: config.MIGRATION_DATABASE_URL,
      batchQueryUrl: config.BATCH_QUERY_DATABASE_URL,
      dataDir: config.DURABLE_AGENTS_DATA_DIR,
      port: config.EMBEDDED_POSTGRES_PORT,
      log,
      // The README's query batches read the example tickets; only the embedded default has them.
      seedEmbedded: seedExampleTickets,
    });
    const address = dev?.address ?? config.TEMPORAL_ADDRESS!;
    let worker: Worker | undefined;
    let workerDone: Promise<void> | undefined;
    if (providers && policyConfig) {
      if (db.batchQueryUrl) batchQueries = new BatchQueryReader(db.batchQueryUrl);
      else log.warn(NO_BATCH_QUERY_DATABASE);
      const decisionKeys = verificationKeysFrom(config);
      if (!decisionKeys.length) log.warn('no decision keys: every approval, rejection and escalation answer is refused until DURABLE_AGENTS_DECISION_KEYS holds the service\'s public key');
      connection = await NativeConnection.connect(temporalConnectionOptions(config, address));
      worker = await createAgentWorker({
        connection,
        namespace: config.TEMPORAL_NAMESPACE,
        taskQueue: config.TASK_QUEUE,
        deps: {
          db: db.pool,
          providers,
          agents,
          log,
          policies: createPolicies(policyConfig, { pool: db.pool, providers }),
          batchQueries,
          decisionKeys,
          ...(config.AUDIT_RETENTION_DAYS === 'off' ? {} : { auditRetention: { keepDays: config.AUDIT_RETENTION_DAYS, archiveDir: config.AUDIT_ARCHIVE_DIR } }),
        },
        workflowBundlePath: config.WORKFLOW_BUNDLE_PATH ?? defaultWorkflowBundlePath(),
        dataConverter: converter,
        maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
        maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
        maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      });
      workerDone = worker.run();
      // The worker's own client, on the worker's connection: no second connection at start-up.
      await ensureHousekeeping(config, worker.client!, log);
    }
    const started = { dev, db, connection, batchQueries };
    return {
      address,
      namespace: config.TEMPORAL_NAMESPACE,
      uiUrl: dev?.uiUrl,
      db,
      agents,
      keyring,
      dataConverter: converter,
      worker,
      workerDone,
      async shutdown() {
        started.db.stopping();
        if (worker && worker.getState() === 'RUNNING') worker.shutdown();
        // A pending native call (closing the connection, stopping the dev server) does not
        // keep Node's event loop alive: once the worker and Postgres are gone, the process
        // could exit mid-shutdown and leave the dev server running. This timer holds it.
        const keepAlive = setInterval(() => undefined, 1000);
        try {
          await runShutdownSteps(
            [
              ['worker', () => workerDone],
              ['temporal connection', () => started.connection?.close()],
              ['batch query pool', () => started.batchQueries?.close()],
              ['postgres', () => started.db.shutdown()],
              ['dev server', () => started.dev?.shutdown()],
              ['data directory lock', release],
            ],
            log,
          );
        } finally {
          clearInterval(keepAlive);
        }
      },
    };
  } catch (err) {
    await connection?.close().catch(() => undefined);
    await batchQueries?.close().catch(() => undefined);
    await db?.shutdown().catch(() => undefined);
    await dev?.shutdown().catch(() => undefined);
    release();
    throw err;
  }
}
