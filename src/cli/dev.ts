/**
 * `durable-agents dev` and `durable-agents demo`: the whole service in one process on the
 * embedded defaults (Temporal dev server with Web UI, embedded Postgres, one worker).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { AgentClient } from '../client/agent-client';
import type pg from 'pg';
import { verifyAudit } from '../audit/log';
import { ServiceClient } from '../client/service-client';
import { writeSecret } from '../encryption/secret-file';
import { webUiLink, resultText, modelLabel } from './render';
import { watchRun } from './watch';
import type { Config } from '../infra/config';
import { temporalConnectionOptions } from '../infra/connection';
import { createLogger, type Logger } from '../infra/logger';
import { temporalErrors } from './connect';
import { startLocalService, type LocalService } from '../service/start';
import type { ServiceTrust } from '../trust/from-config';
import { loadAgents } from '../workers/load-agents';
import { startStack, type Stack } from '../workers/stack';

type Out = (line: string) => void;

export const DEMO_ORDER = 'ORD-1001';
export const DEMO_TASK = `My espresso machine from order ${DEMO_ORDER} arrived broken. Please refund it and let me know.`;

interface Booted {
  stack: Stack;
  service: LocalService;
  shutdown(): Promise<void>;
}

async function boot(config: Config, out: Out): Promise<Booted> {
  out(config.TEMPORAL_ADDRESS ? `connecting to Temporal at ${config.TEMPORAL_ADDRESS}…` : 'starting Temporal dev server, Postgres, a worker and the service…');
  const log: Logger = createLogger({ component: 'dev' }, config.LOG_LEVEL);
  const stack = await startStack({ config, log, agents: loadAgents(config.AGENTS_MODULE), withWorker: true, withService: true });
  let service: LocalService;
  try {
    service = await startLocalService({ config, address: stack.address, namespace: stack.namespace, pool: stack.db.pool, log, keyring: stack.keyring, dataConverter: stack.dataConverter });
  } catch (err) {
    await stack.shutdown().catch(() => undefined);
    throw err;
  }
  return {
    stack,
    service,
    async shutdown() {
      await service.close().catch((err: Error) => log.warn('service shutdown failed', { error: err.message }));
      await stack.shutdown();
    },
  };
}

function describe({ stack, service }: Booted, config: Config, out: Out): void {
  out(`Temporal:   ${stack.address} (namespace ${stack.namespace})`);
  if (stack.uiUrl) out(`Web UI:     ${stack.uiUrl}${stack.keyring ? ` (payloads encrypted; decoded by the codec server at ${service.url}/codec)` : ''}`);
  out(`Postgres:   ${stack.db.url.replace(/:[^:@/]+@/, ':***@')}`);
  out(`Worker:     task queue "${config.TASK_QUEUE}", agents: ${stack.agents.names().join(', ')}`);
  out(`Service:    ${service.url} (approvals and escalation answers; make a key: npx durable-agents keys create --help)`);
}

/** The demo's approver: a principal made on first use, its key kept in the data directory (mode 0600). */
async function demoApprover(config: Config, trust: ServiceTrust): Promise<string> {
  const file = path.join(config.DURABLE_AGENTS_DATA_DIR, 'demo-operator.key');
  if (fs.existsSync(file)) {
    const key = fs.readFileSync(file, 'utf8').trim();
    // Still known (the database may have been reset): use it.
    if (await trust.authenticate(`Bearer ${key}`).then(() => true, () => false)) return key;
  }
  const { key } = await trust.store.create({ name: 'demo operator', tenant: 'acme', roles: ['approver'] });
  writeSecret(file, `${key}\n`);
  return key;
}

/** What the run left in the audit trail, and whether the tenant's chain verifies. */
async function auditLine(pool: pg.Pool, runId: string): Promise<string> {
  const { rows } = await pool.query<{ kind: string; principal: string }>("SELECT kind, principal FROM audit_log WHERE tenant_id = 'acme' AND workflow_id = $1 ORDER BY seq", [runId]);
  const { intact, broken } = await verifyAudit(pool, 'acme');
  const kinds = rows.map((r) => (r.kind === 'approval' ? `approval by ${r.principal}` : r.kind)).join(', ');
  const chain = broken.length ? `BROKEN at seq ${broken[0]!.seq}: ${broken[0]!.problem}` : `intact (${intact[0]?.rows ?? 0} rows)`;
  return `audit: ${kinds || 'nothing'}; tenant acme's chain ${chain} (npx durable-agents audit verify --tenant acme)`;
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
  const booted = await boot(config, out);
  describe(booted, config, out);
  out('Ready. Try: npx durable-agents run research "What is the combined population of France and Germany?"');
  out('Press Ctrl+C to stop.');
  await Promise.race([untilSignal(), booted.stack.workerDone]);
  out('stopping…');
  await booted.shutdown();
  return 0;
}

/**
 * Runs the support agent end to end: lookup → refund (a breakpoint, since it is above
 * $100, which the demo approves through the service as an authenticated approver of the
 * tenant, the "demo operator") → notify → answer.
 */
export async function demoCommand(config: Config, out: Out): Promise<number> {
  const booted = await boot(config, out);
  const { stack } = booted;
  const connection = await Connection.connect(temporalConnectionOptions(config, stack.address));
  const client = new AgentClient(new Client({ connection, namespace: stack.namespace, dataConverter: stack.dataConverter }), config.TASK_QUEUE);
  try {
    describe(booted, config, out);
    const approver = new ServiceClient({ url: booted.service.url, credential: await demoApprover(config, booted.service.trust) });
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
          await approver.approve(id, p.callId, { argsHash: p.argsHash });
        }
      },
    }));
    out(resultText(result));
    out(await auditLine(stack.db.pool, id));
    const ui = config.TEMPORAL_UI_URL ?? stack.uiUrl;
    if (ui) out(`Web UI: ${webUiLink(ui, stack.namespace, id)}`);
    if (process.stdout.isTTY && !config.CI) {
      out('The Web UI stays up until you press Ctrl+C.');
      await untilSignal();
    }
    return 0;
  } finally {
    await connection.close();
    await booted.shutdown();
  }
}
