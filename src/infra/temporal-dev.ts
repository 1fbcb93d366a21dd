/**
 * The embedded Temporal dev server: `temporal server start-dev` with an SQLite file under
 * .data/, the Web UI, and this project's search attributes registered.
 */
import path from 'node:path';
import fs from 'node:fs';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/search-attributes';
import type { Logger } from './logger';
import { resolveTemporalCli, type TemporalCliSettings } from './temporal-cli';

export interface DevServerOptions {
  port?: number;
  uiPort?: number;
  /** Where the Web UI sends payloads to be decoded (`--ui-codec-endpoint`). */
  uiCodecEndpoint?: string;
  /** SQLite file; `null` keeps history in memory (tests). */
  dbFilename?: string | null;
  namespace?: string;
  /** A Temporal CLI binary to use instead of finding one, and the cache a built one goes to. */
  cli: TemporalCliSettings;
  log: Logger;
}

export interface DevServer {
  address: string;
  namespace: string;
  /** Web UI base URL, when the UI is on. */
  uiUrl?: string;
  env: TestWorkflowEnvironment;
  shutdown(): Promise<void>;
}

/**
 * Server settings that shorten an agent step: eager activity dispatch lets the worker
 * that completed a workflow task start the activity it scheduled without a round trip
 * through matching; WAL journaling keeps SQLite commits cheap. Exported for the bench,
 * which records them and varies them.
 */
export const PERFORMANCE_ARGS: readonly string[] = [
  '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
  '--dynamic-config-value', 'frontend.enableUpdateWorkflowExecution=true',
  // The single history shard polls its transfer queue at most 20 times/s by default, capping one run at ~50 ms/step.
  '--dynamic-config-value', 'history.transferProcessorMaxPollRPS=1000',
  '--sqlite-pragma', 'journal_mode=wal',
  '--sqlite-pragma', 'synchronous=normal',
];

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const executable = await resolveTemporalCli(opts.log, opts.cli);
  const namespace = opts.namespace ?? 'default';
  if (opts.dbFilename) fs.mkdirSync(path.dirname(opts.dbFilename), { recursive: true });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable,
      namespace,
      ip: '127.0.0.1',
      port: opts.port,
      dbFilename: opts.dbFilename ?? undefined,
      ui: opts.uiPort !== undefined,
      uiPort: opts.uiPort,
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
      extraArgs: [...PERFORMANCE_ARGS, ...(opts.uiCodecEndpoint ? ['--ui-codec-endpoint', opts.uiCodecEndpoint] : [])],
    },
  });
  const address = env.address;
  const uiUrl = opts.uiPort !== undefined ? `http://localhost:${opts.uiPort}` : undefined;
  return { address, namespace, uiUrl, env, shutdown: () => env.teardown() };
}
