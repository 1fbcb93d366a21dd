/**
 * Builds the agents worker: activities with their dependencies, the prebundled workflow
 * code, and tuning from configuration.
 */
import path from 'node:path';
import { type DataConverter, SearchAttributeType } from '@temporalio/common';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import type { AgentRegistry } from '../agents/registry';
import { agentCatalogId, AGENT_CATALOG_WORKFLOW, publishCatalogSignal } from '../workflows/agent/definitions';
import { ConfigError } from '../infra/config';
import { PROJECT_ROOT } from '../infra/paths';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/search-attributes';

export interface AgentWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Path to a prebundled workflow file (see bundle.ts). */
  workflowBundlePath: string;
  /** From trust/data-converter.ts: the converters bundled into the workflow code, and the codec. */
  dataConverter: DataConverter;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxCachedWorkflows?: number;
  /** Activity and workflow interceptors, e.g. tracing or metrics exporters. */
  interceptors?: WorkerOptions['interceptors'];
}

/** Default location of the bundle written by `npm run build`. */
export function defaultWorkflowBundlePath(): string {
  return path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');
}

/** Creates the worker and publishes its agents to the task queue's catalog. */
export async function createAgentWorker(o: AgentWorkerOptions): Promise<Worker> {
  await assertSearchAttributes(o.connection, o.namespace);
  const worker = await Worker.create(agentWorkerOptions(o));
  await publishCatalog(worker, o.taskQueue, o.deps.agents);
  return worker;
}

/**
 * Refuses to start on a namespace that lacks a search attribute the workflows set: every
 * new run's workflow tasks would fail until someone registered it, and runs in flight
 * would stop at their next upsert. Temporal Cloud does not serve this API (its attributes
 * are set up with its own tools), so a refused call is no verdict.
 */
async function assertSearchAttributes(connection: NativeConnection, namespace: string): Promise<void> {
  let registered: Record<string, unknown>;
  try {
    registered = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
  } catch {
    return;
  }
  const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !(k.name in registered));
  if (!missing.length) return;
  const create = missing.map((k) => `--name ${k.name} --type ${k.type === SearchAttributeType.DOUBLE ? 'Double' : 'Keyword'}`).join(' ');
  throw new ConfigError(`namespace "${namespace}" lacks the search attributes ${missing.map((k) => k.name).join(', ')}; register them once: temporal operator search-attribute create --namespace ${namespace} ${create}`);
}

/**
 * Tells the task queue's `agentCatalog` workflow which agents this worker serves,
 * starting the workflow if it is not running. Done once at start-up: clients then learn
 * the agents with a query instead of a workflow per command.
 */
async function publishCatalog(worker: Worker, taskQueue: string, agents: AgentRegistry): Promise<void> {
  await worker.client!.workflow.signalWithStart(AGENT_CATALOG_WORKFLOW, {
    taskQueue,
    workflowId: agentCatalogId(taskQueue),
    args: [{}],
    signal: publishCatalogSignal,
    signalArgs: [{ agents: agents.summaries(), worker: worker.options.identity, publishedAt: new Date().toISOString() }],
  });
}

/** The Worker.create options of an agents worker: defaults, tuning and interceptors. */
export function agentWorkerOptions(o: AgentWorkerOptions): WorkerOptions {
  return {
    connection: o.connection,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    workflowBundle: { codePath: o.workflowBundlePath },
    dataConverter: o.dataConverter,
    activities: createActivities(o.deps),
    maxConcurrentActivityTaskExecutions: o.maxConcurrentActivityTaskExecutions ?? 100,
    maxConcurrentLocalActivityExecutions: o.maxConcurrentActivityTaskExecutions ?? 100,
    maxConcurrentWorkflowTaskExecutions: o.maxConcurrentWorkflowTaskExecutions ?? 40,
    maxCachedWorkflows: o.maxCachedWorkflows ?? 1000,
    shutdownGraceTime: '10s',
    ...(o.interceptors ? { interceptors: o.interceptors } : {}),
  };
}
