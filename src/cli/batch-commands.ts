/**
 * `durable-agents batch start | status | cancel | list`: checks everything that needs no
 * server first, then connects.
 * (cli.ts parses the command line with the batch and schedule option table.)
 */
import type { Config } from '../infra/config';
import { BatchClient, type BatchTargetInput, type StartBatchOptions } from '../client/batch-client';
import { batchOptionsFrom, checkAgent, flowSpecFrom, inputsFrom, withBatchClient } from './batch-options';
import type { Out } from './commands';
import { withClient } from './connect';
import { UsageError } from './errors';
import { BATCH_LISTING, checkListing, listingLines } from './listing';
import type { BatchOptionValues } from './options';
import { assertRunId } from '../client/ids';
import { followBatch, stdoutTerm, summaryLines, type Term } from './progress-bar';
import { expectWorkflow } from '../client/workflow-kind';
import { BATCH_RUN_WORKFLOW } from '../workflows/batch/definitions';

async function batchStart(config: Config, args: string[], o: BatchOptionValues, out: Out, term: Term): Promise<number> {
  if (o.flow !== undefined ? args.length !== 0 : args.length !== 1) throw new UsageError('expected: npx durable-agents batch start <agent> INPUTS  (or: batch start --flow F INPUTS)');
  const target: BatchTargetInput = o.flow !== undefined ? { flow: flowSpecFrom(o.flow) } : { agent: args[0]! };
  const inputs = inputsFrom(o);
  const opts: StartBatchOptions = { ...batchOptionsFrom(o), ...(o.id ? { id: assertRunId(o.id) } : {}) };
  return withBatchClient(config, async (agents, batches) => {
    if ('agent' in target) await checkAgent(agents, target.agent, true);
    const { id } = await batches.startBatch(target, inputs, opts);
    out(`▶ batch ${id}   ${'agent' in target ? `agent ${target.agent}` : `flow ${target.flow.name}`}   concurrency ${opts.concurrency ?? 10}`);
    if (o.detach) {
      out(`follow it: npx durable-agents batch status ${id}`);
      return 0;
    }
    for (const line of summaryLines(await followBatch(batches, id, term, out))) out(line);
    return 0;
  });
}

/** Runs `batch <sub> …`. */
export async function batchCommand(config: Config, sub: string, args: string[], o: BatchOptionValues, out: Out, term: Term = stdoutTerm()): Promise<number> {
  switch (sub) {
    case 'start':
      return batchStart(config, args, o, out, term);
    case 'status': {
      if (args.length !== 1) throw new UsageError('expected: npx durable-agents batch status <id>');
      const id = assertRunId(args[0]!);
      return withBatchClient(config, async (_agents, batches) => {
        await expectWorkflow(batches.client, id, BATCH_RUN_WORKFLOW);
        for (const line of summaryLines(await followBatch(batches, id, term, out))) out(line);
        return 0;
      });
    }
    case 'cancel': {
      if (args.length !== 1) throw new UsageError('expected: npx durable-agents batch cancel <id>');
      const id = assertRunId(args[0]!);
      return withBatchClient(config, async (_agents, batches) => {
        await expectWorkflow(batches.client, id, BATCH_RUN_WORKFLOW, 'nothing to cancel');
        await batches.cancel(id);
        out(`cancellation requested for ${id}; runs in flight compensate first (see: npx durable-agents batch status ${id})`);
        return 0;
      });
    }
    case 'list': {
      if (args.length) throw new UsageError('expected: npx durable-agents batch list [--agent A] [--status S] [--tenant T] [--limit N]');
      const query = checkListing(BATCH_LISTING, { agent: o.agent, status: o.status, tenant: o.tenant, limit: o.limit });
      // Listing needs no input store (and so no Postgres).
      return withClient(config, async (agents) => {
        const found = await new BatchClient(agents.client, agents.taskQueue).list({ agent: o.agent, tenantId: o.tenant, ...(query.status ? { status: query.status } : {}), limit: query.limit + 1 });
        listingLines(BATCH_LISTING, found, query).forEach(out);
        return 0;
      });
    }
    default:
      throw new UsageError(`unknown batch command "${sub}" (start, status, cancel or list; see: npx durable-agents batch --help)`);
  }
}
