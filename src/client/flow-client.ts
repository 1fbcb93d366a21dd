/**
 * Typed client SDK for flows: validate and start a flow (from a spec object, an example
 * name or a JSON file), read its state, answer its escalations, wait for its result.
 */
import { randomUUID } from 'node:crypto';
import { type Client, WorkflowIdReusePolicy, type WorkflowHandle } from '@temporalio/client';
import { readFlowSpec } from '../flows/load';
import { validateFlowSpec } from '../flows/validate';
import { loadConfig, type Config } from '../infra/config';
import type { AnswerEscalationInput, FlowRunInput, FlowRunResult, FlowSpec, FlowState, FlowStatus } from '../shared/flow-types';
import { AgentStatusKey, FlowNameKey, TenantIdKey } from '../shared/search-attributes';
import { answerEscalationUpdate, FLOW_RUN_WORKFLOW, flowStateQuery } from '../workflows/flow/definitions';
import { AgentClient } from './agent-client';
import { assertRunId, assertTenantId, InvalidInputError } from './ids';
import { listWorkflows, type WorkflowSummary } from './visibility';

export interface StartFlowOptions {
  tenantId?: string;
  /** Workflow id; default `flow-<tenant>-<uuid>`. Child runs get `<id>/<node>…`. */
  id?: string;
  metadata?: Record<string, string>;
  /** Agents that exist; when given, a node naming another agent is refused before anything starts. */
  agents?: string[];
  /** The principal asking for the flow; its agent runs carry it (four eyes). */
  requestedBy?: string;
}

export interface FlowRunSummary extends WorkflowSummary {
  flow?: string;
}

export interface FlowListFilter {
  /** The flow's name (its spec's `name`). */
  flow?: string;
  tenantId?: string;
  status?: FlowStatus;
  /** Only the item runs of this batch (of flows). Without it, batch item runs are left out. */
  batchId?: string;
  /** At most this many (default 20). */
  limit?: number;
}

export class FlowClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
  ) {}

  /** Connects with the environment's settings (TEMPORAL_ADDRESS, namespace, TLS, API key). */
  static async connect(config: Config = loadConfig()): Promise<FlowClient> {
    const agents = await AgentClient.connect(config);
    return new FlowClient(agents.client, agents.taskQueue);
  }

  async close(): Promise<void> {
    await this.client.connection.close();
  }

  /**
   * Validates the spec and starts the flow. `spec` is a spec object, an example name or a
   * path to a JSON file; a bad spec throws `InvalidFlowError` (naming the node) and
   * nothing starts. The worker validates again at flow start.
   */
  async startFlow(spec: FlowSpec | string, input: string, opts: StartFlowOptions = {}): Promise<{ id: string; runId: string; spec: FlowSpec }> {
    if (!input.trim()) throw new InvalidInputError('input is empty: give the flow a task');
    const valid = validateFlowSpec(typeof spec === 'string' ? readFlowSpec(spec) : spec, { agents: opts.agents });
    const tenantId = assertTenantId(opts.tenantId ?? 'default');
    const id = opts.id ? assertRunId(opts.id) : `flow-${tenantId}-${randomUUID()}`;
    const args: FlowRunInput = { spec: valid, input, tenantId, metadata: opts.metadata, ...(opts.requestedBy ? { requestedBy: opts.requestedBy } : {}) };
    const handle = await this.client.workflow.start(FLOW_RUN_WORKFLOW, {
      taskQueue: this.taskQueue,
      workflowId: id,
      args: [args],
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      staticSummary: `flow ${valid.name}: ${input.length > 80 ? `${input.slice(0, 79)}…` : input}`,
    });
    return { id, runId: handle.firstExecutionRunId, spec: valid };
  }

  private handle(id: string): WorkflowHandle {
    return this.client.workflow.getHandle(assertRunId(id));
  }

  /** Each node's status, output summary, cost and child runs; pending escalations; the trail. */
  flowState(id: string): Promise<FlowState> {
    return this.handle(id).query(flowStateQuery);
  }

  /**
   * Sends an escalation answer the service signed (`token` names this answer); refused when
   * that node is not waiting or the token does not verify. People answer through the
   * service ({@link ServiceClient.answerEscalation}).
   */
  answerEscalation(id: string, nodeId: string, answer: string, token: string) {
    const args: AnswerEscalationInput = { nodeId, answer, token };
    return this.handle(id).executeUpdate(answerEscalationUpdate, { args: [args] });
  }

  result(id: string): Promise<FlowRunResult> {
    return this.handle(id).result() as Promise<FlowRunResult>;
  }

  /** Flow runs by flow name, tenant and status (search attributes), most recent first (see {@link listWorkflows}). */
  async list(filter: FlowListFilter = {}): Promise<FlowRunSummary[]> {
    const listed = await listWorkflows(this.client, {
      workflowType: FLOW_RUN_WORKFLOW,
      equal: { [FlowNameKey.name]: filter.flow, [TenantIdKey.name]: filter.tenantId, [AgentStatusKey.name]: filter.status },
      batchId: filter.batchId,
      limit: filter.limit,
    });
    return listed.map(({ summary, attributes }) => ({ ...summary, flow: attributes.get(FlowNameKey) }));
  }

  /** Cancels the flow; running agent runs are cancelled and compensate. */
  async cancel(id: string): Promise<void> {
    await this.handle(id).cancel();
  }
}
