/**
 * Signed decisions in workflow code. Approvals, rejections and escalation answers carry a
 * token the service signed after it authenticated the person; the update handler has it
 * verified by a local activity (Ed25519 needs node:crypto) against the workflow's own
 * facts and clock, and records nothing unless the verdict is yes.
 *
 * Histories recorded before this marker replay their decisions as they were taken; every
 * decision that arrives now, in any run, old or new, needs a token (see README "Security").
 */
import { ApplicationFailure } from '@temporalio/common';
import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { VerifyDecisionInput } from '../activities/decisions';
import { FailureType } from '../shared/failures';
import type { Decider } from '../shared/run-types';
import type { DecisionExpectation } from '../trust/decision-token';

/** Patch marker: a decision handled after it is verified; before it, `by` was taken as written. */
export const SIGNED_DECISIONS_PATCH = 'signed-decisions';

const { verifyDecision } = wf.proxyLocalActivities<Activities>({ startToCloseTimeout: '10s', retry: { maximumAttempts: 3 } });

/** A decision the workflow refuses: the update fails with this, and nothing changes. */
export function refused(message: string, type: string = FailureType.DecisionRefused): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

/** Tokens already used in this run: one token decides once. */
export class DecisionChecker {
  private readonly used = new Set<string>();

  /** Whether this decision must be verified (false only while replaying a decision recorded before the marker). */
  get signed(): boolean {
    return wf.patched(SIGNED_DECISIONS_PATCH);
  }

  /** The validator's check, before anything reaches history: a token must be there. */
  static requireToken(token: unknown, what: string): void {
    if (typeof token !== 'string' || !token) {
      throw refused(`${what} refused: no decision token; decisions go through the durable-agents service (npx durable-agents approve|reject|flow answer, or POST /v1/…), which authenticates who decides`);
    }
  }

  /** Verifies `token` against `expect` at workflow time; returns who decided, or throws the refusal. */
  async verify(token: string, expect: Omit<DecisionExpectation, 'namespace' | 'workflowId'>, what: string): Promise<{ decider: Decider; at: string }> {
    const info = wf.workflowInfo();
    const now = new Date();
    const input: VerifyDecisionInput = { token, expect: { ...expect, namespace: info.namespace, workflowId: info.workflowId }, nowMs: now.getTime() };
    const verdict = await verifyDecision.executeWithOptions({ summary: `verify ${what}` }, [input]);
    if (!verdict.ok) throw refused(`${what} refused: ${verdict.reason}`);
    if (this.used.has(verdict.nonce)) throw refused(`${what} refused: this decision token was used already`);
    this.used.add(verdict.nonce);
    return { decider: verdict.decider, at: now.toISOString() };
  }
}
