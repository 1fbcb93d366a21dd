/** Human-readable output for the CLI. */
import type { StepPolicyEvent } from '../shared/policy-events';
import type { AgentRunResult, AgentRunState, BudgetPause, PendingApproval, ToolCallRecord } from '../shared/run-types';

const ICON: Record<ToolCallRecord['status'], string> = {
  invalid: '✗',
  waiting_approval: '⏸',
  running: '…',
  succeeded: '✓',
  tool_error: '!',
  rejected: '⊘',
  failed: '✗',
  compensated: '↺',
  compensation_failed: '✗',
  cancelled: '⊘',
};

export function modelLabel(model: string): string {
  return model.startsWith('local:') ? `${model} (deterministic local model — no API key used)` : model;
}

export function toolLine(r: ToolCallRecord): string {
  return `  ${ICON[r.status]} step ${r.step} ${r.tool} [${r.callId}] ${r.status}${r.detail ? `: ${r.detail}` : ''}`;
}

export function approvalLines(id: string, p: PendingApproval): string[] {
  return [
    `  ⏸ ${p.tool} [${p.callId}] needs approval: ${p.reason}`,
    `     arguments: ${JSON.stringify(p.args)}`,
    `     approve: npx durable-agents approve ${id} ${p.callId}    reject: npx durable-agents reject ${id} ${p.callId} --reason "…"`,
  ];
}

export function policyLine(e: StepPolicyEvent): string {
  return `  ◆ step ${e.step} policy ${e.kind.replace('_', ' ')}: ${e.detail}`;
}

export function budgetPauseLines(id: string, p: BudgetPause): string[] {
  return [`  ⏸ paused for budget at step ${p.step}: ${p.reason}`, `     resume: npx durable-agents raise-budget ${id} [--run-cap USD]`];
}

export function usageLine(s: { usage: { inputTokens: number; outputTokens: number }; costUsd: number }): string {
  return `tokens: ${s.usage.inputTokens} in / ${s.usage.outputTokens} out   cost: $${s.costUsd.toFixed(6)}`;
}

export function stateText(id: string, s: AgentRunState): string {
  const lines = [
    `run ${id}`,
    `  agent ${s.agent}   tenant ${s.tenantId}   status ${s.status}   step ${s.step}`,
    `  model ${modelLabel(s.model)}`,
    `  ${usageLine(s)}`,
  ];
  if (s.continuedAsNew) lines.push(`  continued as new ${s.continuedAsNew} time(s)`);
  if (s.toolCalls.length) lines.push('tool calls:', ...s.toolCalls.map(toolLine));
  for (const p of s.pendingApprovals) lines.push(...approvalLines(id, p));
  if (s.compensations.length) lines.push('compensations:', ...s.compensations.map((c) => `  ↺ ${c.tool} [${c.callId}] ${c.status}${c.error ? `: ${c.error}` : ''}`));
  if (s.irreversible.length) lines.push(`irreversible (not undone): ${s.irreversible.map((i) => `${i.tool} [${i.callId}]`).join(', ')}`);
  if (s.budgetPause) lines.push(...budgetPauseLines(id, s.budgetPause));
  if (s.policyEvents.length) lines.push('policy decisions:', ...s.policyEvents.slice(-20).map(policyLine));
  if (s.handedOffTo) lines.push(`handed off to ${s.handedOffTo}: that run answers for this one`);
  if (s.lastError) lines.push(`last error: ${s.lastError}`);
  return lines.join('\n');
}

export function resultText(r: AgentRunResult): string {
  const via = r.handedOffTo ? `, handed off to ${r.handedOffTo}` : '';
  return [`answer (${r.status}, ${r.steps} steps, ${modelLabel(r.model)}${via}):`, r.answer, usageLine(r)].join('\n');
}

/** Link to a run in the Temporal Web UI. */
export function webUiLink(uiUrl: string, namespace: string, id: string): string {
  return `${uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(id)}`;
}
