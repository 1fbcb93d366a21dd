/** Workflow bundle entry point: every workflow type the worker serves. */
export { agentRun } from './agent-run';
export { agentCatalog } from './agent-catalog';
