import { ApplicationFailure } from '@temporalio/common';
import type { AgentSpec, AgentSummary } from '../shared/agent-spec';
import { FailureType } from '../shared/failures';
import type { ActivityDeps } from './index';

export function createAgentActivities({ agents }: Pick<ActivityDeps, 'agents'>) {
  return {
    /** Resolves an agent by name, so the workflow loads nothing itself. */
    async resolveAgent(name: string): Promise<AgentSpec> {
      const spec = agents.spec(name);
      if (!spec) {
        throw ApplicationFailure.nonRetryable(`unknown agent "${name}" (known: ${agents.names().join(', ') || 'none'})`, FailureType.UnknownAgent);
      }
      return spec;
    },

    /** The agents this worker serves, for `durable-agents agents`. */
    async listAgents(): Promise<AgentSummary[]> {
      return agents.list().map((a) => ({
        name: a.name,
        description: a.description,
        model: a.model,
        tools: a.tools.map((t) => ({ name: t.name, effect: t.effect, approval: Boolean(agents.tools(a.name)?.get(t.name)?.requiresApproval) })),
      }));
    },
  };
}
