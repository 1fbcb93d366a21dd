/**
 * `agentCatalog`: asks a worker on the task queue which agents it serves. Only workers
 * know agents (they hold the tools' code), so the client learns them this way.
 */
import { proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { AgentSummary } from '../../shared/agent-spec';

const { listAgents } = proxyLocalActivities<Activities>({ startToCloseTimeout: '10s' });

export async function agentCatalog(): Promise<AgentSummary[]> {
  return listAgents.executeWithOptions({ summary: 'list the agents this worker serves' }, []);
}
