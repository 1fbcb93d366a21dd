/**
 * The agents every step benchmark drives: a scripted model that always asks for one
 * no-op tool call, so a run lasts exactly `maxSteps` model steps and each step is
 * "model call + one tool call" with no real work on either side.
 */
import { z } from 'zod';
import { defineAgent, type AgentDefinition } from '../src/agents/define-agent';
import { ScriptedProvider } from '../src/models/scripted';
import { defineTool, type AnyTool } from '../src/tools/define-tool';

/** The headline agent: its tool runs as a local activity, as read-only lookups do. */
export const BENCH_AGENT = 'bench-steps';
/** Same loop with the tool as a regular activity, to price the local-activity choice. */
export const BENCH_AGENT_REMOTE_TOOL = 'bench-steps-remote-tool';

const noopInput = z.object({});
const ok = async (): Promise<string> => 'ok';

/** Read-only, idempotent and ≤ 10 s, so the tool registry plans it as a local activity. */
export const noopTool = defineTool({ name: 'noop', description: 'Does nothing (runs as a local activity).', input: noopInput, effect: 'read', timeout: '5s', execute: ok });

/** Identical but with a 30 s timeout, which the registry plans as a regular activity. */
export const noopRemoteTool = defineTool({ name: 'noop_remote', description: 'Does nothing (runs as a regular activity).', input: noopInput, effect: 'read', timeout: '30s', execute: ok });

/** Fixed usage: the estimate would add string work per step that no real provider does locally. */
const USAGE = { inputTokens: 10, outputTokens: 5 };

/** Model name per agent; the script picks the tool from it. */
const TOOL_BY_MODEL: Record<string, string> = { bench: noopTool.name, 'bench-remote-tool': noopRemoteTool.name };

/**
 * A never-ending script: every call answers with one no-op call, so the workflow's
 * `maxSteps` alone decides the length of a run.
 */
export function benchProvider(): ScriptedProvider {
  return new ScriptedProvider((request) => {
    const tool = TOOL_BY_MODEL[request.model];
    if (!tool) throw new Error(`bench provider: no script for model "${request.model}"`);
    return { toolCalls: [{ name: tool, arguments: {} }], usage: USAGE };
  });
}

function agent(name: string, model: string, tool: AnyTool): AgentDefinition {
  return defineAgent({ name, description: `benchmark: one ${tool.name} call per step`, instructions: `Call ${tool.name}.`, tools: [tool], model, maxSteps: 1000 });
}

export function benchAgents(): AgentDefinition[] {
  return [agent(BENCH_AGENT, 'scripted:bench', noopTool), agent(BENCH_AGENT_REMOTE_TOOL, 'scripted:bench-remote-tool', noopRemoteTool)];
}
