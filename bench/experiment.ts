/**
 * Measurement-only stand-ins for startDevServer and createAgentWorker that accept
 * settings those functions do not expose (server flags, poller behaviour, …). They
 * copy the production settings and apply overrides on top, so a variant differs from
 * the real setup only by what it names. Findings go to the owners of src/; nothing in
 * src/ depends on this file.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from '../src/infra/logger';
import { loadConfig } from '../src/infra/config';
import { resolveTemporalCli } from '../src/infra/temporal-cli';
import { ALL_SEARCH_ATTRIBUTES } from '../src/shared/search-attributes';
import { agentWorkerOptions, type AgentWorkerOptions } from '../src/workers/agent-worker';

/** What a variant changes; unset means "as src/ does it". */
export interface Experiment {
  /** Replaces the dev server's performance flags (src/infra/temporal-dev.ts PERFORMANCE_ARGS). */
  serverArgs?: string[];
  /** Worker options merged over createAgentWorker's. */
  workerOptions?: Partial<WorkerOptions>;
}

/** startDevServer's call with `extraArgs` replaced. */
export async function startExperimentalServer(o: { dbFilename: string | null; serverArgs: readonly string[]; log: Logger }): Promise<{ address: string; namespace: string; shutdown(): Promise<void> }> {
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: await resolveTemporalCli(o.log, loadConfig()),
      namespace: 'default',
      ip: '127.0.0.1',
      dbFilename: o.dbFilename ?? undefined,
      ui: false,
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
      extraArgs: [...o.serverArgs],
    },
  });
  return { address: env.address, namespace: 'default', shutdown: () => env.teardown() };
}

/** createAgentWorker's options with `overrides` on top. */
export function createExperimentalWorker(o: AgentWorkerOptions & { overrides: Partial<WorkerOptions> }): Promise<Worker> {
  return Worker.create({ ...agentWorkerOptions(o), ...o.overrides });
}
