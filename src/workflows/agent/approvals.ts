/**
 * Approval breakpoints. A pending call waits for an `approve` or `reject` update. An
 * approval must quote the hash of the exact arguments it approves, so a person never
 * approves something other than what they saw; and it must carry a decision token the
 * service signed for an approver of the run's tenant (see ../decisions.ts), so nobody who
 * can merely write to Temporal can approve. Under a four-eyes policy, the person who
 * requested the run cannot approve it.
 */
import type { Duration } from '@temporalio/common';
import { condition, setHandler } from '@temporalio/workflow';
import type { ApprovalTimeoutOutcome } from '../../shared/agent-spec';
import { FailureType } from '../../shared/failures';
import type { ApprovalRecord, ApproveInput, Decider, LegacyDecisionInput, PendingApproval, RejectInput } from '../../shared/run-types';
import { DecisionChecker, refused } from '../decisions';
import { approveUpdate, rejectUpdate } from './definitions';

export type ApprovalDecision =
  | { decision: 'approved'; by?: string; decider?: Decider; at?: string }
  | { decision: 'rejected'; by?: string; decider?: Decider; at?: string; reason: string }
  | { decision: 'timed_out'; outcome: ApprovalTimeoutOutcome };

/** What the desk needs to know of its run to check a decision. */
export interface ApprovalContext {
  tenantId: string;
  requestedBy?: string;
  fourEyes: boolean;
}

type Approve = ApproveInput & LegacyDecisionInput;
type Reject = RejectInput & LegacyDecisionInput;

export class ApprovalDesk {
  readonly pending: PendingApproval[] = [];
  private readonly decisions = new Map<string, ApprovalDecision>();
  private readonly checker = new DecisionChecker();

  constructor(
    private readonly onChange: () => void,
    private readonly context: () => ApprovalContext,
  ) {
    setHandler(approveUpdate, (input: Approve) => this.approve(input), {
      validator: ({ callId, argsHash, token }: Approve) => {
        const p = this.find(callId);
        if (p.argsHash !== argsHash) {
          throw refused(`approval refused: call ${callId} has arguments with hash ${p.argsHash.slice(0, 12)}…, not ${String(argsHash).slice(0, 12)}…`, FailureType.StaleApproval);
        }
        DecisionChecker.requireToken(token, 'approval');
      },
    });
    setHandler(rejectUpdate, (input: Reject) => this.reject(input), {
      validator: ({ callId, token }: Reject) => {
        this.find(callId);
        DecisionChecker.requireToken(token, 'rejection');
      },
    });
  }

  private async approve({ callId, argsHash, token, by }: Approve): Promise<{ callId: string; decision: 'approved'; by?: Decider; at?: string }> {
    if (!this.checker.signed) {
      // Replaying a decision taken before decisions were signed: as it was recorded.
      this.decide(callId, { decision: 'approved', by });
      return { callId, decision: 'approved' };
    }
    const { tenantId, requestedBy, fourEyes } = this.context();
    const { decider, at } = await this.checker.verify(token, { kind: 'approve', target: callId, argsHash, tenant: tenantId, ...(fourEyes ? { fourEyes: { requestedBy } } : {}) }, 'approval');
    // Verified while another decision may have landed: the first one stands.
    const p = this.find(callId);
    if (p.argsHash !== argsHash) throw refused(`approval refused: call ${callId} has other arguments now`, FailureType.StaleApproval);
    this.decide(callId, { decision: 'approved', decider, at });
    return { callId, decision: 'approved', by: decider, at };
  }

  private async reject({ callId, reason, token, by }: Reject): Promise<{ callId: string; decision: 'rejected'; by?: Decider; at?: string }> {
    const why = reason?.trim() || 'no reason given';
    if (!this.checker.signed) {
      this.decide(callId, { decision: 'rejected', by, reason: why });
      return { callId, decision: 'rejected' };
    }
    const p = this.find(callId);
    const { decider, at } = await this.checker.verify(token, { kind: 'reject', target: callId, argsHash: p.argsHash, ...(reason !== undefined ? { text: reason } : {}), tenant: this.context().tenantId }, 'rejection');
    this.find(callId);
    this.decide(callId, { decision: 'rejected', decider, at, reason: why });
    return { callId, decision: 'rejected', by: decider, at };
  }

  private find(callId: string): PendingApproval {
    const p = this.pending.find((x) => x.callId === callId);
    if (!p) {
      const open = this.pending.map((x) => x.callId).join(', ') || 'none';
      throw refused(`no pending approval for call "${callId}" (pending: ${open})`, FailureType.NothingPending);
    }
    return p;
  }

  private decide(callId: string, d: ApprovalDecision): void {
    this.decisions.set(callId, d);
    const i = this.pending.findIndex((x) => x.callId === callId);
    if (i >= 0) this.pending.splice(i, 1);
    this.onChange();
  }

  /** Parks the call until a person decides or the timeout passes. */
  async wait(request: PendingApproval, timeout: string, onTimeout: ApprovalTimeoutOutcome): Promise<ApprovalDecision> {
    this.pending.push(request);
    this.onChange();
    let decided: boolean;
    try {
      decided = await condition(() => this.decisions.has(request.callId), timeout as Duration, { summary: `approval ${request.tool} ${request.callId}` });
    } catch (err) {
      // Cancelled while waiting: nobody can decide this call any more, so it is no longer pending.
      this.pending.splice(this.pending.indexOf(request), 1);
      throw err;
    }
    if (!decided) {
      this.decide(request.callId, { decision: 'timed_out', outcome: onTimeout });
    }
    return this.decisions.get(request.callId)!;
  }
}

/** The record `state` keeps of a decision. */
export function approvalRecord(request: Pick<PendingApproval, 'callId' | 'tool' | 'step'>, d: ApprovalDecision, now: Date): ApprovalRecord {
  const base = { callId: request.callId, tool: request.tool, step: request.step };
  if (d.decision === 'timed_out') return { ...base, decision: 'timed_out', at: now.toISOString() };
  return { ...base, decision: d.decision, ...(d.decider ? { by: d.decider } : {}), at: d.at ?? now.toISOString(), ...(d.decision === 'rejected' ? { reason: d.reason } : {}) };
}
