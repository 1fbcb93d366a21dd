/**
 * Typed client SDK for agent runs: start, watch, cancel, send signed decisions, and find
 * runs by agent, tenant and status through search attributes. Approving goes through the
 * service (see service-client.ts), which authenticates the approver.
 */
import { WorkflowIdReusePolicy, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import { loadConfig, type Config } from '../infra/config';
import type { AgentSummary } from '../shared/agent-spec';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';
import type { AgentRunInput, AgentRunResult, AgentRunState, RaiseBudgetInput, RunStatus } from '../shared/run-types';
import { AgentNameKey, AgentStatusKey, TenantIdKey } from '../shared/search-attributes';
import { agentCatalogId, AGENT_RUN_WORKFLOW, catalogQuery, approveUpdate, raiseBudgetUpdate, rejectUpdate, stateQuery } from '../workflows/agent/definitions';
import { connectClient, UnreachableError } from './connect';
import { assertRunId, assertTenantId, InvalidInputError, newRunId } from './ids';
import { listWorkflows, type WorkflowSummary } from './visibility';

/** temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL and TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW. */
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;

/** No worker polls this task queue: nothing would run what is started on it, or answer a query. */
export class NoWorkersError extends UnreachableError {
  constructor(readonly taskQueue: string) {
    super(`no worker is polling task queue "${taskQueue}"; start one with "npx durable-agents dev" or "npm run worker"`);
  }
}

/** No worker has published its agents to this task queue's catalog (none has started since it was created). */
export class NoCatalogError extends DurableAgentsError {
  constructor(readonly taskQueue: string) {
    super(`no worker on task queue "${taskQueue}" has published its agents; start one with "npx durable-agents dev" or "npm run worker"`, {
      type: FailureType.InfrastructureUnavailable,
      fault: 'system',
      retryable: true,
    });
  }
}

export interface StartOptions {
  tenantId?: string;
  /** Workflow id; starting twice with the same id returns the running run. */
  id?: string;
  maxSteps?: number;
  historyEventLimit?: number;
  metadata?: Record<string, string>;
  /** The principal asking for the run; the service sets it (POST /v1/runs) for four-eyes approvals. */
  requestedBy?: string;
}

export interface RunSummary extends WorkflowSummary {
  agent?: string;
}

export interface ListFilter {
  agent?: string;
  tenantId?: string;
  status?: RunStatus;
  /** Only the item runs of this batch. Without it, batch item runs are left out: a batch of thousands would bury every other run. */
  batchId?: string;
  /** At most this many runs (default 20). */
  limit?: number;
}

export class AgentClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
  ) {}

  /** Connects with the environment's settings (TEMPORAL_ADDRESS, namespace, TLS, API key); see {@link connectClient}. */
  static async connect(config: Config = loadConfig()): Promise<AgentClient> {
    return new AgentClient(await connectClient(config), config.TASK_QUEUE);
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }

  async start(agent: string, input: string, opts: StartOptions = {}): Promise<{ id: string; runId: string }> {
    if (!input.trim()) throw new InvalidInputError('input is empty: give the agent a task');
    if (!agent.trim()) throw new InvalidInputError('agent name is empty');
    const tenantId = assertTenantId(opts.tenantId ?? 'default');
    const id = opts.id ? assertRunId(opts.id) : newRunId(tenantId);
    const args: AgentRunInput = { agent, input, tenantId, maxSteps: opts.maxSteps, historyEventLimit: opts.historyEventLimit, metadata: opts.metadata, ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}) };
    const handle = await this.client.workflow.start(AGENT_RUN_WORKFLOW, {
      taskQueue: this.taskQueue,
      workflowId: id,
      args: [args],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      staticSummary: `${agent}: ${input.length > 80 ? `${input.slice(0, 79)}…` : input}`,
    });
    return { id, runId: handle.firstExecutionRunId };
  }

  private handle(id: string): WorkflowHandle {
    return this.client.workflow.getHandle(assertRunId(id));
  }

  /** Waits for the run's result (following continue-as-new). */
  result(id: string): Promise<AgentRunResult> {
    return this.handle(id).result() as Promise<AgentRunResult>;
  }

  state(id: string): Promise<AgentRunState> {
    return this.handle(id).query(stateQuery);
  }

  /**
   * Sends an approval the service signed: `token` is a decision token for an approver of
   * the run's tenant, naming this call and `argsHash` (the hash shown for it in `state`).
   * People and programs approve through the service ({@link ServiceClient.approve}),
   * which authenticates them and signs the token; without one, the run refuses.
   */
  approve(id: string, callId: string, argsHash: string, token: string) {
    return this.handle(id).executeUpdate(approveUpdate, { args: [{ callId, argsHash, token }] });
  }

  /** Sends a rejection the service signed; the token names `reason` exactly as given. */
  reject(id: string, callId: string, token: string, reason?: string) {
    return this.handle(id).executeUpdate(rejectUpdate, { args: [{ callId, token, ...(reason !== undefined ? { reason } : {}) }] });
  }

  /** Resumes a run its budget policy paused; `runCapUsd` replaces the run's configured cap. */
  raiseBudget(id: string, input: RaiseBudgetInput = {}) {
    return this.handle(id).executeUpdate(raiseBudgetUpdate, { args: [input] });
  }

  /** Requests cancellation; the run undoes its compensable tool calls before it ends. */
  async cancel(id: string): Promise<void> {
    await this.handle(id).cancel();
  }

  /** True when at least one worker polled the task queue in the last minutes. */
  async hasWorkers(): Promise<boolean> {
    const res = await this.client.workflowService.describeTaskQueue({
      namespace: this.client.options.namespace,
      taskQueue: { name: this.taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
      taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (res.pollers?.length ?? 0) > 0;
  }

  /**
   * The agents the workers on this task queue serve, as the most recently started worker
   * published them (see workflows/agent/agent-catalog.ts).
   */
  async agentCatalog(): Promise<AgentSummary[]> {
    // A query no worker answers waits half a minute before it fails; no poller says why at once.
    if (!(await this.hasWorkers())) throw new NoWorkersError(this.taskQueue);
    const published = await this.client.workflow
      .getHandle(agentCatalogId(this.taskQueue))
      .query(catalogQuery)
      .catch((err: unknown) => {
        if (err instanceof WorkflowNotFoundError) return null;
        throw err;
      });
    if (!published) throw new NoCatalogError(this.taskQueue);
    return published.agents;
  }

  /** Agent runs by agent, tenant and status (search attributes), most recent first (see {@link listWorkflows}). */
  async list(filter: ListFilter = {}): Promise<RunSummary[]> {
    const listed = await listWorkflows(this.client, {
      workflowType: AGENT_RUN_WORKFLOW,
      equal: { [AgentNameKey.name]: filter.agent, [TenantIdKey.name]: filter.tenantId, [AgentStatusKey.name]: filter.status },
      batchId: filter.batchId,
      limit: filter.limit,
    });
    return listed.map(({ summary, attributes }) => ({ ...summary, agent: attributes.get(AgentNameKey) }));
  }
}
