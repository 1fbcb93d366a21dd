/**
 * Flow activities. Validation runs again on the worker at flow start: the worker knows
 * which agents exist, and a spec that skipped the client's check still never runs.
 */
import { ApplicationFailure } from '@temporalio/common';
import { InvalidFlowError, validateFlowSpec } from '../flows/validate';
import { FailureType } from '../shared/failures';
import type { FlowSpec } from '../shared/flow-types';
import type { ActivityDeps } from './index';

export function createFlowActivities({ agents }: Pick<ActivityDeps, 'agents'>) {
  return {
    /** The validated spec; a bad one fails the flow at once with `InvalidFlowSpec` naming the node. */
    async validateFlow(spec: unknown): Promise<FlowSpec> {
      try {
        return validateFlowSpec(spec, { agents: agents.names() });
      } catch (err) {
        if (err instanceof InvalidFlowError) throw ApplicationFailure.nonRetryable(err.message, FailureType.InvalidFlowSpec);
        throw err;
      }
    },
  };
}
