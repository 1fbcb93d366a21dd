/**
 * Names and types of `flowRun`'s query and update. The client imports this module, never
 * the workflow implementation.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { EscalationAnswer, FlowState } from '../../shared/flow-types';

export const FLOW_RUN_WORKFLOW = 'flowRun';

/** Each node's status, output summary and cost; pending escalations; the decision trail. */
export const flowStateQuery = defineQuery<FlowState>('state');

/** A person answers a waiting escalation node; refused unless that node is waiting. */
export const answerEscalationUpdate = defineUpdate<{ nodeId: string; accepted: true }, [EscalationAnswer]>('answerEscalation');
