/**
 * Names and types of `agentRun`'s queries and updates. The client imports this module,
 * never the workflow implementation.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AgentSummary } from '../../shared/agent-spec';
import type { AgentRunState, ApproveInput, Decider, RaiseBudgetInput, RejectInput } from '../../shared/run-types';

export const AGENT_RUN_WORKFLOW = 'agentRun';
export const AGENT_CATALOG_WORKFLOW = 'agentCatalog';

export const stateQuery = defineQuery<AgentRunState>('state');

/**
 * Approves a pending tool call; refused unless `argsHash` matches the call's arguments and
 * the decision token verifies (an approver of the run's tenant, signed by the service).
 */
export const approveUpdate = defineUpdate<{ callId: string; decision: 'approved'; by?: Decider; at?: string }, [ApproveInput]>('approve');

/** Rejects a pending tool call (with a decision token as for approve); the model is told, and the run goes on without it. */
export const rejectUpdate = defineUpdate<{ callId: string; decision: 'rejected'; by?: Decider; at?: string }, [RejectInput]>('reject');

/** Resumes a run paused by its budget policy, optionally with a new cap for this run. */
export const raiseBudgetUpdate = defineUpdate<{ resumed: true; runCapUsd?: number }, [RaiseBudgetInput]>('raiseBudget');

/** What a worker publishes to its task queue's catalog when it starts. */
export interface PublishedCatalog {
  agents: AgentSummary[];
  /** The publishing worker's identity and clock, for people reading the catalog's history. */
  worker: string;
  publishedAt: string;
}

export interface AgentCatalogInput {
  /** The catalog carried across continue-as-new. */
  current?: PublishedCatalog;
}

/** The id of a task queue's catalog workflow: one per queue, found without listing. */
export function agentCatalogId(taskQueue: string): string {
  if (taskQueue === 'agents') return 'durable-agents-catalog';
  return `durable-agents-catalog-${taskQueue}`;
}

export const catalogQuery = defineQuery<PublishedCatalog | null>('catalog');
export const publishCatalogSignal = defineSignal<[PublishedCatalog]>('publish');
