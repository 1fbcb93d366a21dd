/** Workflow bundle entry point: every workflow type the worker serves. */
export { agentRun } from './agent-run';
export { agentCatalog } from './agent-catalog';
export { flowRun } from './flow-run';
export { batchRun } from './batch-run';
export { housekeeping } from './housekeeping';
