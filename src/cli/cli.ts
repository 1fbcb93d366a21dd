#!/usr/bin/env node
/**
 * durable-agents CLI. `dev` and `demo` host the whole service in this process; every
 * other command talks to a running service through the client SDK.
 */
import { parseArgs } from 'node:util';
import { debugEnabled, loadConfig } from '../infra/config';
import type { AgentClient } from '../client/agent-client';
import { batchMain } from './batch-commands';
import { demoCommand, devCommand } from './dev';
import { agentsCommand, approveCommand, cancelCommand, connect, listCommand, raiseBudgetCommand, rejectCommand, runCommand, statusCommand, type Out } from './commands';
import { describeError, UsageError } from './errors';
import { flowCommand, FLOW_USAGE } from './flow-commands';
import { guardCommand } from './guard-command';

const USAGE = `usage: durable-agents <command> [options]

  dev                              start Temporal (dev server + Web UI), Postgres and a worker
  demo                             start everything and run the support agent end to end
  run <agent> "<input>"            start a run and follow it   [--tenant T] [--id ID] [--max-steps N] [--detach]
  status <id>                      show a run's state
  approve <id> <callId>            approve a pending tool call [--by NAME]
  reject <id> <callId>             reject a pending tool call  [--reason TEXT] [--by NAME]
  cancel <id>                      cancel a run (its compensations run first)
  list                             list runs [--agent A] [--status S] [--tenant T] [--limit N]
  agents                           list the agents the workers serve
  raise-budget <id> [--run-cap USD]  resume a run paused by its budget policy (optionally with a new cap for the run)
  guard [--agent A] [--tenant T] [--role R]  check JSONL {"id","text","direction"} on stdin with the guardrails
  batch start|status|cancel        run an agent over many inputs    (durable-agents batch --help)
  schedule create|list|describe|pause|unpause|trigger|backfill|delete   Temporal Schedules for batches, flows, housekeeping
${FLOW_USAGE}

Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TASK_QUEUE, DATABASE_URL, POLICY_CONFIG, OPENAI_API_KEY, ANTHROPIC_API_KEY (see README).`;

const OPTIONS = {
  tenant: { type: 'string' },
  id: { type: 'string' },
  'max-steps': { type: 'string' },
  detach: { type: 'boolean' },
  by: { type: 'string' },
  reason: { type: 'string' },
  agent: { type: 'string' },
  status: { type: 'string' },
  limit: { type: 'string' },
  'run-cap': { type: 'string' },
  role: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, not "${v}"`);
  return n;
}

function positiveNumber(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, not "${v}"`);
  return n;
}

function need(args: string[], count: number, shape: string): string[] {
  if (args.length !== count) throw new UsageError(`expected: durable-agents ${shape}`);
  return args;
}

export async function main(argv: string[], out: Out = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  // batch and schedule parse their own options (batch-commands.ts).
  if (argv[0] === 'batch' || argv[0] === 'schedule') return batchMain(argv, out);
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (see: durable-agents --help)`);
  }
  const { values: o, positionals } = parsed;
  const [command, ...args] = positionals;
  if (o.help || !command || command === 'help') {
    out(USAGE);
    return command || o.help ? 0 : 2;
  }
  const config = loadConfig();

  if (command === 'dev' || command === 'demo') {
    need(args, 0, command);
    return command === 'dev' ? devCommand(config, out) : demoCommand(config, out);
  }

  if (command === 'guard') {
    need(args, 0, 'guard [--agent A] [--tenant T] [--role R] < input.jsonl');
    const err: Out = (l) => process.stderr.write(`${l}\n`);
    return guardCommand(config, { agent: o.agent, tenant: o.tenant, role: o.role }, { input: process.stdin, output: process.stdout, err });
  }

  const withClient = async (fn: (c: AgentClient) => Promise<number>): Promise<number> => {
    const client = await connect(config);
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  };
  switch (command) {
    case 'run': {
      const [agent, input] = need(args, 2, 'run <agent> "<input>"') as [string, string];
      const opts = { tenant: o.tenant, id: o.id, maxSteps: positiveInt('max-steps', o['max-steps']), detach: o.detach };
      return withClient((c) => runCommand(c, config, agent, input, opts, out));
    }
    case 'status':
      return withClient((c) => statusCommand(c, need(args, 1, 'status <id>')[0]!, out));
    case 'approve': {
      const [id, callId] = need(args, 2, 'approve <id> <callId>') as [string, string];
      return withClient((c) => approveCommand(c, id, callId, o.by, out));
    }
    case 'reject': {
      const [id, callId] = need(args, 2, 'reject <id> <callId> [--reason TEXT]') as [string, string];
      return withClient((c) => rejectCommand(c, id, callId, o.reason, o.by, out));
    }
    case 'cancel':
      return withClient((c) => cancelCommand(c, need(args, 1, 'cancel <id>')[0]!, out));
    case 'list':
      need(args, 0, 'list [--agent A] [--status S] [--tenant T] [--limit N]');
      return withClient((c) => listCommand(c, { agent: o.agent, status: o.status, tenant: o.tenant, limit: positiveInt('limit', o.limit) }, out));
    case 'raise-budget': {
      const [id] = need(args, 1, 'raise-budget <id> [--run-cap USD] [--by NAME]') as [string];
      return withClient((c) => raiseBudgetCommand(c, id, positiveNumber('run-cap', o['run-cap']), o.by, out));
    }
    case 'agents':
      need(args, 0, 'agents');
      return withClient((c) => agentsCommand(c, out));
    case 'flow':
      return withClient((c) => flowCommand(c, config, args, { tenant: o.tenant, id: o.id, detach: o.detach, by: o.by }, out));
    default:
      throw new UsageError(`unknown command "${command}" (see: durable-agents --help)`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const { message, exitCode } = describeError(err);
      process.stderr.write(`durable-agents: ${message}\n`);
      if (debugEnabled()) process.stderr.write(`${(err as Error)?.stack ?? ''}\n`);
      process.exit(exitCode);
    },
  );
}
