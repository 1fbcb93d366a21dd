/**
 * Verifies decision tokens for the workflows, as a local activity: Ed25519 needs
 * node:crypto, which the workflow sandbox does not have. The worker holds only public
 * keys; the expectations (workflow, call, arguments, tenant, requester) come from the
 * workflow, and the clock is the workflow's, so the verdict replays as recorded.
 */
import type { KeyObject } from 'node:crypto';
import { verifyDecisionToken, type DecisionExpectation, type DecisionVerdict } from '../trust/decision-token';
import type { ActivityDeps } from './index';

export interface VerifyDecisionInput {
  token: unknown;
  expect: DecisionExpectation;
  /** Workflow time, ms since the epoch. */
  nowMs: number;
}

export function createDecisionActivities({ decisionKeys }: Pick<ActivityDeps, 'decisionKeys'>) {
  const keys: readonly KeyObject[] = decisionKeys ?? [];
  return {
    /** The verdict on a decision token; a refusal is a result (the update fails with it), not an activity failure. */
    async verifyDecision(input: VerifyDecisionInput): Promise<DecisionVerdict> {
      return verifyDecisionToken(input.token, keys, input.expect, input.nowMs);
    },
  };
}
