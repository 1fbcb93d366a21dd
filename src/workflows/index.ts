/** Workflow bundle entry point: every workflow type the worker serves. */
export { agentRun } from './agent/agent-run';
export { agentCatalog } from './agent/agent-catalog';
export { flowRun } from './flow/flow-run';
export { batchRun } from './batch/batch-run';
export { housekeeping } from './housekeeping/housekeeping';
