/** The example agents the default worker serves. */
import type { AgentDefinition } from '../agents/define-agent';
import { contentAgents } from './content/agents';
import { researchAgent } from './research/agent';
import { supportAgent } from './support/agent';
import { triageAgents } from './triage/agents';

export const exampleAgents: AgentDefinition[] = [supportAgent, researchAgent, ...triageAgents, ...contentAgents];
