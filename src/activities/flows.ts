/**
 * Flow activities. Validation runs again on the worker at flow start: the worker knows
 * which agents exist, and a spec that skipped the client's check still never runs.
 */
import { validateFlowSpec } from '../flows/validate';
import type { FlowSpec } from '../shared/flow-types';
import type { ActivityDeps } from './index';
import { atActivityBoundary } from './activity-edge';

export function createFlowActivities({ agents }: Pick<ActivityDeps, 'agents'>) {
  return {
    /** The validated spec; a bad one fails the flow at once with `InvalidFlowSpec` naming the node. */
    async validateFlow(spec: unknown): Promise<FlowSpec> {
      return atActivityBoundary(async () => validateFlowSpec(spec, { agents: agents.names() }));
    },
  };
}
