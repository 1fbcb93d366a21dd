import { UnknownAgentError } from '../agents/registry';
import type { AgentSpec } from '../shared/agent-spec';
import type { ActivityDeps } from './index';
import { atActivityBoundary } from './activity-edge';

export function createAgentActivities({ agents }: Pick<ActivityDeps, 'agents'>) {
  return {
    /** Resolves an agent by name, so the workflow loads nothing itself. */
    async resolveAgent(name: string): Promise<AgentSpec> {
      return atActivityBoundary(async () => {
        const spec = agents.spec(name);
        if (!spec) throw new UnknownAgentError(`unknown agent "${name}" (known: ${agents.names().join(', ') || 'none'})`);
        return spec;
      });
    },
  };
}
