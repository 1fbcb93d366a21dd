import path from 'node:path';
import type { AgentDefinition } from '../agents/define-agent';
import { exampleAgents } from '../examples';

/** The agents a worker serves: `AGENTS_MODULE`'s `agents` export, else the examples. */
export function loadAgents(modulePath: string | undefined): AgentDefinition[] {
  if (!modulePath) return exampleAgents;
  const resolved = path.resolve(modulePath);
  let mod: { agents?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(resolved) as { agents?: unknown };
  } catch (err) {
    throw new Error(`AGENTS_MODULE=${modulePath} cannot be loaded: ${(err as Error).message}`);
  }
  if (!Array.isArray(mod.agents)) throw new Error(`AGENTS_MODULE=${modulePath} must export "agents", an array of defineAgent(...) values`);
  return mod.agents as AgentDefinition[];
}
