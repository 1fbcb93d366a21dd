/** Public client SDK. */
export { AgentClient, type StartOptions, type ListFilter, type RunSummary } from './agent-client';
export { InvalidInputError } from './ids';
export type * from '../shared/run-types';
