/**
 * Validates tool definitions once, at worker start-up, and turns them into the plain
 * JSON specs the workflow sees.
 */
import { z } from 'zod';
import type { ToolSpec } from '../shared/agent-spec';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';
import type { AnyTool } from './define-tool';

const TOOL_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** A tool definition is invalid: the worker refuses to start. */
export class InvalidToolError extends DurableAgentsError {
  constructor(message: string) {
    super(message, { type: FailureType.InvalidConfig, fault: 'user', retryable: false });
  }
}

export function toolSpec(tool: AnyTool): ToolSpec {
  if (!TOOL_NAME.test(tool.name)) throw new InvalidToolError(`tool "${tool.name}": name must be snake_case (a-z, 0-9, _)`);
  if (!tool.description.trim()) throw new InvalidToolError(`tool "${tool.name}": description is empty`);
  if (!(tool.input instanceof z.ZodObject)) throw new InvalidToolError(`tool "${tool.name}": input must be a z.object(...)`);
  if (tool.effect === 'compensable' && !tool.compensate) {
    throw new InvalidToolError(`tool "${tool.name}": effect "compensable" needs a compensate function`);
  }
  if (tool.effect !== 'compensable' && tool.compensate) {
    throw new InvalidToolError(`tool "${tool.name}": only compensable tools may have a compensate function`);
  }
  let parameters: Record<string, unknown>;
  try {
    parameters = z.toJSONSchema(tool.input, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  } catch (err) {
    throw new InvalidToolError(`tool "${tool.name}": input schema cannot be expressed as JSON Schema: ${(err as Error).message}`);
  }
  delete parameters.$schema;
  const idempotent = tool.idempotent ?? tool.effect === 'read';
  const timeout = tool.timeout ?? '30s';
  return {
    name: tool.name,
    description: tool.description,
    parameters,
    effect: tool.effect,
    hasCompensation: Boolean(tool.compensate),
    idempotent,
    // Read-only, idempotent, short tools run as local activities: no task-queue round
    // trip, and re-running one after a crash is harmless.
    local: tool.effect === 'read' && idempotent && !tool.requiresApproval && parseSeconds(timeout) <= 10,
    timeout,
    ...(tool.heartbeatTimeout ? { heartbeatTimeout: tool.heartbeatTimeout } : {}),
    retry: tool.retry ?? { maximumAttempts: 3, initialInterval: '1s', backoffCoefficient: 2 },
  };
}

function parseSeconds(d: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(d);
  if (!m) throw new InvalidToolError(`timeout "${d}" must look like 500ms, 30s, 5m or 1h`);
  const n = Number(m[1]);
  return m[2] === 'ms' ? n / 1000 : m[2] === 's' ? n : m[2] === 'm' ? n * 60 : n * 3600;
}

export class ToolRegistry {
  private readonly tools = new Map<string, { def: AnyTool; spec: ToolSpec }>();

  constructor(tools: AnyTool[] = []) {
    for (const t of tools) this.add(t);
  }

  add(tool: AnyTool): void {
    if (this.tools.has(tool.name)) throw new InvalidToolError(`tool "${tool.name}" is registered twice`);
    this.tools.set(tool.name, { def: tool, spec: toolSpec(tool) });
  }

  get(name: string): AnyTool | undefined {
    return this.tools.get(name)?.def;
  }

  spec(name: string): ToolSpec | undefined {
    return this.tools.get(name)?.spec;
  }
}
