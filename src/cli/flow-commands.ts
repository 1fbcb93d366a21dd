/**
 * `durable-agents flow run | status | list`: start a flow from a spec file or example
 * name and follow it node by node, show a flow's state, list flows (`flow answer` goes
 * through the service: decision-commands.ts). A bad spec is one line naming the node,
 * exit code 2, and nothing starts.
 */
import type { Config } from '../infra/config';
import { FlowNotFoundError, readFlowSpec } from '../flows/load';
import { InvalidFlowError, validateFlowSpec } from '../flows/validate';
import type { FlowRunResult, FlowSpec } from '../shared/flow-types';
import type { AgentClient } from '../client/agent-client';
import { uiUrl, type Out } from './commands';
import { withClient } from './connect';
import { UsageError } from './errors';
import { checkListing, FLOW_LISTING, listingLines } from './listing';
import type { OptionValues } from './options';
import { FlowClient } from '../client/flow-client';
import { escalationLines, flowResultText, flowStateText, trailLine } from './flow-render';
import { assertRunId, InvalidInputError } from '../client/ids';
import { approvalLines, webUiLink } from './render';
import { expectWorkflow } from '../client/workflow-kind';
import { FLOW_RUN_WORKFLOW } from '../workflows/flow/definitions';

function expect(args: string[], count: number, shape: string): string[] {
  if (args.length !== count) throw new UsageError(`expected: npx durable-agents flow ${shape}`);
  return args;
}

/** Spec problems are the user's to fix: exit code 2, one line. */
function specErrorsAsInput<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof InvalidFlowError || err instanceof FlowNotFoundError) throw new InvalidInputError(err.message);
    throw err;
  }
}

/** Dispatches `flow <sub> …`: checks the command line, then connects. */
export async function flowCommand(config: Config, args: string[], o: OptionValues, out: Out): Promise<number> {
  const [sub, ...rest] = args;
  const withFlows = (fn: (flows: FlowClient, agents: AgentClient) => Promise<number>) => withClient(config, (agents) => fn(new FlowClient(agents.client, agents.taskQueue), agents));
  switch (sub) {
    case 'run': {
      const [ref, input] = expect(rest, 2, 'run <spec.json|name> "<input>"') as [string, string];
      return withFlows((flows, agents) => flowRunCommand(flows, agents, config, ref, input, o, out));
    }
    case 'status': {
      const [id] = expect(rest, 1, 'status <id>') as [string];
      return withFlows((flows) => flowStatusCommand(flows, id, out));
    }
    case 'list': {
      expect(rest, 0, 'list [--flow F] [--status S] [--tenant T] [--batch ID] [--limit N]');
      const query = checkListing(FLOW_LISTING, { flow: o.flow, status: o.status, tenant: o.tenant, batch: o.batch, limit: o.limit });
      const filter = { flow: o.flow, tenantId: o.tenant, ...(o.batch !== undefined ? { batchId: assertRunId(o.batch) } : {}) };
      return withFlows(async (flows) => {
        const found = await flows.list({ ...filter, ...(query.status ? { status: query.status } : {}), limit: query.limit + 1 });
        listingLines(FLOW_LISTING, found, query).forEach(out);
        return 0;
      });
    }
    default:
      throw new UsageError('expected: npx durable-agents flow run|status|answer|list … (see: npx durable-agents --help)');
  }
}

export async function flowRunCommand(flows: FlowClient, agents: AgentClient, config: Config, ref: string, input: string, opts: Pick<OptionValues, 'tenant' | 'id' | 'detach'>, out: Out): Promise<number> {
  if (!input.trim()) throw new InvalidInputError('input is empty: give the flow a task, e.g. npx durable-agents flow run triage "How long does shipping take?"');
  // The spec's own problems first, so they show even without a worker.
  const spec: FlowSpec = specErrorsAsInput(() => validateFlowSpec(readFlowSpec(ref)));
  const known = (await agents.agentCatalog()).map((a) => a.name);
  specErrorsAsInput(() => validateFlowSpec(spec, { agents: known }));
  const { id } = await flows.startFlow(spec, input, { tenantId: opts.tenant, id: opts.id });
  out(`▶ ${id}   flow ${spec.name}   ${Object.keys(spec.nodes).length} nodes`);
  const ui = uiUrl(config);
  if (!opts.detach) {
    const result = await watchFlow(flows, agents, id, out);
    out(flowResultText(result));
  }
  if (ui) out(`Web UI: ${webUiLink(ui, config.TEMPORAL_NAMESPACE, id)}`);
  return 0;
}

export async function flowStatusCommand(flows: FlowClient, id: string, out: Out): Promise<number> {
  await expectWorkflow(flows.client, id, FLOW_RUN_WORKFLOW);
  out(flowStateText(id, await flows.flowState(id)));
  return 0;
}

/**
 * Follows a flow until it ends: prints each decision of its trail once, each escalation
 * with the command that answers it, and each approval a child run waits for.
 */
export async function watchFlow(flows: FlowClient, agents: AgentClient, id: string, write: Out, intervalMs = 300): Promise<FlowRunResult> {
  let shown = 0;
  const asked = new Set<string>();
  let done = false;
  const result = flows.result(id).finally(() => {
    done = true;
  });
  const show = async (): Promise<void> => {
    const s = await flows.flowState(id).catch(() => undefined); // not started yet, or just closed
    if (!s) return;
    s.trail.slice(shown).forEach((e) => write(trailLine(e)));
    shown = s.trail.length;
    for (const p of s.pendingEscalations) {
      if (!asked.has(`escalation:${p.nodeId}`)) escalationLines(id, p).forEach(write);
      asked.add(`escalation:${p.nodeId}`);
    }
    const running = s.nodes.flatMap((n) => n.runs.filter((r) => r.status === 'running'));
    for (const run of running) {
      const child = await agents.state(run.workflowId).catch(() => undefined);
      for (const p of child?.pendingApprovals ?? []) {
        if (!asked.has(`${run.workflowId}:${p.callId}`)) approvalLines(run.workflowId, p).forEach(write);
        asked.add(`${run.workflowId}:${p.callId}`);
      }
    }
  };
  while (!done) {
    await show();
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, intervalMs))]);
  }
  await show();
  return result;
}
