/**
 * The CLI's option tables and their parsing: checked before any command module loads, so
 * a mistyped command line answers at once.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors';

/** Options of the top-level commands (`run`, `status`, `list`, `flow …`, …). */
export const OPTIONS = {
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
  flow: { type: 'string' },
  batch: { type: 'string' },
  since: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Options of `batch …` and `schedule …`: one table, since they parse the same command line. */
export const BATCH_OPTIONS = {
  // batch
  inputs: { type: 'string' },
  query: { type: 'string' },
  item: { type: 'string', multiple: true },
  flow: { type: 'string' },
  concurrency: { type: 'string' },
  'max-failure-ratio': { type: 'string' },
  tenant: { type: 'string' },
  id: { type: 'string' },
  detach: { type: 'boolean' },
  status: { type: 'string' },
  limit: { type: 'string' },
  // schedule
  agent: { type: 'string' },
  input: { type: 'string' },
  housekeeping: { type: 'boolean' },
  cron: { type: 'string', multiple: true },
  every: { type: 'string' },
  offset: { type: 'string' },
  timezone: { type: 'string' },
  overlap: { type: 'string' },
  'catchup-window': { type: 'string' },
  'pause-on-failure': { type: 'boolean' },
  paused: { type: 'boolean' },
  note: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Options of `keys …`. */
export const KEYS_OPTIONS = {
  name: { type: 'string' },
  tenant: { type: 'string' },
  role: { type: 'string', multiple: true },
  service: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Parsed<O extends typeof OPTIONS | typeof BATCH_OPTIONS | typeof KEYS_OPTIONS> = ReturnType<typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>>;
export type OptionValues = Parsed<typeof OPTIONS>['values'];
export type BatchOptionValues = Parsed<typeof BATCH_OPTIONS>['values'];
export type KeysOptionValues = Parsed<typeof KEYS_OPTIONS>['values'];

/**
 * Parses `args` against `options`. A bad option is one line: the first sentence of
 * node's message ("Unknown option '--x'") and where help is (`durable-agents [group] --help`).
 */
export function parseCommandLine<O extends typeof OPTIONS | typeof BATCH_OPTIONS | typeof KEYS_OPTIONS>(args: string[], options: O, group?: string): Parsed<O> {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as Parsed<O>;
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('. ')[0]} (see: npx durable-agents ${group ? `${group} ` : ''}--help)`);
  }
}

export function positiveInt(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, not "${v}"`);
  return n;
}

export function positiveNumber(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, not "${v}"`);
  return n;
}

/** Exactly `count` positional arguments, else the command's shape as the error. */
export function need(args: string[], count: number, shape: string): string[] {
  if (args.length !== count) throw new UsageError(`expected: npx durable-agents ${shape}`);
  return args;
}
