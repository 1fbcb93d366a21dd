/** Public client SDK. */
export { AgentClient, type StartOptions, type ListFilter, type RunSummary } from './agent-client';
export { ServiceClient, ServiceRequestError, type ApprovalResult, type EscalationResult, type Problem, type ServiceClientOptions, type StartRunRequest } from './service-client';
export { InvalidInputError } from './ids';
export { CONNECT_TIMEOUT_MS, connectClient, UnreachableError } from './connect';
export { configuredDataConverter, dataConverter } from '../encryption/data-converter';
export { parseKeyring, type Keyring } from '../encryption/keyring';
export type { WorkflowSummary } from './visibility';
export { FlowClient, type FlowListFilter, type FlowRunSummary, type StartFlowOptions } from './flow-client';
export { InvalidFlowError } from '../flows/validate';
export type * from '../shared/flow-types';
export { BatchClient, type BatchInputs, type BatchListFilter, type BatchRunSummary, type BatchTargetInput, type StartBatchOptions } from './batch-client';
export { HOUSEKEEPING_SCHEDULE_ID, ScheduleClient, type ScheduledJob, type ScheduleInfo, type SchedulePolicies, type ScheduleTiming } from './schedules';
export type * from '../shared/batch-types';
export type * from '../shared/run-types';
