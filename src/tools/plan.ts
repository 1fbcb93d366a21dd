/**
 * Checks each tool call the model made: known tool, parseable JSON, arguments that fit
 * the schema, and whether a person must approve it. Bad calls become text for the model.
 */
import type { ToolCall } from '../shared/messages';
import type { ToolCallPlan } from '../shared/tool-plan';
import { argsHash } from './args-hash';
import type { ToolRegistry } from './registry';
import { formatIssues } from '../shared/issues';

/** Who may run which tool with which arguments (guardrails); `block` refuses the call. */
export type ToolAccessCheck = (tool: string, args: unknown) => { action: string; findings: Array<{ type: string; rule?: string }> };

export function planToolCall(call: ToolCall, tools: Pick<ToolRegistry, 'get'>, toolNames: string[], access?: ToolAccessCheck): ToolCallPlan {
  const base = { callId: call.id, tool: call.name };
  const tool = tools.get(call.name);
  if (!tool) {
    return { ...base, status: 'invalid', error: `Unknown tool "${call.name}". Available tools: ${toolNames.join(', ') || 'none'}.` };
  }
  let raw: unknown;
  try {
    raw = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch (err) {
    return { ...base, status: 'invalid', error: `Arguments for "${call.name}" are not valid JSON (${(err as Error).message}). Send a JSON object.` };
  }
  const parsed = tool.input.safeParse(raw);
  if (!parsed.success) {
    const problems = formatIssues(parsed.error.issues);
    return { ...base, status: 'invalid', error: `Arguments for "${call.name}" do not match its schema: ${problems}.` };
  }
  const args = parsed.data;
  const verdict = access?.(call.name, args);
  if (verdict?.action === 'block') {
    const why = verdict.findings.map((f) => f.rule ?? f.type).join('; ');
    return { ...base, status: 'invalid', error: `The call to "${call.name}" is not allowed: ${why}. Do not retry it; tell the user.` };
  }
  const rule = tool.requiresApproval;
  const reason = typeof rule === 'function' ? rule(args) || undefined : rule ? `${call.name} always needs approval` : undefined;
  return { ...base, status: 'ready', args, argsHash: argsHash(args), ...(reason ? { approval: reason } : {}) };
}

export function planToolCalls(calls: ToolCall[], tools: Pick<ToolRegistry, 'get'>, toolNames: string[], access?: ToolAccessCheck): ToolCallPlan[] {
  return calls.map((c) => planToolCall(c, tools, toolNames, access));
}
