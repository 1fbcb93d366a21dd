#!/usr/bin/env node
/**
 * durable-agents CLI. `dev` and `demo` host the whole service in this process; every
 * other command talks to a running service through the client SDK.
 *
 * A command's module is loaded when that command runs, after its command line is checked:
 * the client SDK alone takes a few hundred milliseconds to load, and `dev` brings the
 * worker, Postgres and the provider SDKs, none of which `--help` or `status` need.
 */
import { inspect } from 'node:util';
import type * as Audit from './audit-commands';
import type * as Batch from './batch-commands';
import type * as Commands from './commands';
import type * as CodecServer from './codec-server-command';
import type * as Connect from './connect';
import type * as Decisions from './decision-commands';
import type * as Dev from './dev';
import type * as Flow from './flow-commands';
import type * as Guard from './guard-command';
import type * as Keyring from './keyring-command';
import type * as Keys from './keys-commands';
import type * as Schedule from './schedule-commands';
import type * as ConfigModule from '../infra/config';
import type { AgentClient } from '../client/agent-client';
import { debugEnabled } from '../infra/env-switch';
import { assertRunId } from '../client/ids';
import { describeError, UsageError } from './errors';
import { checkListing, RUN_LISTING } from './listing';
import { BATCH_OPTIONS, KEYS_OPTIONS, need, OPTIONS, parseCommandLine, positiveInt, positiveNumber } from './options';
import { BATCH_USAGE, KEYS_USAGE, SCHEDULE_USAGE, USAGE } from './usage';

type Out = (line: string) => void;

// require, not import(): tsc keeps import() as an ES module import, which this CommonJS build cannot resolve without file extensions.
const load = {
  config: (): typeof ConfigModule => require('../infra/config'),
  commands: (): typeof Commands => require('./commands'),
  codecServer: (): typeof CodecServer => require('./codec-server-command'),
  connect: (): typeof Connect => require('./connect'),
  batch: (): typeof Batch => require('./batch-commands'),
  schedule: (): typeof Schedule => require('./schedule-commands'),
  flow: (): typeof Flow => require('./flow-commands'),
  dev: (): typeof Dev => require('./dev'),
  guard: (): typeof Guard => require('./guard-command'),
  keyring: (): typeof Keyring => require('./keyring-command'),
  audit: (): typeof Audit => require('./audit-commands'),
  decisions: (): typeof Decisions => require('./decision-commands'),
  keys: (): typeof Keys => require('./keys-commands'),
};

/** `--by` named the decider as free text; the credential's principal does now. */
function noBy(by: string | undefined): void {
  if (by !== undefined) throw new UsageError('--by is gone: who decides is the principal of DURABLE_AGENTS_API_KEY or DURABLE_AGENTS_TOKEN');
}

/** `keys …`: its own option table (--role repeats). */
async function keysMain(argv: string[], out: Out): Promise<number> {
  const { values: o, positionals } = parseCommandLine(argv, KEYS_OPTIONS, 'keys');
  const [sub, ...args] = positionals;
  if (o.help || !sub || sub === 'help') {
    out(KEYS_USAGE);
    return o.help || sub ? 0 : 2;
  }
  return load.keys().keysCommand(load.config().loadConfig(), sub, args, o, out);
}

/** `batch …` and `schedule …`: their own option table and usage; `argv` starts with the group name. */
async function groupMain(group: 'batch' | 'schedule', argv: string[], out: Out): Promise<number> {
  const { values: o, positionals } = parseCommandLine(argv, BATCH_OPTIONS, group);
  const [sub, ...args] = positionals;
  if (o.help || !sub || sub === 'help') {
    out(group === 'schedule' ? SCHEDULE_USAGE : BATCH_USAGE);
    return o.help || sub ? 0 : 2;
  }
  const config = load.config().loadConfig();
  return group === 'schedule' ? load.schedule().scheduleCommand(config, sub, args, o, out) : load.batch().batchCommand(config, sub, args, o, out);
}

export async function main(argv: string[], out: Out = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  if (argv[0] === 'batch' || argv[0] === 'schedule') return groupMain(argv[0], argv.slice(1), out);
  if (argv[0] === 'keys') return keysMain(argv.slice(1), out);
  const { values: o, positionals } = parseCommandLine(argv, OPTIONS);
  const [command, ...args] = positionals;
  if (o.help || !command || command === 'help') {
    out(USAGE);
    return command || o.help ? 0 : 2;
  }
  // The command line is checked before the configuration is read, and both before a command module loads.
  const config = (): ConfigModule.Config => load.config().loadConfig();

  if (command === 'dev' || command === 'demo') {
    need(args, 0, command);
    return command === 'dev' ? load.dev().devCommand(config(), out) : load.dev().demoCommand(config(), out);
  }

  if (command === 'codec-server') {
    need(args, 0, command);
    return load.codecServer().codecServerCommand(config(), out);
  }

  if (command === 'keyring') {
    need(args, 1, 'keyring rotate');
    return load.keyring().keyringCommand(config(), args[0], out);
  }

  if (command === 'guard') {
    need(args, 0, 'guard [--agent A] [--tenant T] [--role R] < input.jsonl');
    const err: Out = (l) => process.stderr.write(`${l}\n`);
    return load.guard().guardCommand(config(), { agent: o.agent, tenant: o.tenant, role: o.role }, { input: process.stdin, output: process.stdout, err });
  }

  const withClient = (fn: (client: AgentClient, commands: typeof Commands, config: ConfigModule.Config) => Promise<number>): Promise<number> => {
    const c = config();
    return load.connect().withClient(c, (client) => fn(client, load.commands(), c));
  };
  switch (command) {
    case 'run': {
      const [agent, input] = need(args, 2, 'run <agent> "<input>"') as [string, string];
      const opts = { tenant: o.tenant, id: o.id, maxSteps: positiveInt('max-steps', o['max-steps']), detach: o.detach };
      return withClient((c, cmd, cfg) => cmd.runCommand(c, cfg, agent, input, opts, out));
    }
    case 'status': {
      const [id] = need(args, 1, 'status <id>') as [string];
      return withClient((c, cmd) => cmd.statusCommand(c, id, out));
    }
    case 'approve': {
      const [id, callId] = need(args, 2, 'approve <id> <callId>') as [string, string];
      noBy(o.by);
      return load.decisions().approveCommand(config(), assertRunId(id), callId, out);
    }
    case 'reject': {
      const [id, callId] = need(args, 2, 'reject <id> <callId> [--reason TEXT]') as [string, string];
      noBy(o.by);
      return load.decisions().rejectCommand(config(), assertRunId(id), callId, o.reason, out);
    }
    case 'cancel': {
      const [id] = need(args, 1, 'cancel <id>') as [string];
      return withClient((c, cmd) => cmd.cancelCommand(c, id, out));
    }
    case 'list': {
      need(args, 0, 'list [--agent A] [--status S] [--tenant T] [--batch ID] [--limit N]');
      const query = checkListing(RUN_LISTING, { agent: o.agent, status: o.status, tenant: o.tenant, batch: o.batch, limit: o.limit });
      const filter = { agent: o.agent, tenantId: o.tenant, ...(o.batch !== undefined ? { batchId: assertRunId(o.batch) } : {}) };
      return withClient((c, cmd) => cmd.listCommand(c, filter, query, out));
    }
    case 'raise-budget': {
      const [id] = need(args, 1, 'raise-budget <id> [--run-cap USD] [--by NAME]') as [string];
      const runCap = positiveNumber('run-cap', o['run-cap']);
      return withClient((c, cmd) => cmd.raiseBudgetCommand(c, id, runCap, o.by, out));
    }
    case 'agents':
      need(args, 0, 'agents');
      return withClient((c, cmd) => cmd.agentsCommand(c, out));
    case 'flow':
      if (args[0] === 'answer') {
        const [id, nodeId, answer] = need(args.slice(1), 3, 'flow answer <id> <nodeId> "<answer>"') as [string, string, string];
        noBy(o.by);
        return load.decisions().answerCommand(config(), assertRunId(id), nodeId, answer, out);
      }
      return load.flow().flowCommand(config(), args, o, out);
    case 'audit': {
      const [sub, ...rest] = args;
      return load.audit().auditCommand(config(), sub, rest, { tenant: o.tenant, since: o.since }, out);
    }
    default:
      throw new UsageError(`unknown command "${command}" (see: npx durable-agents --help)`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const { message, exitCode } = describeError(err);
      process.stderr.write(`durable-agents: ${message}\n`);
      // inspect: the stack with its causes, or whatever was thrown when it is not an Error.
      if (debugEnabled()) process.stderr.write(`${inspect(err)}\n`);
      process.exit(exitCode);
    },
  );
}
