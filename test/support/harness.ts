/**
 * A worker on its own task queue against the shared test server and Postgres, with the
 * model providers a test chooses, plus a client SDK bound to that queue.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker, type WorkerOptions } from '@temporalio/worker';
import type pg from 'pg';
import type { AgentDefinition } from '../../src/agents/define-agent';
import { AgentRegistry } from '../../src/agents/registry';
import { BatchQueryReader } from '../../src/batch/query';
import { AgentClient } from '../../src/client/agent-client';
import { createLogger } from '../../src/infra/logger';
import { createPool } from '../../src/infra/postgres';
import { createModelProviders } from '../../src/models/registry';
import { createPolicies, DEFAULT_POLICY_FILE, policyConfigFrom } from '../../src/policies';
import type { ModelProvider } from '../../src/models/types';
import { createAgentWorker } from '../../src/workers/agent-worker';
import { dataConverter } from '../../src/encryption/data-converter';
import type { Keyring } from '../../src/encryption/keyring';
import { testDataConverter } from './data-converter';
import { decide, testKeys, type Decide } from './decisions';

export interface Harness {
  taskQueue: string;
  agents: AgentClient;
  temporal: Client;
  /** The worker's own pool: logged in as the workers' role. */
  pool: pg.Pool;
  /** The tables' owner (a superuser on the embedded server): for a test's DDL and tampering. */
  admin: pg.Pool;
  worker: Worker;
  /** Signed approvals, rejections and escalation answers, as the service would send them (see decisions.ts). */
  decide: Decide;
  shutdown(): Promise<void>;
}

export interface HarnessOptions {
  agents: AgentDefinition[];
  providers?: ModelProvider[];
  openai?: { apiKey?: string; baseURL?: string };
  anthropic?: { apiKey?: string; baseURL?: string };
  maxCachedWorkflows?: number;
  /** Worker tuning for throughput tests (defaults: the worker factory's). */
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentActivityTaskExecutions?: number;
  /** The worker's and the client's keyring (default: the test run's, testKeyring()); `null`: encryption off. */
  keyring?: Keyring | null;
  /** SDK log level; 'ERROR' silences the warning each intentionally failing run logs. */
  sdkLogLevel?: 'WARN' | 'ERROR';
  taskQueue?: string;
  interceptors?: WorkerOptions['interceptors'];
  /** Policy file contents (as POLICY_CONFIG would hold); default: the built-in policies. */
  policies?: unknown;
  /** The worker's Postgres (e.g. one a test stops and starts); default: the shared test database. */
  databaseUrl?: string;
  /** Public keys the worker accepts decision tokens from; default: the test signer's. */
  decisionKeys?: HarnessDecisionKeys;
}

type HarnessDecisionKeys = NonNullable<Parameters<typeof createAgentWorker>[0]['deps']['decisionKeys']>;

export function testEnv(): { address: string; databaseUrl: string; adminDatabaseUrl: string; bundle: string } {
  const address = process.env.TEST_TEMPORAL_ADDRESS;
  const databaseUrl = process.env.TEST_DATABASE_URL;
  const adminDatabaseUrl = process.env.TEST_ADMIN_DATABASE_URL;
  const bundle = process.env.TEST_WORKFLOW_BUNDLE;
  if (!address || !databaseUrl || !adminDatabaseUrl || !bundle) throw new Error('test environment missing: run through jest (global-setup.ts)');
  return { address, databaseUrl, adminDatabaseUrl, bundle };
}

function quietRuntime(level: 'WARN' | 'ERROR' = 'WARN'): void {
  try {
    Runtime.install({ logger: new DefaultLogger(level) });
  } catch {
    // Already installed by an earlier harness in this process.
  }
}

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  quietRuntime(opts.sdkLogLevel);
  const env = testEnv();
  const taskQueue = opts.taskQueue ?? `test-${randomUUID()}`;
  // Connections that lose their server (a test stopping Postgres) must not end the test process.
  const pool = createPool({ connectionString: opts.databaseUrl ?? env.databaseUrl, max: 10 });
  const admin = createPool({ connectionString: env.adminDatabaseUrl, max: 2 });
  const log = createLogger({ component: 'test-worker' }, 'error');
  const registry = new AgentRegistry(opts.agents);
  const providers = createModelProviders({ openai: opts.openai, anthropic: opts.anthropic, playbooks: registry.playbooks(), extra: opts.providers ?? [] });
  const converter = opts.keyring === undefined ? testDataConverter() : dataConverter('default', opts.keyring ?? undefined);
  const nativeConnection = await NativeConnection.connect({ address: env.address });
  // Batch queries run as the restricted role global-setup.ts created, as on a real worker.
  const batchQueries = process.env.TEST_BATCH_QUERY_DATABASE_URL ? new BatchQueryReader(process.env.TEST_BATCH_QUERY_DATABASE_URL) : undefined;
  const worker = await createAgentWorker({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    deps: {
      db: pool,
      providers,
      agents: registry,
      log,
      policies: createPolicies(policyConfigFrom(opts.policies ?? DEFAULT_POLICY_FILE, 'test policies'), { pool, providers }),
      ...(batchQueries ? { batchQueries } : {}),
      decisionKeys: opts.decisionKeys ?? [testKeys.publicKey],
    },
    workflowBundlePath: env.bundle,
    dataConverter: converter,
    maxCachedWorkflows: opts.maxCachedWorkflows,
    maxConcurrentWorkflowTaskExecutions: opts.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions,
    interceptors: opts.interceptors,
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: env.address });
  const temporal = new Client({ connection, namespace: 'default', dataConverter: converter });
  return {
    taskQueue,
    agents: new AgentClient(temporal, taskQueue),
    temporal,
    pool,
    admin,
    worker,
    decide: decide(temporal, taskQueue),
    async shutdown() {
      worker.shutdown();
      await running;
      await nativeConnection.close();
      await connection.close();
      await batchQueries?.close();
      await pool.end();
      await admin.end();
    },
  };
}
