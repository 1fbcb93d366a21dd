/**
 * Approval breakpoints. A pending call waits for an `approve` or `reject` update; an
 * approval must quote the hash of the exact arguments it approves, so a person never
 * approves something other than what they saw.
 */
import type { Duration } from '@temporalio/common';
import { condition, setHandler } from '@temporalio/workflow';
import type { ApprovalTimeoutOutcome } from '../../shared/agent-spec';
import type { PendingApproval } from '../../shared/run-types';
import { approveUpdate, rejectUpdate } from './definitions';

export type ApprovalDecision =
  | { decision: 'approved'; by?: string }
  | { decision: 'rejected'; by?: string; reason: string }
  | { decision: 'timed_out'; outcome: ApprovalTimeoutOutcome };

export class ApprovalDesk {
  readonly pending: PendingApproval[] = [];
  private readonly decisions = new Map<string, ApprovalDecision>();

  constructor(private readonly onChange: () => void) {
    setHandler(
      approveUpdate,
      ({ callId, by }) => {
        this.decide(callId, { decision: 'approved', by });
        return { callId, decision: 'approved' as const };
      },
      {
        validator: ({ callId, argsHash }) => {
          const p = this.find(callId);
          if (p.argsHash !== argsHash) {
            throw new Error(`approval refused: call ${callId} has arguments with hash ${p.argsHash.slice(0, 12)}…, not ${String(argsHash).slice(0, 12)}…`);
          }
        },
      },
    );
    setHandler(
      rejectUpdate,
      ({ callId, reason, by }) => {
        this.decide(callId, { decision: 'rejected', by, reason: reason?.trim() || 'no reason given' });
        return { callId, decision: 'rejected' as const };
      },
      { validator: ({ callId }) => void this.find(callId) },
    );
  }

  private find(callId: string): PendingApproval {
    const p = this.pending.find((x) => x.callId === callId);
    if (!p) {
      const open = this.pending.map((x) => x.callId).join(', ') || 'none';
      throw new Error(`no pending approval for call "${callId}" (pending: ${open})`);
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
