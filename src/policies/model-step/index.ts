/** The model step's policy pipeline: guardrails, cache, route, budget and tool plans around one provider call. */
export { runModelStep } from './step';
export type { ModelStep } from './step';
export type { ModelCall, ModelStepPolicies, ModelStepResult, PendingCharge } from './types';
