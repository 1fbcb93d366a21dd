/**
 * `durable-agents dev` and `durable-agents demo`: the whole service in one process on the
 * embedded defaults (Temporal dev server with Web UI, embedded Postgres, one worker).
 */
import { Client, Connection } from '@temporalio/client';
import { AgentClient } from '../client/agent-client';
import { webUiLink, resultText, modelLabel } from './render';
import { watchRun } from './watch';
import type { Config } from '../infra/config';
import { temporalConnectionOptions } from '../infra/connection';
import { createLogger } from '../infra/logger';
import { temporalErrors } from './connect';
import { loadAgents } from '../workers/load-agents';
import { startStack, type Stack } from '../workers/stack';

type Out = (line: string) => void;

export const DEMO_ORDER = 'ORD-1001';
export const DEMO_TASK = `My espresso machine from order ${DEMO_ORDER} arrived broken. Please refund it and let me know.`;

async function boot(config: Config, out: Out): Promise<Stack> {
  out(config.TEMPORAL_ADDRESS ? `connecting to Temporal at ${config.TEMPORAL_ADDRESS}…` : 'starting Temporal dev server, Postgres and a worker…');
  return startStack({ config, log: createLogger({ component: 'dev' }, config.LOG_LEVEL), agents: loadAgents(config.AGENTS_MODULE), withWorker: true });
}

function describe(stack: Stack, config: Config, out: Out): void {
  out(`Temporal:   ${stack.address} (namespace ${stack.namespace})`);
  if (stack.uiUrl) out(`Web UI:     ${stack.uiUrl}${stack.serviceUrl ? ` (payloads encrypted; decoded by the codec server at ${stack.serviceUrl}/codec)` : ''}`);
  out(`Postgres:   ${stack.db.url.replace(/:[^:@/]+@/, ':***@')}`);
  out(`Worker:     task queue "${config.TASK_QUEUE}", agents: ${stack.agents.names().join(', ')}`);
}

function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
    // The terminal closed: stop as on Ctrl+C, so no server is left behind.
    process.once('SIGHUP', () => resolve('SIGHUP'));
  });
}

export async function devCommand(config: Config, out: Out): Promise<number> {
  const stack = await boot(config, out);
  describe(stack, config, out);
  out('Ready. Try: npx durable-agents run research "What is the combined population of France and Germany?"');
  out('Press Ctrl+C to stop.');
  await Promise.race([untilSignal(), stack.workerDone]);
  out('stopping…');
  await stack.shutdown();
  return 0;
}

/**
 * Runs the support agent end to end: lookup → refund (a breakpoint, since it is above
 * $100, which the demo approves as an operator would) → notify → answer.
 */
export async function demoCommand(config: Config, out: Out): Promise<number> {
  const stack = await boot(config, out);
  const connection = await Connection.connect(temporalConnectionOptions(config, stack.address));
  const client = new AgentClient(new Client({ connection, namespace: stack.namespace, dataConverter: stack.dataConverter }), config.TASK_QUEUE);
  try {
    describe(stack, config, out);
    const agent = stack.agents.spec('support');
    if (!agent) throw new Error('the demo needs the example "support" agent; unset AGENTS_MODULE');
    // The demo refunds the example order in full, and refunds never exceed an order: the
    // refunds of earlier demos on this data directory are reversed first, so it runs again.
    await stack.db.pool.query("UPDATE refunds SET status = 'reversed', reversed_at = now() WHERE order_id = $1 AND status = 'issued'", [DEMO_ORDER]);
    out('');
    out(`task: ${DEMO_TASK}`);
    const { id } = await client.start('support', DEMO_TASK, { tenantId: 'acme' });
    out(`▶ ${id}   agent support   model ${modelLabel(agent.model)}`);
    const result = await temporalErrors(() => watchRun(client, id, out, {
      onApproval: async (s) => {
        for (const p of s.pendingApprovals) {
          out(`  → demo operator approves ${p.tool} [${p.callId}] (in production a person runs: npx durable-agents approve ${id} ${p.callId})`);
          await client.approve(id, p.callId, p.argsHash, 'demo-operator');
        }
      },
    }));
    out(resultText(result));
    const ui = config.TEMPORAL_UI_URL ?? stack.uiUrl;
    if (ui) out(`Web UI: ${webUiLink(ui, stack.namespace, id)}`);
    if (process.stdout.isTTY && !config.CI) {
      out('The Web UI stays up until you press Ctrl+C.');
      await untilSignal();
    }
    return 0;
  } finally {
    await connection.close();
    await stack.shutdown();
  }
}
