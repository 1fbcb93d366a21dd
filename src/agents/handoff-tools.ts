/**
 * Handoffs as tools: an agent that may hand its conversation to another gets a tool
 * `transfer_to_<agent>` the model calls with a reason. The agent run, not the tool, does
 * the handoff (src/workflows/agent/handoff.ts); the tool exists so the model sees it and its
 * arguments are checked like any other call's.
 */
import { z } from 'zod';
import { defineTool, ToolError, type AnyTool } from '../tools/define-tool';
import type { AgentDefinition } from './define-agent';

/** `transfer_to_<agent>`, with the agent's dashes as underscores (tool names are snake_case). */
export function handoffToolName(agent: string): string {
  return `transfer_to_${agent.replace(/-/g, '_')}`;
}

export function handoffTool(target: AgentDefinition): AnyTool {
  return defineTool({
    name: handoffToolName(target.name),
    description: `Hand this conversation to the ${target.name} agent: ${target.description} It answers the user from here on.`,
    input: z.object({ reason: z.string().min(1).max(500).describe('Why this agent should take over') }),
    effect: 'read',
    async execute() {
      throw new ToolError('handoffs are carried out by the agent run, not executed as a tool');
    },
  });
}
