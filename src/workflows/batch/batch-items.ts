/**
 * The item runner's pure half: which child workflow an item runs (type, id, arguments)
 * and what its outcome row says. Computed from the batch spec only, so a new target kind
 * is a new case here and nothing else in `batchRun` changes.
 */
import type { BatchItem, BatchSpec, ItemOutcome } from '../../shared/batch-types';
import type { FlowRunInput } from '../../shared/flow-types';
import type { AgentRunInput } from '../../shared/run-types';
import { AGENT_RUN_WORKFLOW } from '../agent/definitions';
import { FLOW_RUN_WORKFLOW } from '../flow/definitions';

/** One child run: what `batchRun` passes to `executeChild`. */
export interface ItemRun {
  workflowType: string;
  workflowId: string;
  args: unknown[];
  /** Web UI summary of the child. */
  summary: string;
}

/**
 * The child's workflow id: derived from the batch id and the item's index, never random,
 * so a resumed or continued batch that reaches the item again cannot start a second run
 * (the server refuses a duplicate id).
 */
export function itemWorkflowId(batchId: string, idx: number): string {
  return `${batchId}-item-${idx}`;
}

function short(text: string, max = 60): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

export function itemRun(spec: BatchSpec, batchId: string, item: BatchItem): ItemRun {
  const workflowId = itemWorkflowId(batchId, item.idx);
  const metadata: Record<string, string> = { batchId, item: String(item.idx), ...(item.key !== undefined ? { key: item.key } : {}) };
  const label = `item ${item.idx}${item.key !== undefined ? ` [${item.key}]` : ''}`;
  const target = spec.target;
  switch (target.kind) {
    case 'agent': {
      const args: AgentRunInput = { agent: target.agent, input: item.input, tenantId: spec.tenantId, metadata, maxSteps: target.maxSteps };
      return { workflowType: AGENT_RUN_WORKFLOW, workflowId, args: [args], summary: `${target.agent} ${label}: ${short(item.input)}` };
    }
    case 'flow': {
      const args: FlowRunInput = { spec: target.spec, input: item.input, tenantId: spec.tenantId, metadata };
      return { workflowType: FLOW_RUN_WORKFLOW, workflowId, args: [args], summary: `flow ${target.spec.name} ${label}: ${short(item.input)}` };
    }
  }
}

/** A finished child's result (`AgentRunResult`, `FlowRunResult`) as an outcome row: its cost and an answer preview. */
export function succeededOutcome(idx: number, childWorkflowId: string, result: unknown): ItemOutcome {
  const r = (result ?? {}) as { costUsd?: unknown; answer?: unknown; output?: unknown };
  const costUsd = typeof r.costUsd === 'number' && Number.isFinite(r.costUsd) ? r.costUsd : 0;
  const answer = typeof r.answer === 'string' ? r.answer : typeof r.output === 'string' ? r.output : JSON.stringify(result ?? null);
  return { idx, status: 'succeeded', childWorkflowId, costUsd, answer: answer.slice(0, 2000) };
}
