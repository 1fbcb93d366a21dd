/**
 * What a flow's Web UI page says about it now (its current details): status and cost;
 * each escalation waiting for a person, with the command that answers it; the nodes at
 * work; the escalations answered so far; how the flow ended. Rendered from the `state`
 * view, so the page and the query never disagree.
 */
import type { FlowState } from '../../shared/flow-types';
import { code, prose, usd } from '../details-markdown';

/** The latest answers listed; the whole trail is in the `state` query. */
const SHOWN_ANSWERS = 10;

export function flowDetails(id: string, s: FlowState): string {
  const budget = s.budgetUsd !== undefined ? ` of ${usd(s.budgetUsd)}` : '';
  const lines = [`**${s.status}** · ${usd(s.costUsd)}${budget} · flow ${code(s.flow)} · tenant ${code(s.tenantId)}`];
  if (s.pendingEscalations.length) {
    lines.push('', '### Waiting for an answer');
    for (const p of s.pendingEscalations) {
      lines.push(
        `- **${p.nodeId}** for ${p.assignee ?? 'a person'} until ${p.deadline}: ${prose(p.prompt, 300)}`,
        `  - answer: ${code(`npx durable-agents flow answer ${id} ${p.nodeId} "<answer>"`)}`,
      );
    }
  }
  const working = s.nodes.filter((n) => n.status === 'running');
  if (working.length) {
    lines.push('', '### Running', ...working.map((n) => `- ${code(n.id)}${n.agent ? ` (agent ${code(n.agent)})` : ''}${n.progress ? `: ${n.progress}` : ''}`));
  }
  const answered = s.trail.filter((e) => e.event === 'escalation_answered' || e.event === 'escalation_timed_out').slice(-SHOWN_ANSWERS);
  if (answered.length) lines.push('', '### Escalations decided', ...answered.map((e) => `- ${prose(e.detail, 300)}`));
  if (s.lastError) lines.push('', `Last error: ${prose(s.lastError, 300)}`);
  return lines.join('\n');
}
