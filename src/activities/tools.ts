/**
 * Tool execution and compensation. Each call gets an idempotency key from the workflow
 * (workflow id, step and tool call id) and an exactly-once helper for its effects.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type pg from 'pg';
import { withSpan } from '../infra/telemetry';
import { FailureType } from '../shared/failures';
import type { ToolOutcome } from '../shared/tool-plan';
import { ToolError, type AnyTool, type ToolContext } from '../tools/define-tool';
import { runOnce } from '../tools/effects';
import type { ActivityDeps } from './index';

export interface RunToolInput {
  agent: string;
  tool: string;
  callId: string;
  args: unknown;
  tenantId: string;
  idempotencyKey: string;
}

export interface CompensateToolInput extends RunToolInput {
  result: unknown;
}

function toolContext(db: pg.Pool, input: RunToolInput, kind: 'execute' | 'compensate'): ToolContext {
  const ctx = Context.current();
  const workflowId = ctx.info.workflowExecution?.workflowId;
  if (!workflowId) throw ApplicationFailure.nonRetryable('tools run only inside an agent run', FailureType.ToolFailed);
  const key = kind === 'execute' ? input.idempotencyKey : `${input.idempotencyKey}:compensate`;
  return {
    idempotencyKey: key,
    workflowId,
    toolCallId: input.callId,
    tenantId: input.tenantId,
    db,
    signal: ctx.cancellationSignal,
    heartbeat: (d) => ctx.heartbeat(d),
    once: (effect) => runOnce(db, { key, tool: input.tool, kind, tenantId: input.tenantId, workflowId, args: input.args }, effect),
  };
}

export function createToolActivities({ db, agents }: Pick<ActivityDeps, 'db' | 'agents'>) {
  const lookup = (agent: string, name: string): AnyTool => {
    const tool = agents.tools(agent)?.get(name);
    if (!tool) throw ApplicationFailure.nonRetryable(`agent "${agent}" has no tool "${name}"`, FailureType.ToolFailed);
    return tool;
  };

  return {
    async runTool(input: RunToolInput): Promise<ToolOutcome> {
      const tool = lookup(input.agent, input.tool);
      const attrs = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': input.tool, 'gen_ai.tool.call.id': input.callId };
      return withSpan(`execute_tool ${input.tool}`, attrs, async () => {
        try {
          return { ok: true, result: (await tool.execute(input.args, toolContext(db, input, 'execute'))) ?? null };
        } catch (err) {
          // An expected, explained failure is for the model to handle; anything else is
          // retried by Temporal and, if it persists, fails the run.
          if (err instanceof ToolError) return { ok: false, error: err.message };
          throw err;
        }
      });
    },

    async compensateTool(input: CompensateToolInput): Promise<void> {
      const tool = lookup(input.agent, input.tool);
      if (!tool.compensate) throw ApplicationFailure.nonRetryable(`tool "${input.tool}" has no compensation`, FailureType.ToolFailed);
      const attrs = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': input.tool, 'gen_ai.tool.call.id': input.callId, 'durable_agents.compensation': true };
      await withSpan(`execute_tool ${input.tool}`, attrs, () => tool.compensate!(input.args, input.result, toolContext(db, input, 'compensate')));
    },
  };
}
