/**
 * Compensation stack for an agent run: undo successful compensable tool calls in reverse
 * order. Runs in a non-cancellable scope so a cancelled run still cleans up; a failing
 * compensation is logged and the rest still run.
 */
import { CancellationScope, log } from '@temporalio/workflow';
import type { CompensationEntry, CompensationOutcome } from '../../shared/run-types';

export async function compensateAll(
  stack: CompensationEntry[],
  undo: (entry: CompensationEntry) => Promise<'compensated' | 'not_executed' | void>,
  onOutcome: (outcome: CompensationOutcome) => void,
): Promise<CompensationOutcome[]> {
  const outcomes: CompensationOutcome[] = [];
  await CancellationScope.nonCancellable(async () => {
    for (const entry of [...stack].reverse()) {
      let outcome: CompensationOutcome;
      try {
        // Histories recorded before compensateTool said what it did hold no result: those undid the call.
        const did = (await undo(entry)) ?? 'compensated';
        outcome = { callId: entry.callId, tool: entry.tool, status: did };
      } catch (err) {
        outcome = { callId: entry.callId, tool: entry.tool, status: 'failed', error: (err as Error).message };
        log.error('compensation failed; continuing with the rest', { callId: entry.callId, tool: entry.tool, error: outcome.error });
      }
      outcomes.push(outcome);
      onOutcome(outcome);
    }
  });
  stack.length = 0;
  return outcomes;
}

/** One line for people: what was undone, what could not be, what cannot be undone. */
export function describeCompensation(outcomes: CompensationOutcome[], irreversible: Array<{ tool: string; callId: string }>): string {
  const done = outcomes.filter((o) => o.status === 'compensated').map((o) => `${o.tool}(${o.callId})`);
  const failed = outcomes.filter((o) => o.status === 'failed').map((o) => `${o.tool}(${o.callId}): ${o.error}`);
  const parts = [`undone: ${done.length ? done.join(', ') : 'nothing'}`];
  if (failed.length) parts.push(`compensation failed: ${failed.join('; ')}`);
  if (irreversible.length) parts.push(`not undoable (irreversible): ${irreversible.map((i) => `${i.tool}(${i.callId})`).join(', ')}`);
  return parts.join('; ');
}
