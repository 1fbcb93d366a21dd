/** Human-readable output of flows for the CLI. */
import type { FlowNodeState, FlowRunResult, FlowState, FlowTrailEntry, PendingEscalation } from '../shared/flow-types';
import { usageLine } from './render';

const NODE_ICON: Record<FlowNodeState['status'], string> = {
  pending: '·',
  running: '…',
  waiting: '⏸',
  completed: '✓',
  skipped: '↷',
  not_taken: '⊘',
  timed_out: '⌛',
  failed: '✗',
  cancelled: '✗',
};

const TRAIL_ICON: Record<FlowTrailEntry['event'], string> = {
  started: '▶',
  node_started: '▶',
  node_completed: '✓',
  branch: '↳',
  not_taken: '⊘',
  retry: '↻',
  skipped: '↷',
  fallback: '⤷',
  handoff: '⇄',
  round: '↻',
  escalation_waiting: '⏸',
  escalation_answered: '✓',
  escalation_timed_out: '⌛',
  budget_exceeded: '$',
  failed: '✗',
  completed: '■',
};

export function trailLine(e: FlowTrailEntry): string {
  return `  ${TRAIL_ICON[e.event]} ${e.detail}`;
}

export function escalationLines(id: string, p: PendingEscalation): string[] {
  return [
    `  ⏸ ${p.nodeId} waits for ${p.assignee ?? 'a person'} until ${p.deadline}:`,
    ...p.prompt.split('\n').map((l) => `     ${l}`),
    `     answer: npx durable-agents flow answer ${id} ${p.nodeId} "<answer>"`,
  ];
}

function nodeLine(n: FlowNodeState): string {
  const what = n.agent ? `${n.type} ${n.agent}` : n.type;
  const extra = [n.progress, n.fallback ? `fallback ${n.fallback}` : undefined, n.runs.length ? `${n.runs.length} run(s)` : undefined].filter(Boolean).join(', ');
  const text = n.status === 'completed' ? n.summary : n.error;
  return `  ${NODE_ICON[n.status]} ${n.id} [${what}] ${n.status.replace('_', ' ')}  $${n.costUsd.toFixed(6)}${extra ? `  (${extra})` : ''}${text ? `\n      ${text}` : ''}`;
}

export function flowStateText(id: string, s: FlowState): string {
  const budget = s.budgetUsd !== undefined ? ` of $${s.budgetUsd}` : '';
  const lines = [`flow ${id}`, `  ${s.flow}   tenant ${s.tenantId}   status ${s.status.replace('_', ' ')}   cost $${s.costUsd.toFixed(6)}${budget}`, 'nodes:', ...s.nodes.map(nodeLine)];
  for (const p of s.pendingEscalations) lines.push(...escalationLines(id, p));
  if (s.trail.length) lines.push('decisions:', ...s.trail.map(trailLine));
  if (s.answer) lines.push('answer:', s.answer);
  if (s.lastError) lines.push(`last error: ${s.lastError}`);
  return lines.join('\n');
}

export function flowResultText(r: FlowRunResult): string {
  return [`answer (${r.status.replace('_', ' ')}, flow ${r.flow}):`, r.answer, usageLine(r)].join('\n');
}
