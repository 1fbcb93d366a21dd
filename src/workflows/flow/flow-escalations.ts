/**
 * Escalation nodes: a flow waits for a person's answer, delivered by the
 * `answerEscalation` update, until a timeout. An answer for a node that is not waiting
 * is refused before it reaches history.
 */
import type { Duration } from '@temporalio/common';
import { condition, setHandler } from '@temporalio/workflow';
import type { EscalationAnswer, PendingEscalation } from '../../shared/flow-types';
import { answerEscalationUpdate } from './definitions';

export class EscalationDesk {
  readonly pending: PendingEscalation[] = [];
  private readonly answers = new Map<string, EscalationAnswer>();

  constructor(private readonly onChange: (nodeId: string, waiting: boolean) => void) {
    setHandler(
      answerEscalationUpdate,
      (a) => {
        this.answers.set(a.nodeId, { nodeId: a.nodeId, answer: a.answer.trim(), ...(a.by ? { by: a.by } : {}) });
        this.close(a.nodeId);
        return { nodeId: a.nodeId, accepted: true as const };
      },
      {
        validator: (a) => {
          if (!this.pending.some((p) => p.nodeId === a?.nodeId)) {
            const open = this.pending.map((p) => p.nodeId).join(', ') || 'none';
            throw new Error(`no escalation is waiting at node "${String(a?.nodeId)}" (waiting: ${open})`);
          }
          if (typeof a.answer !== 'string' || !a.answer.trim()) throw new Error('the answer is empty');
        },
      },
    );
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
