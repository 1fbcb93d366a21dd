/**
 * `agentCatalog`: one long-lived workflow per task queue holding the agents its workers
 * serve. Only workers know agents (they hold the tools' code); each one publishes its list
 * when it starts (signal-with-start, see workers/agent-worker.ts), and clients read it
 * with the `catalog` query. A CLI command therefore costs a query, not a workflow, and
 * the Web UI's list shows one catalog per task queue.
 */
import * as wf from '@temporalio/workflow';
import { catalogQuery, publishCatalogSignal, type AgentCatalogInput, type PublishedCatalog } from './definitions';

/** Publications one run takes before it continues as new, keeping its history short. */
const PUBLICATIONS_PER_RUN = 200;

export async function agentCatalog(input: AgentCatalogInput = {}): Promise<void> {
  // The newest publication wins: in a rolling deploy the worker that started last serves the newest agents.
  let current: PublishedCatalog | undefined = input.current;
  let published = 0;
  wf.setHandler(catalogQuery, () => current ?? null);
  wf.setHandler(publishCatalogSignal, (c) => {
    current = c;
    published++;
  });
  await wf.condition(() => published >= PUBLICATIONS_PER_RUN || wf.workflowInfo().continueAsNewSuggested);
  await wf.condition(wf.allHandlersFinished);
  await wf.continueAsNew<typeof agentCatalog>({ ...(current ? { current } : {}) });
}
