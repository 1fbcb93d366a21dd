/**
 * `durable-agents batch …` and `durable-agents schedule …`. They parse their own options
 * (cli.ts hands them the whole command line), check everything that needs no server
 * first, then connect.
 */
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../infra/config';
import type { BatchTargetInput, StartBatchOptions } from '../client/batch-client';
import { BATCH_OPTIONS, batchOptionsFrom, checkAgent, flowSpecFrom, inputsFrom, withBatchClient, type BatchOptionValues } from './batch-options';
import type { Out } from './commands';
import { UsageError } from './errors';
import { assertRunId } from '../client/ids';
import { followBatch, stdoutTerm, summaryLines, type Term } from './progress-bar';
import { SCHEDULE_USAGE, scheduleCommand } from './schedule-commands';
import { expectWorkflow } from './workflow-kind';
import { BATCH_RUN_WORKFLOW } from '../workflows/batch/definitions';

export const BATCH_USAGE = `usage: durable-agents batch <command> [options]

  batch start <agent> INPUTS       run an agent over many inputs and follow the progress
  batch start --flow F INPUTS      the same with a flow (spec.json or example name)
      INPUTS: --inputs FILE.jsonl | --query "SELECT …" | --item "text" [--item "text" …]
      [--concurrency N] [--tenant T] [--id ID] [--max-failure-ratio R] [--detach]
  batch status <id>                follow a batch's progress to its summary
  batch cancel <id>                cancel a batch (runs in flight are cancelled and compensate)`;

async function batchStart(config: Config, args: string[], o: BatchOptionValues, out: Out, term: Term): Promise<number> {
  if (o.flow !== undefined ? args.length !== 0 : args.length !== 1) throw new UsageError('expected: durable-agents batch start <agent> INPUTS  (or: batch start --flow F INPUTS)');
  const target: BatchTargetInput = o.flow !== undefined ? { flow: flowSpecFrom(o.flow) } : { agent: args[0]! };
  const inputs = inputsFrom(o);
  const opts: StartBatchOptions = { ...batchOptionsFrom(o), ...(o.id ? { id: assertRunId(o.id) } : {}) };
  return withBatchClient(config, async (agents, batches) => {
    if ('agent' in target) await checkAgent(agents, target.agent, true);
    const { id } = await batches.startBatch(target, inputs, opts);
    out(`▶ batch ${id}   ${'agent' in target ? `agent ${target.agent}` : `flow ${target.flow.name}`}   concurrency ${opts.concurrency ?? 10}`);
    if (o.detach) {
      out(`follow it: durable-agents batch status ${id}`);
      return 0;
    }
    for (const line of summaryLines(await followBatch(batches, id, term, out))) out(line);
    return 0;
  });
}

/** Entry point for `batch …` and `schedule …`; `argv` starts with the group name. */
export async function batchMain(argv: string[], out: Out, term: Term = stdoutTerm()): Promise<number> {
  const [group] = argv;
  const usage = group === 'schedule' ? SCHEDULE_USAGE : BATCH_USAGE;
  let parsed;
  try {
    parsed = parseArgs({ args: argv.slice(1), options: BATCH_OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    // One line: the first sentence of node's message ("Unknown option '--x'") and where help is.
    throw new UsageError(`${(err as Error).message.split('. ')[0]} (see: durable-agents ${group} --help)`);
  }
  const { values: o, positionals } = parsed;
  const [sub, ...args] = positionals;
  if (o.help || !sub || sub === 'help') {
    out(usage);
    return o.help || sub ? 0 : 2;
  }
  const config = loadConfig();
  if (group === 'schedule') return scheduleCommand(config, sub, args, o, out);
  switch (sub) {
    case 'start':
      return batchStart(config, args, o, out, term);
    case 'status': {
      if (args.length !== 1) throw new UsageError('expected: durable-agents batch status <id>');
      const id = assertRunId(args[0]!);
      return withBatchClient(config, async (_agents, batches) => {
        await expectWorkflow(batches.client, id, BATCH_RUN_WORKFLOW);
        for (const line of summaryLines(await followBatch(batches, id, term, out))) out(line);
        return 0;
      });
    }
    case 'cancel': {
      if (args.length !== 1) throw new UsageError('expected: durable-agents batch cancel <id>');
      const id = assertRunId(args[0]!);
      return withBatchClient(config, async (_agents, batches) => {
        await expectWorkflow(batches.client, id, BATCH_RUN_WORKFLOW, 'nothing to cancel');
        await batches.cancel(id);
        out(`cancellation requested for ${id}; runs in flight compensate first (see: durable-agents batch status ${id})`);
        return 0;
      });
    }
    default:
      throw new UsageError(`unknown batch command "${sub}" (start, status or cancel; see: durable-agents batch --help)`);
  }
}
