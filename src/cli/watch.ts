/**
 * Follows a run as it happens: polls the `state` query and prints each finished tool
 * call (with its step) and each breakpoint once, until the run ends.
 */
import type { StepPolicyEvent } from '../shared/policy-events';
import type { AgentRunResult, AgentRunState } from '../shared/run-types';
import type { AgentClient } from '../client/agent-client';
import { approvalLines, budgetPauseLines, policyLine, toolLine } from './render';

/** How an event is recognised from one poll to the next: its `seq`, else what it says. */
function identity(e: StepPolicyEvent): string {
  return e.seq !== undefined ? `#${e.seq}` : JSON.stringify([e.step, e.kind, e.detail]);
}

/**
 * Follows a run's policy events across polls and returns the new ones each time. The run
 * keeps only its latest events (older ones drop off the front), so neither an index nor
 * the count says which are new. The list is "what was seen, minus some oldest, plus new
 * ones": the new ones follow the longest tail of the previous list that the new list
 * starts with. Events with `seq` match exactly; without it (runs recorded earlier), by
 * step, kind and detail.
 */
export function policyEventTracker(): (events: readonly StepPolicyEvent[]) => StepPolicyEvent[] {
  let seen: string[] = [];
  let lastSeq = 0;
  return (events) => {
    const ids = events.map(identity);
    let fresh: StepPolicyEvent[];
    if (events.length && events.every((e) => e.seq !== undefined)) {
      fresh = events.filter((e) => e.seq! > lastSeq);
    } else {
      let overlap = 0;
      for (let drop = 0; drop <= seen.length; drop++) {
        const tail = seen.length - drop;
        if (tail <= ids.length && seen.slice(drop).every((id, i) => id === ids[i])) {
          overlap = tail;
          break;
        }
      }
      fresh = events.slice(overlap);
    }
    for (const e of events) if (e.seq !== undefined && e.seq > lastSeq) lastSeq = e.seq;
    seen = ids;
    return fresh;
  };
}

export interface WatchOptions {
  intervalMs?: number;
  /** Called once for each approval the run starts waiting for. */
  onApproval?: (state: AgentRunState) => Promise<void> | void;
}

export async function watchRun(client: AgentClient, id: string, write: (line: string) => void, opts: WatchOptions = {}): Promise<AgentRunResult> {
  const seen = new Set<string>();
  const asked = new Set<string>();
  const newPolicyEvents = policyEventTracker();
  let pauseShown: number | undefined;
  let done = false;
  const result = client.result(id).finally(() => {
    done = true;
  });
  const show = async (): Promise<void> => {
    let s: AgentRunState;
    try {
      s = await client.state(id);
    } catch {
      return; // the run may not have had its first task yet, or just closed
    }
    for (const r of s.toolCalls) {
      const key = `${r.callId}:${r.status}`;
      if (r.status === 'running' || r.status === 'waiting_approval' || seen.has(key)) continue;
      seen.add(key);
      write(toolLine(r));
    }
    newPolicyEvents(s.policyEvents).forEach((e) => write(policyLine(e)));
    if (s.budgetPause && pauseShown !== s.budgetPause.step) {
      pauseShown = s.budgetPause.step;
      budgetPauseLines(id, s.budgetPause).forEach(write);
    }
    for (const p of s.pendingApprovals) {
      if (asked.has(p.callId)) continue;
      asked.add(p.callId);
      approvalLines(id, p).forEach(write);
      await opts.onApproval?.(s);
    }
  };
  while (!done) {
    await show();
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, opts.intervalMs ?? 250))]);
  }
  await show();
  return result;
}
