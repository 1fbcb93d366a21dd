/**
 * Handoffs between agents. When the model calls `transfer_to_<agent>`, the run starts a
 * child `agentRun` of that agent carrying the conversation, and the child's answer
 * becomes this run's. Chains are bounded: past the depth limit the call goes back to the
 * model as an error, and the agent answers itself.
 */
import * as wf from '@temporalio/workflow';
import type { AgentSpec } from '../../shared/agent-spec';
import { addUsage, type ChatMessage } from '../../shared/messages';
import type { AgentRunInput, AgentRunResult } from '../../shared/run-types';
import type { ToolCallPlan } from '../../shared/tool-plan';
import { childLabels } from '../search-labels';
import type { agentRun } from './agent-run';
import { AGENT_RUN_WORKFLOW } from './definitions';

/** Handoffs a conversation may go through when the run does not say otherwise. */
export const DEFAULT_MAX_HANDOFF_DEPTH = 3;

/** The conversation a run starts with: its instructions, then the task or the conversation handed to it. */
export function openingMessages(spec: AgentSpec, input: AgentRunInput): ChatMessage[] {
  const system: ChatMessage = { role: 'system', content: spec.instructions };
  return input.handoff ? [system, ...input.handoff.messages] : [system, { role: 'user', content: input.input }];
}

interface HandoffRequest {
  to: string;
  reason: string;
}

/** Decides transfer calls within a run and carries out the one accepted. */
export class Handoffs {
  /** The accepted transfer of the current step, if any. */
  requested?: HandoffRequest;

  constructor(
    private readonly input: AgentRunInput,
    /** The run keeps its Web UI labels current (see search-labels.ts): its handoff runs carry its flow and batch. */
    private readonly labelled: boolean,
  ) {}

  private get depth(): number {
    return this.input.handoff?.depth ?? 0;
  }

  private get limit(): number {
    return this.input.maxHandoffDepth ?? DEFAULT_MAX_HANDOFF_DEPTH;
  }

  /** Accepts or refuses a transfer call; the text goes back to the model as the call's result. */
  ask(to: string, plan: Extract<ToolCallPlan, { status: 'ready' }>): { ok: boolean; text: string } {
    if (this.requested) return { ok: false, text: `Not transferred: this step already hands the conversation to ${this.requested.to}.` };
    if (this.depth >= this.limit) {
      return { ok: false, text: `Not transferred to ${to}: the conversation was already handed off ${this.depth} time(s), the limit is ${this.limit}. Answer the user yourself.` };
    }
    this.requested = { to, reason: (plan.args as { reason: string }).reason };
    return { ok: true, text: `Transferring the conversation to ${to}.` };
  }

  /** Runs the target agent as a child with the conversation so far (the system message is the target's own). */
  run(from: string, messages: ChatMessage[], step: number): Promise<AgentRunResult> {
    const { to, reason } = this.requested!;
    const input = this.input;
    return wf.executeChild<typeof agentRun>(AGENT_RUN_WORKFLOW, {
      // Derived from the step: a replayed run finds the same child in its history.
      workflowId: `${wf.workflowInfo().workflowId}/handoff-${step}`,
      args: [
        {
          agent: to,
          input: input.input,
          tenantId: input.tenantId,
          maxHandoffDepth: this.limit,
          metadata: input.metadata,
          flowBudget: input.flowBudget,
          // The same request: a four-eyes policy holds after a handoff too.
          ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
          handoff: { from, reason, depth: this.depth + 1, messages: messages.filter((m) => m.role !== 'system') },
        },
      ],
      staticSummary: `handoff ${from} → ${to}: ${reason}`,
      ...(this.labelled ? { typedSearchAttributes: childLabels() } : {}),
    });
  }
}

/** This run's result after a handoff: the target's answer, with both runs' steps, usage, cost and tool calls. */
export function mergeHandoff(own: AgentRunResult, child: AgentRunResult, to: string): AgentRunResult {
  return {
    ...child,
    steps: own.steps + child.steps,
    usage: addUsage(own.usage, child.usage),
    costUsd: own.costUsd + child.costUsd,
    toolCalls: [...own.toolCalls, ...child.toolCalls],
    handedOffTo: to,
  };
}
