/**
 * Commands act on one kind of workflow each: an agent run, a flow, a batch. An id of
 * another kind (or, for commands that act on a live run, a run that has ended) is the
 * caller's mistake, named as such with the command that shows what the id is, instead of
 * failing inside a query or an update of the wrong workflow.
 */
import type { Client } from '@temporalio/client';
import { assertRunId, InvalidInputError } from './ids';
import { AGENT_RUN_WORKFLOW } from '../workflows/agent/definitions';
import { BATCH_RUN_WORKFLOW } from '../workflows/batch/definitions';
import { FLOW_RUN_WORKFLOW } from '../workflows/flow/definitions';

const KINDS: Record<string, { noun: string; status: string }> = {
  [AGENT_RUN_WORKFLOW]: { noun: 'an agent run', status: 'npx durable-agents status' },
  [FLOW_RUN_WORKFLOW]: { noun: 'a flow', status: 'npx durable-agents flow status' },
  [BATCH_RUN_WORKFLOW]: { noun: 'a batch', status: 'npx durable-agents batch status' },
};

/** `id` names another kind of workflow (`ended` false), or one that has ended (`ended` true). */
export class WrongWorkflowError extends InvalidInputError {
  constructor(
    message: string,
    readonly ended: boolean,
  ) {
    super(message);
  }
}

/** Checks that `id` is a workflow of `type`; with `open`, that it still runs (else `open` says why that matters). */
export async function expectWorkflow(client: Client, id: string, type: string, open?: string): Promise<void> {
  const d = await client.workflow.getHandle(assertRunId(id)).describe();
  if (d.type !== type) {
    const actual = KINDS[d.type];
    const what = actual ? `it is ${actual.noun}: use ${actual.status} ${id}` : `it is a workflow of type ${d.type}`;
    throw new WrongWorkflowError(`${id} is not ${KINDS[type]?.noun ?? `a ${type} workflow`} (${what})`, false);
  }
  if (open && d.status.name !== 'RUNNING') throw new WrongWorkflowError(`${id} has ended (${d.status.name.toLowerCase().replace('_', ' ')}): ${open}`, true);
}
