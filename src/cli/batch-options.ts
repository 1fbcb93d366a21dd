/**
 * Helpers shared by `batch …` and `schedule …`: input-source checks that need no server,
 * and a connection that turns database trouble into one line.
 */
import fs from 'node:fs';
import { BatchInputError } from '../batch/inputs';
import { FlowNotFoundError, InvalidFlowError, loadFlowSpec } from '../flows';
import type { FlowSpec } from '../shared/flow-types';
import type { Config } from '../infra/config';
import { NoWorkersError, type AgentClient } from '../client/agent-client';
import { PostgresInputStore } from '../batch/input-store';
import { BatchClient, type BatchInputs, type StartBatchOptions } from '../client/batch-client';
import { withClient } from './connect';
import { UsageError } from './errors';
import { postgresError } from './postgres-errors';
import type { BatchOptionValues } from './options';
import { InvalidInputError } from '../client/ids';

function positiveInt(name: string, v: string | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be an integer from 1 to ${max}, not "${v}"`);
  return n;
}

function ratio(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !(n >= 0 && n <= 1)) throw new UsageError(`--max-failure-ratio must be a number from 0 to 1, not "${v}"`);
  return n;
}

/** The one input source the options name, checked before anything connects. */
export function inputsFrom(o: BatchOptionValues): BatchInputs {
  const given = [o.inputs !== undefined, o.query !== undefined, o.item !== undefined].filter(Boolean).length;
  if (given !== 1) throw new UsageError('give exactly one input source: --inputs FILE.jsonl, --query "SQL" or --item "text" (repeatable)');
  if (o.inputs !== undefined) {
    if (!fs.existsSync(o.inputs) || !fs.statSync(o.inputs).isFile()) throw new InvalidInputError(`--inputs: no such file "${o.inputs}"`);
    return { jsonl: o.inputs };
  }
  if (o.query !== undefined) {
    if (!o.query.trim()) throw new InvalidInputError('--query is empty');
    return { query: o.query };
  }
  const items = o.item ?? [];
  const empty = items.findIndex((i) => !i.trim());
  if (empty >= 0) throw new InvalidInputError(`--item ${empty + 1} is empty`);
  return { items };
}

/** The flow a `--flow` option names (spec file or example name), validated; its problems are the user's to fix. */
export function flowSpecFrom(ref: string): FlowSpec {
  try {
    return loadFlowSpec(ref);
  } catch (err) {
    if (err instanceof InvalidFlowError || err instanceof FlowNotFoundError) throw new InvalidInputError(err.message);
    throw err;
  }
}

/** Batch options shared by `batch start` and `schedule create`. */
export function batchOptionsFrom(o: BatchOptionValues): Omit<StartBatchOptions, 'id'> {
  const concurrency = positiveInt('concurrency', o.concurrency, 1000);
  const maxFailureRatio = ratio(o['max-failure-ratio']);
  return { ...(o.tenant ? { tenantId: o.tenant } : {}), ...(concurrency ? { concurrency } : {}), ...(maxFailureRatio !== undefined ? { maxFailureRatio } : {}) };
}

/** Database trouble and bad input files as one line the user can act on. */
export async function clientErrors<T>(config: Config, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof BatchInputError) throw new InvalidInputError(err.message);
    throw postgresError(config, err, 'the batch tables');
  }
}

/** Connects, runs `fn` with an agent client and a batch client, and closes both. */
export function withBatchClient(config: Config, fn: (agents: AgentClient, batches: BatchClient) => Promise<number>): Promise<number> {
  return withClient(config, async (agents) => {
    const inputs = PostgresInputStore.fromConfig(config);
    const batches = new BatchClient(agents.client, agents.taskQueue, inputs);
    try {
      return await clientErrors(config, () => fn(agents, batches));
    } finally {
      await inputs.close().catch(() => undefined);
    }
  });
}

/**
 * Checks that the workers serve `agent`. Without workers polling, `batch start` fails
 * (nothing would run) while `schedule create` skips the check (the schedule runs later).
 */
export async function checkAgent(agents: AgentClient, agent: string, requireWorker: boolean): Promise<void> {
  const catalog = await agents.agentCatalog().catch((err: unknown) => {
    if (err instanceof NoWorkersError && !requireWorker) return undefined;
    throw err;
  });
  if (!catalog) return;
  if (!catalog.some((a) => a.name === agent)) throw new InvalidInputError(`unknown agent "${agent}" (known: ${catalog.map((a) => a.name).join(', ') || 'none'})`);
}

