/**
 * The agents a worker serves. Definitions are validated when the worker starts, so a
 * broken agent stops the worker with a message naming it, not a run hours later.
 */
import type { ZodType } from 'zod';
import { DEFAULT_MAX_OUTPUT_TOKENS, type AgentSpec, type AgentSummary } from '../shared/agent-spec';
import { DURATION_HINT, isDuration } from '../shared/duration';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';
import type { Playbook } from '../models/local';
import { parseModelRef } from '../models/types';
import { ToolRegistry } from '../tools/registry';
import type { AgentDefinition } from './define-agent';
import { handoffTool } from './handoff-tools';

const AGENT_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** An agent definition is invalid: the worker refuses to start. */
export class InvalidAgentError extends DurableAgentsError {
  constructor(message: string) {
    super(message, { type: FailureType.InvalidConfig, fault: 'user', retryable: false });
  }
}

/** A run names an agent this worker does not serve. */
export class UnknownAgentError extends DurableAgentsError {
  constructor(message: string) {
    super(message, { type: FailureType.UnknownAgent, fault: 'user', retryable: false });
  }
}

/** This worker's agent no longer has a tool the run started with: a deploy changed it under the run. */
export class AgentChangedError extends DurableAgentsError {
  constructor(message: string) {
    super(message, { type: FailureType.AgentChanged, fault: 'system', retryable: false });
  }
}

interface Entry {
  def: AgentDefinition;
  spec: AgentSpec;
  tools: ToolRegistry;
}

export interface AgentRegistryOptions {
  /** Replaces every agent's model, e.g. to run the examples on a real provider. */
  modelOverride?: string;
}

export class AgentRegistry {
  private readonly agents = new Map<string, Entry>();

  constructor(defs: AgentDefinition[], private readonly options: AgentRegistryOptions = {}) {
    for (const d of defs) this.add(d, defs);
  }

  private add(def: AgentDefinition, all: AgentDefinition[]): void {
    const where = `agent "${def.name}"`;
    if (!AGENT_NAME.test(def.name)) throw new InvalidAgentError(`${where}: name must be lower-case letters, digits and dashes`);
    if (this.agents.has(def.name)) throw new InvalidAgentError(`${where} is registered twice`);
    const maxSteps = def.maxSteps ?? 10;
    if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new InvalidAgentError(`${where}: maxSteps must be a positive integer`);
    const maxOutputTokens = def.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
    if (!Number.isInteger(maxOutputTokens) || maxOutputTokens < 1) throw new InvalidAgentError(`${where}: maxOutputTokens must be a positive integer`);
    const timeout = def.approval?.timeout ?? '24h';
    if (!isDuration(timeout)) throw new InvalidAgentError(`${where}: approval.timeout "${timeout}" ${DURATION_HINT}`);
    const model = this.options.modelOverride ?? def.model;
    try {
      parseModelRef(model);
    } catch (err) {
      throw new InvalidAgentError(`${where}: ${(err as Error).message}`);
    }
    const handoffs = (def.handoffs ?? []).map((name) => {
      const target = all.find((a) => a.name === name);
      if (!target) throw new InvalidAgentError(`${where}: handoff to unknown agent "${name}"`);
      if (name === def.name) throw new InvalidAgentError(`${where}: cannot hand off to itself`);
      return { name, tool: handoffTool(target) };
    });
    for (const ref of [...(def.fallbackModels ?? []), ...(def.budget?.downgradeTo ? [def.budget.downgradeTo] : [])]) {
      try {
        parseModelRef(ref);
      } catch (err) {
        throw new InvalidAgentError(`${where}: ${(err as Error).message}`);
      }
    }
    if (def.budget?.onExceeded === 'downgrade' && !def.budget.downgradeTo) throw new InvalidAgentError(`${where}: budget.onExceeded "downgrade" needs budget.downgradeTo`);
    let tools: ToolRegistry;
    try {
      tools = new ToolRegistry([...def.tools, ...handoffs.map((h) => h.tool)]);
    } catch (err) {
      throw new InvalidAgentError(`${where}: ${(err as Error).message}`);
    }
    const spec: AgentSpec = {
      name: def.name,
      description: def.description,
      instructions: def.instructions,
      model,
      maxSteps,
      temperature: def.temperature ?? 0,
      maxOutputTokens,
      tools: [...def.tools.map((t) => tools.spec(t.name)!), ...handoffs.map((h) => ({ ...tools.spec(h.tool.name)!, handoff: h.name }))],
      approval: { timeout, onTimeout: def.approval?.onTimeout ?? 'reject', ...(def.approval?.fourEyes ? { fourEyes: true } : {}) },
      fallbackModels: def.fallbackModels ?? [],
      budget: { onExceeded: def.budget?.onExceeded ?? 'stop', ...(def.budget?.downgradeTo ? { downgradeTo: def.budget.downgradeTo } : {}), runCapUsd: def.budget?.runCapUsd },
    };
    this.agents.set(def.name, { def, spec, tools });
  }

  spec(name: string): AgentSpec | undefined {
    return this.agents.get(name)?.spec;
  }

  /** The zod schema final answers of this agent must match, if it has one. */
  outputSchema(name: string): ZodType | undefined {
    return this.agents.get(name)?.def.outputSchema;
  }

  tools(name: string): ToolRegistry | undefined {
    return this.agents.get(name)?.tools;
  }

  names(): string[] {
    return [...this.agents.keys()].sort();
  }

  list(): AgentSpec[] {
    return this.names().map((n) => this.agents.get(n)!.spec);
  }

  /** What `durable-agents agents` shows of each agent (published to the task queue's catalog). */
  summaries(): AgentSummary[] {
    return this.list().map((a) => ({
      name: a.name,
      description: a.description,
      model: a.model,
      tools: a.tools.map((t) => ({ name: t.name, effect: t.effect, approval: Boolean(this.tools(a.name)?.get(t.name)?.requiresApproval) })),
    }));
  }

  /** Local playbooks by agent name, for the local provider (model `local:<agent>`). */
  playbooks(): Record<string, Playbook> {
    const out: Record<string, Playbook> = {};
    for (const [name, e] of this.agents) if (e.def.localPlaybook) out[name] = e.def.localPlaybook;
    return out;
  }
}
