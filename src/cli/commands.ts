/** CLI commands that talk to a running service through the client SDK. */
import type { Config } from '../infra/config';
import type { RunStatus } from '../shared/run-types';
import { AGENT_RUN_WORKFLOW } from '../workflows/agent/definitions';
import type { AgentClient, ListFilter } from '../client/agent-client';
import { InvalidInputError } from '../client/ids';
import { listingLines, RUN_LISTING, type ListingQuery } from './listing';
import { modelLabel, resultText, stateText, webUiLink } from './render';
import { watchRun } from './watch';
import { expectWorkflow } from '../client/workflow-kind';

export type Out = (line: string) => void;

/** The Web UI base URL: TEMPORAL_UI_URL, else the embedded dev server's. */
export function uiUrl(config: Config): string | undefined {
  return config.TEMPORAL_UI_URL ?? (config.TEMPORAL_ADDRESS ? undefined : `http://localhost:${config.TEMPORAL_UI_PORT}`);
}

async function requireAgent(client: AgentClient, agent: string): Promise<string> {
  const catalog = await client.agentCatalog();
  const found = catalog.find((a) => a.name === agent);
  if (!found) throw new InvalidInputError(`unknown agent "${agent}" (known: ${catalog.map((a) => a.name).join(', ') || 'none'})`);
  return found.model;
}

export interface RunOptions {
  tenant?: string;
  id?: string;
  maxSteps?: number;
  detach?: boolean;
}

export async function runCommand(client: AgentClient, config: Config, agent: string, input: string, opts: RunOptions, out: Out): Promise<number> {
  if (!input.trim()) throw new InvalidInputError('input is empty: give the agent a task, e.g. npx durable-agents run support "Refund order ORD-1002"');
  const model = await requireAgent(client, agent);
  const { id } = await client.start(agent, input, { tenantId: opts.tenant, id: opts.id, maxSteps: opts.maxSteps });
  out(`▶ ${id}   agent ${agent}   model ${modelLabel(model)}`);
  const ui = uiUrl(config);
  if (opts.detach) {
    if (ui) out(`Web UI: ${webUiLink(ui, config.TEMPORAL_NAMESPACE, id)}`);
    return 0;
  }
  try {
    out(resultText(await watchRun(client, id, out)));
  } finally {
    // A failed run needs its history most: the link comes whatever the outcome.
    if (ui) out(`Web UI: ${webUiLink(ui, config.TEMPORAL_NAMESPACE, id)}`);
  }
  return 0;
}

/** Checks that `id` is an agent run (and with `open`, a running one): see workflow-kind.ts. */
function agentRun(client: AgentClient, id: string, open?: string): Promise<void> {
  return expectWorkflow(client.client, id, AGENT_RUN_WORKFLOW, open);
}

export async function statusCommand(client: AgentClient, id: string, out: Out): Promise<number> {
  await agentRun(client, id);
  out(stateText(id, await client.state(id)));
  return 0;
}

export async function raiseBudgetCommand(client: AgentClient, id: string, runCapUsd: number | undefined, by: string | undefined, out: Out): Promise<number> {
  await agentRun(client, id, 'nothing to resume');
  const state = await client.state(id);
  if (!state.budgetPause) throw new InvalidInputError(`run ${id} is not paused for budget (status: ${state.status})`);
  await client.raiseBudget(id, { runCapUsd, ...(by ? { by } : {}) });
  out(`resumed ${id}${runCapUsd !== undefined ? ` with a run cap of $${runCapUsd}` : ''} (paused at step ${state.budgetPause.step}: ${state.budgetPause.reason})`);
  return 0;
}

export async function cancelCommand(client: AgentClient, id: string, out: Out): Promise<number> {
  await agentRun(client, id, 'nothing to cancel');
  await client.cancel(id);
  out(`cancellation requested for ${id}; compensations run before it ends (see: npx durable-agents status ${id})`);
  return 0;
}

/** `list`: agent runs, without batch items unless `filter.batchId` names a batch. */
export async function listCommand(client: AgentClient, filter: Pick<ListFilter, 'agent' | 'tenantId' | 'batchId'>, query: ListingQuery<RunStatus>, out: Out): Promise<number> {
  const found = await client.list({ ...filter, ...(query.status ? { status: query.status } : {}), limit: query.limit + 1 });
  listingLines(RUN_LISTING, found, query).forEach(out);
  return 0;
}

export async function agentsCommand(client: AgentClient, out: Out): Promise<number> {
  for (const a of await client.agentCatalog()) {
    out(`${a.name}  (${modelLabel(a.model)})`);
    out(`  ${a.description}`);
    out(`  tools: ${a.tools.map((t) => `${t.name} [${t.effect}${t.approval ? ', approval' : ''}]`).join(', ')}`);
  }
  return 0;
}
