/**
 * Worker process entry point (production and docker-compose): connects to TEMPORAL_ADDRESS
 * and DATABASE_URL when set, else starts the embedded defaults, and serves the agents
 * until SIGTERM/SIGINT, when it drains in-flight tasks and exits.
 */
import { loadConfig } from '../infra/config';
import { createLogger } from '../infra/logger';
import { loadAgents } from './load-agents';
import { startStack } from './stack';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger({ component: 'worker' });
  const stack = await startStack({ config, log, agents: loadAgents(config.AGENTS_MODULE), withWorker: true });
  log.warn('worker started', { taskQueue: config.TASK_QUEUE, address: stack.address, agents: stack.agents.names(), pid: process.pid });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.warn('shutting down', { signal });
    stack.shutdown().then(
      () => process.exit(0),
      (err: Error) => {
        log.error('shutdown failed', { error: err.message });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  await stack.workerDone;
}

main().catch((err: Error) => {
  process.stderr.write(`durable-agents worker: ${err.message}\n`);
  process.exit(1);
});
