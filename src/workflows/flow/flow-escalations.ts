/**
 * Escalation nodes: a flow waits for a person's answer, delivered by the
 * `answerEscalation` update, until a timeout. An answer for a node that is not waiting
 * is refused before it reaches history; an answer without a decision token the service
 * signed for an approver of the flow's tenant, naming this very answer, is refused too.
 */
import type { Duration } from '@temporalio/common';
import { condition, setHandler } from '@temporalio/workflow';
import type { AnswerEscalationInput, EscalationAnswer, PendingEscalation } from '../../shared/flow-types';
import { FailureType } from '../../shared/failures';
import type { LegacyDecisionInput } from '../../shared/run-types';
import { DecisionChecker, refused } from '../decisions';
import { answerEscalationUpdate } from './definitions';

type Answer = AnswerEscalationInput & Pick<LegacyDecisionInput, 'by'>;

export class EscalationDesk {
  readonly pending: PendingEscalation[] = [];
  private readonly answers = new Map<string, EscalationAnswer>();
  private readonly checker = new DecisionChecker();

  constructor(
    private readonly onChange: (nodeId: string, waiting: boolean) => void,
    private readonly tenantId: string,
  ) {
    setHandler(answerEscalationUpdate, (a: Answer) => this.answer(a), {
      validator: (a: Answer) => {
        this.waitingAt(a?.nodeId);
        if (typeof a.answer !== 'string' || !a.answer.trim()) throw refused('the answer is empty', FailureType.InvalidInput);
        DecisionChecker.requireToken(a.token, 'answer');
      },
    });
  }

  private waitingAt(nodeId: unknown): void {
    if (!this.pending.some((p) => p.nodeId === nodeId)) {
      const open = this.pending.map((p) => p.nodeId).join(', ') || 'none';
      throw refused(`no escalation is waiting at node "${String(nodeId)}" (waiting: ${open})`, FailureType.NothingPending);
    }
  }

  private async answer(a: Answer): Promise<{ nodeId: string; accepted: true; by?: EscalationAnswer['decidedBy']; at?: string }> {
    if (!this.checker.signed) {
      // Replaying an answer taken before decisions were signed: as it was recorded.
      this.answers.set(a.nodeId, { nodeId: a.nodeId, answer: a.answer.trim(), ...(a.by ? { by: a.by } : {}) });
      this.close(a.nodeId);
      return { nodeId: a.nodeId, accepted: true };
    }
    const { decider, at } = await this.checker.verify(a.token, { kind: 'answer', target: a.nodeId, text: a.answer, tenant: this.tenantId }, 'answer');
    this.waitingAt(a.nodeId); // answered meanwhile: the first answer stands
    this.answers.set(a.nodeId, { nodeId: a.nodeId, answer: a.answer.trim(), by: decider.name, decidedBy: decider, at });
    this.close(a.nodeId);
    return { nodeId: a.nodeId, accepted: true, by: decider, at };
  }

  private close(nodeId: string): void {
    const i = this.pending.findIndex((p) => p.nodeId === nodeId);
    if (i >= 0) this.pending.splice(i, 1);
    this.onChange(nodeId, false);
  }

  /** Waits for a person; undefined when the timeout passed first. */
  async wait(request: PendingEscalation, timeout: string): Promise<EscalationAnswer | undefined> {
    this.pending.push(request);
    this.onChange(request.nodeId, true);
    try {
      await condition(() => this.answers.has(request.nodeId), timeout as Duration, { summary: `escalation ${request.nodeId}: answer within ${timeout}` });
    } finally {
      // Timed out or cancelled: nobody can answer this node any more.
      if (!this.answers.has(request.nodeId)) this.close(request.nodeId);
    }
    return this.answers.get(request.nodeId);
  }
}
