/** The example agents the default worker serves. */
import type { AgentDefinition } from '../agents/define-agent';
import { researchAgent } from './research/agent';
import { supportAgent } from './support/agent';

export const exampleAgents: AgentDefinition[] = [supportAgent, researchAgent];
