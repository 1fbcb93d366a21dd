/**
 * Follows a run as it happens: polls the `state` query and prints each finished tool
 * call (with its step) and each breakpoint once, until the run ends.
 */
import type { AgentRunResult, AgentRunState } from '../shared/run-types';
import type { AgentClient } from './agent-client';
import { approvalLines, budgetPauseLines, policyLine, toolLine } from './render';

export interface WatchOptions {
  intervalMs?: number;
  /** Called once for each approval the run starts waiting for. */
  onApproval?: (state: AgentRunState) => Promise<void> | void;
}

export async function watchRun(client: AgentClient, id: string, write: (line: string) => void, opts: WatchOptions = {}): Promise<AgentRunResult> {
  const seen = new Set<string>();
  const asked = new Set<string>();
  let policiesShown = 0;
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
    // Events are only appended, so the ones past the count already shown are new.
    s.policyEvents.slice(policiesShown).forEach((e) => write(policyLine(e)));
    policiesShown = Math.max(policiesShown, s.policyEvents.length);
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
