/**
 * Client SDK for batches: start one agent (or flow) over many inputs, watch its progress,
 * wait for its summary. Inline lists and JSONL files are read here and put in a
 * {@link BatchInputStore} before the start, so workflow history never holds the items and
 * the worker never opens a file a client names; queries are run by the batch itself.
 */
import { randomUUID } from 'node:crypto';
import { CancelledFailure, WorkflowFailedError, WorkflowIdReusePolicy, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { z } from 'zod';
import { chunksOf, readJsonlFile } from '../batch/inputs';
import { loadConfig, type Config } from '../infra/config';
import type { FlowSpec } from '../shared/flow-types';
import {
  BATCH_DEFAULTS,
  type BatchInputItem,
  type BatchInputStore,
  type BatchProgress,
  type BatchSource,
  type BatchSpec,
  type BatchStatus,
  type BatchSummary,
  type BatchTarget,
} from '../shared/batch-types';
import { BATCH_RUN_WORKFLOW, progressQuery, summaryQuery } from '../workflows/batch/definitions';
import { AgentNameKey, AgentStatusKey, TenantIdKey } from '../shared/search-attributes';
import { connectClient } from './connect';
import { assertRunId, assertTenantId, InvalidInputError } from './ids';
import { listWorkflows, type WorkflowSummary } from './visibility';

/** Where a batch's items come from, as a caller gives them. */
export type BatchInputs =
  /** A list in memory; put in the client's input store before the batch starts. */
  | { items: ReadonlyArray<string | BatchInputItem> }
  /** A JSONL file on this machine; read here and put in the client's input store before the batch starts. */
  | { jsonl: string }
  /** A read-only SELECT the worker runs at run time under its batch-query role; column `input` (else the first) is the item. */
  | { query: string };

const BatchInputsSchema = z.union([
  z.strictObject({ items: z.array(z.union([z.string(), z.object({ input: z.string(), key: z.string().optional() })])) }),
  z.strictObject({ jsonl: z.string().trim().min(1, 'the JSONL path is empty') }),
  z.strictObject({ query: z.string().trim().min(1, 'the batch query is empty') }),
]);

/** Checks inputs as given at run time (JavaScript callers have no types): exactly one of `items`, `jsonl`, `query`, nothing else. */
export function parseBatchInputs(inputs: unknown): BatchInputs {
  const parsed = BatchInputsSchema.safeParse(inputs);
  if (parsed.success) return parsed.data;
  // A union's issues say little; name the keys that were given instead.
  const keys = inputs && typeof inputs === 'object' ? Object.keys(inputs).join(', ') || 'none' : typeof inputs;
  const inner = parsed.error.issues.flatMap((i) => ('errors' in i && Array.isArray(i.errors) ? (i.errors as Array<Array<{ code: string; message: string }>>).flat() : [i]));
  const explained = inner.find((i) => i.code === 'too_small')?.message;
  throw new InvalidInputError(explained ?? `batch inputs must be exactly one of { items }, { jsonl } or { query } (given: ${keys})`);
}

/** What each item runs: an agent by name, or a flow by its validated spec (see `loadFlowSpec`). */
export type BatchTargetInput = { agent: string; maxSteps?: number } | { flow: FlowSpec };

/** Options of {@link BatchClient.startBatch}. */
export interface StartBatchOptions {
  tenantId?: string;
  /** Batch id (the workflow id); default `batch-<tenant>-<uuid>`. */
  id?: string;
  /** Child runs in flight at once (default 10, at most 1,000). */
  concurrency?: number;
  /** Items read per page (default 100). */
  pageSize?: number;
  /** Items per workflow run before continue-as-new (default 200). */
  continueAsNewEvery?: number;
  /** Fail the batch when more than this share of items failed (0–1). */
  maxFailureRatio?: number;
}

export interface BatchRunSummary extends WorkflowSummary {
  /** The agent its items run (unset for a batch of flows). */
  agent?: string;
}

export interface BatchListFilter {
  agent?: string;
  tenantId?: string;
  status?: BatchStatus;
  /** At most this many (default 20). */
  limit?: number;
}

export function newBatchId(tenantId: string): string {
  return `batch-${tenantId}-${randomUUID()}`;
}

function positive(name: string, v: number | undefined, max: number): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > max)) throw new InvalidInputError(`${name} must be an integer from 1 to ${max}, not ${v}`);
}

/** Checks a target and options; returns the target as the workflow takes it. */
export function checkBatchSpec(target: BatchTargetInput, opts: StartBatchOptions): BatchTarget {
  positive('concurrency', opts.concurrency, BATCH_DEFAULTS.maxConcurrency);
  positive('pageSize', opts.pageSize, BATCH_DEFAULTS.maxPageSize);
  positive('continueAsNewEvery', opts.continueAsNewEvery, BATCH_DEFAULTS.maxContinueAsNewEvery);
  const r = opts.maxFailureRatio;
  if (r !== undefined && !(r >= 0 && r <= 1)) throw new InvalidInputError(`maxFailureRatio must be between 0 and 1, not ${r}`);
  if ('flow' in target) return { kind: 'flow', spec: target.flow };
  if (!target.agent.trim()) throw new InvalidInputError('agent name is empty');
  positive('maxSteps', target.maxSteps, 10_000);
  return { kind: 'agent', agent: target.agent, maxSteps: target.maxSteps };
}

/** The source for inputs the batch reads itself (a query); undefined for inputs a client must store. */
export function directSource(inputs: BatchInputs): BatchSource | undefined {
  const checked = parseBatchInputs(inputs);
  if ('query' in checked) return { kind: 'query', sql: checked.query };
  return undefined;
}

export class BatchClient {
  private ownsConnection = false;

  /** `inputs` keeps inline lists and files until the batch snapshots them; without one, only query batches can start. */
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
    readonly inputs?: BatchInputStore,
  ) {}

  /** Connects with the environment's settings; the store (the caller's to close) is needed for inline items and files. */
  static async connect(config: Config = loadConfig(), inputs?: BatchInputStore): Promise<BatchClient> {
    const client = new BatchClient(await connectClient(config), config.TASK_QUEUE, inputs);
    client.ownsConnection = true;
    return client;
  }

  /** The input store; throws when the client was built without one. */
  inputStore(): BatchInputStore {
    if (!this.inputs) throw new InvalidInputError('inline items and JSONL files need an input store: build the client with one (e.g. PostgresInputStore on DATABASE_URL), or give the batch a query');
    return this.inputs;
  }

  /** Closes the connection if `connect` made it (the input store is its owner's to close). */
  async close(): Promise<void> {
    if (this.ownsConnection) await this.client.connection.close();
  }

  /**
   * Turns inputs into the source the workflow reads. Lists and client-side files are
   * stored under `setId`; `consume` makes the batch delete the set once it has its snapshot.
   */
  async prepareSource(inputs: BatchInputs, setId: string, consume: boolean): Promise<BatchSource> {
    const checked = parseBatchInputs(inputs);
    const direct = directSource(checked);
    if (direct) return direct;
    // What is left is a list or a file on this machine: store it (never over another set).
    const chunks = 'items' in checked ? chunksOf(checked.items) : readJsonlFile((checked as { jsonl: string }).jsonl);
    await this.inputStore().store(setId, chunks);
    return { kind: 'stored', setId, ...(consume ? { consume } : {}) };
  }

  /**
   * Refuses an id already taken by a batch (running or not, any tenant's) or by stored
   * inputs, before anything is written: starting under it must never touch its rows.
   */
  private async assertNewBatchId(id: string, stores: boolean): Promise<void> {
    const taken = new InvalidInputError(`a batch with id "${id}" already exists: choose another id`);
    try {
      await this.client.workflow.getHandle(id).describe();
      throw taken;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    // Its history may be gone (retention) while its rows remain. A query batch needs no
    // store, so the store is asked only when the inputs go there anyway.
    if (stores && (await this.inputStore().batchExists(id))) throw taken;
  }

  /** Starts a batch; returns its id. Stored inputs are removed again if the start fails. */
  async startBatch(target: BatchTargetInput, inputs: BatchInputs, opts: StartBatchOptions = {}): Promise<{ id: string; runId: string }> {
    const tenantId = assertTenantId(opts.tenantId ?? 'default');
    const spec0 = checkBatchSpec(target, opts);
    const checked = parseBatchInputs(inputs);
    const id = opts.id ? assertRunId(opts.id) : newBatchId(tenantId);
    if (opts.id) await this.assertNewBatchId(id, !('query' in checked));
    const source = await this.prepareSource(checked, id, true);
    const spec: BatchSpec = {
      target: spec0,
      source,
      tenantId,
      concurrency: opts.concurrency,
      pageSize: opts.pageSize,
      continueAsNewEvery: opts.continueAsNewEvery,
      maxFailureRatio: opts.maxFailureRatio,
    };
    try {
      const handle = await this.client.workflow.start(BATCH_RUN_WORKFLOW, {
        taskQueue: this.taskQueue,
        workflowId: id,
        args: [{ spec }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        staticSummary: `batch of ${spec0.kind === 'agent' ? `agent ${spec0.agent}` : `flow ${spec0.spec.name}`} (${source.kind})`,
      });
      return { id, runId: handle.firstExecutionRunId };
    } catch (err) {
      if (source.kind === 'stored') await this.inputStore().remove(id).catch(() => undefined);
      throw err;
    }
  }

  private handle(id: string): WorkflowHandle {
    return this.client.workflow.getHandle(assertRunId(id));
  }

  /** Counts so far (the latest run of the batch). */
  progress(id: string): Promise<BatchProgress> {
    return this.handle(id).query(progressQuery);
  }

  /**
   * Waits for the summary, following continue-as-new. A cancelled batch resolves too, with
   * status 'cancelled' and what was done, cancelled and never started (read with the
   * `summary` query: a cancelled workflow returns no value); a batch that failed (too
   * many failed items) rejects, its summary in the failure's details.
   */
  async result(id: string): Promise<BatchSummary> {
    try {
      return (await this.handle(id).result()) as BatchSummary;
    } catch (err) {
      if (!(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure)) throw err;
      const summary = await this.handle(id).query(summaryQuery).catch(() => null);
      if (!summary) throw err;
      return summary;
    }
  }

  /** Batches by agent, tenant and status (search attributes), most recent first (see {@link listWorkflows}). */
  async list(filter: BatchListFilter = {}): Promise<BatchRunSummary[]> {
    const listed = await listWorkflows(this.client, {
      workflowType: BATCH_RUN_WORKFLOW,
      equal: { [AgentNameKey.name]: filter.agent, [TenantIdKey.name]: filter.tenantId, [AgentStatusKey.name]: filter.status },
      limit: filter.limit,
    });
    return listed.map(({ summary, attributes }) => ({ ...summary, agent: attributes.get(AgentNameKey) }));
  }

  /** Cancels the batch: in-flight items are cancelled (and compensate), unstarted ones stay pending. */
  async cancel(id: string): Promise<void> {
    await this.handle(id).cancel();
  }
}
