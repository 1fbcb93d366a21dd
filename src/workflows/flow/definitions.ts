/**
 * Names and types of `flowRun`'s query and update. The client imports this module, never
 * the workflow implementation.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { AnswerEscalationInput, FlowState } from '../../shared/flow-types';
import type { Decider } from '../../shared/run-types';

export const FLOW_RUN_WORKFLOW = 'flowRun';

/** Each node's status, output summary and cost; pending escalations; the decision trail. */
export const flowStateQuery = defineQuery<FlowState>('state');

/**
 * A person answers a waiting escalation node; refused unless that node is waiting and the
 * decision token (signed by the service for an approver of the flow's tenant) names this answer.
 */
export const answerEscalationUpdate = defineUpdate<{ nodeId: string; accepted: true; by?: Decider; at?: string }, [AnswerEscalationInput]>('answerEscalation');
