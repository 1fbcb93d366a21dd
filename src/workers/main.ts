/**
 * Worker process entry point (production and docker-compose): connects to TEMPORAL_ADDRESS
 * and DATABASE_URL when set, else starts the embedded defaults, and serves the agents
 * until SIGTERM/SIGINT, when it drains in-flight tasks and exits. The exit code says how
 * it went: 0 only when the worker drained and every shutdown step succeeded; 1 when any
 * failed, or the worker stopped without being asked to (a supervisor should restart it).
 */
import { loadConfig } from '../infra/config';
import { createLogger } from '../infra/logger';
import { loadAgents } from './load-agents';
import { startStack } from './stack';

async function main(): Promise<number> {
  const config = loadConfig();
  const log = createLogger({ component: 'worker' }, config.LOG_LEVEL);
  const stack = await startStack({ config, log, agents: loadAgents(config.AGENTS_MODULE), withWorker: true });
  log.warn('worker started', { taskQueue: config.TASK_QUEUE, address: stack.address, agents: stack.agents.names(), pid: process.pid });
  let stopping: Promise<number> | undefined;
  const stop = (reason: string, failed: boolean): Promise<number> =>
    (stopping ??= (async () => {
      log.warn('shutting down', { reason });
      try {
        await stack.shutdown();
        return failed ? 1 : 0;
      } catch (err) {
        log.error('shutdown failed', { error: (err as Error).message });
        return 1;
      }
    })());
  const signalled = new Promise<number>((resolve) => {
    // `on`, not `once`: a second signal must not fall through to Node's default (exit mid-shutdown).
    process.on('SIGTERM', () => resolve(stop('SIGTERM', false)));
    process.on('SIGINT', () => resolve(stop('SIGINT', false)));
  });
  // The worker's run ends after a signal (then the shutdown decides the code), or on its
  // own when it failed: then the rest is shut down and the exit code is 1.
  const ended = stack.workerDone!.then(
    () => stop('worker stopped', stopping === undefined),
    (err: Error) => {
      log.error('worker failed', { error: err.message });
      return stop('worker failed', true).then(() => 1);
    },
  );
  return Promise.race([signalled, ended]).then(() => stopping!);
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`durable-agents worker: ${err.message}\n`);
    process.exit(1);
  },
);
