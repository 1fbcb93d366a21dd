/**
 * What an agent run's Web UI page says about it now (its current details): status, step
 * and cost; each pending approval with the commands that decide it; a budget pause with
 * the command that resumes it; who decided the approvals so far; how the run ended.
 * Rendered from the `state` view, so the page and the query never disagree.
 */
import type { AgentRunState } from '../../shared/run-types';
import { clipped, code, prose, usd } from '../details-markdown';

/** The latest approval decisions listed; older ones stay in the `state` query's policy events. */
const SHOWN_DECISIONS = 10;

export function runDetails(id: string, s: AgentRunState): string {
  const lines = [`**${s.status}** · step ${s.step} · ${usd(s.costUsd)} · agent ${code(s.agent)} · tenant ${code(s.tenantId)}`];
  if (s.pendingApprovals.length) {
    lines.push('', '### Waiting for approval');
    for (const p of s.pendingApprovals) {
      lines.push(
        `- **${p.tool}** ${code(p.callId)} at step ${p.step}: ${prose(p.reason, 200)}`,
        `  - arguments: ${clipped(p.args)}`,
        `  - approve: ${code(`npx durable-agents approve ${id} ${p.callId}`)}`,
        `  - reject: ${code(`npx durable-agents reject ${id} ${p.callId} --reason "…"`)}`,
      );
    }
  }
  if (s.budgetPause) {
    lines.push('', '### Paused for budget', `- at step ${s.budgetPause.step}: ${prose(s.budgetPause.reason, 200)}`, `  - resume: ${code(`npx durable-agents raise-budget ${id}`)} (with ${code('--run-cap USD')} for a new cap)`);
  }
  const decided = s.policyEvents.filter((e) => e.kind === 'approval').slice(-SHOWN_DECISIONS);
  if (decided.length) lines.push('', '### Approvals decided', ...decided.map((e) => `- step ${e.step}: ${prose(e.detail, 300)}`));
  if (s.handedOffTo) lines.push('', `Handed off to ${code(s.handedOffTo)}: that run answers for this one.`);
  if (s.lastError) lines.push('', `Last error: ${prose(s.lastError, 300)}`);
  return lines.join('\n');
}
