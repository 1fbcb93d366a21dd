/** `durable-agents schedule …`: Temporal Schedules for batches, flows and housekeeping. */
import { ScheduleAlreadyRunning, ScheduleNotFoundError } from '@temporalio/client';
import type { Config } from '../infra/config';
import type { BatchTargetInput } from '../client/batch-client';
import { batchOptionsFrom, checkAgent, flowSpecFrom, inputsFrom, withBatchClient } from './batch-options';
import type { Out } from './commands';
import { UsageError } from './errors';
import type { BatchOptionValues } from './options';
import { DURATION_HINT, isDuration } from '../shared/duration';
import { InvalidInputError } from '../client/ids';
import { assertScheduleId, OVERLAP_POLICIES, ScheduleClient, type OverlapName, type ScheduledJob, type ScheduleInfo } from '../client/schedules';

function overlap(v: string | undefined): OverlapName | undefined {
  if (v === undefined) return undefined;
  if (!(v in OVERLAP_POLICIES)) throw new UsageError(`unknown overlap policy "${v}" (one of: ${Object.keys(OVERLAP_POLICIES).join(', ')})`);
  return v as OverlapName;
}

function date(name: string, v: string | undefined): Date {
  if (v === undefined) throw new UsageError(`schedule backfill needs --${name} ISO-TIME (e.g. 2025-01-01T00:00:00Z)`);
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name} must be an ISO time like 2025-01-01T00:00:00Z, not "${v}"`);
  return d;
}

function one(args: string[], shape: string): string {
  if (args.length !== 1) throw new UsageError(`expected: npx durable-agents schedule ${shape}`);
  return assertScheduleId(args[0]!);
}

/** What `schedule create` runs, from the options; checked before anything connects. */
export function jobFrom(o: BatchOptionValues): ScheduledJob {
  const kinds = [o.agent !== undefined, o.flow !== undefined, Boolean(o.housekeeping)].filter(Boolean).length;
  if (kinds !== 1) throw new UsageError('schedule create needs exactly one of --agent A, --flow F or --housekeeping');
  if (o.housekeeping) return { kind: 'housekeeping' };
  if (o.flow !== undefined && o.input !== undefined) {
    if (o.inputs !== undefined || o.query !== undefined || o.item !== undefined) throw new UsageError('--input (one flow run) cannot be combined with --inputs, --query or --item (a batch)');
    return { kind: 'flow', spec: flowSpecFrom(o.flow), input: o.input, ...(o.tenant ? { tenantId: o.tenant } : {}) };
  }
  const target: BatchTargetInput = o.flow !== undefined ? { flow: flowSpecFrom(o.flow) } : { agent: o.agent! };
  return { kind: 'batch', target, inputs: inputsFrom(o), options: batchOptionsFrom(o) };
}

/** A span as people read it: `365d`, `1h30m`, `45s`. */
function spanOf(ms: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]];
  let rest = Math.round(ms / 1000) * 1000;
  const parts: string[] = [];
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('') || '0s';
}

/**
 * A time as the schedule's own clock shows it, with the offset (`2025-01-02 03:00:00 +09:00`):
 * cron expressions are read in that zone, so its times are what a person checks them against.
 */
export function zonedTime(d: Date, timeZone: string): string {
  let parts: Intl.DateTimeFormatPart[];
  try {
    const format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'longOffset' });
    parts = format.formatToParts(d);
  } catch {
    return d.toISOString(); // a zone the server knows and this Node does not
  }
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  const offset = part('timeZoneName').replace('GMT', '') || '+00:00';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}:${part('second')} ${offset}`;
}

function describeLines(s: ScheduleInfo): string[] {
  const at = (d: Date) => zonedTime(d, s.timezone);
  const lines = [
    `${s.id}  ${s.kind}${s.workflowType ? ` (${s.workflowType})` : ''}  ${s.timing}  ${s.paused ? 'PAUSED' : 'active'}${s.note ? `  — ${s.note}` : ''}`,
  ];
  if (s.overlap !== undefined) lines.push(`  overlap ${s.overlap}   catch-up window ${spanOf(s.catchupWindowMs ?? 0)}   pause on failure ${s.pauseOnFailure ? 'yes' : 'no'}   actions taken ${s.actionsTaken ?? 0}`);
  for (const a of s.recentActions) lines.push(`  ran ${a.workflowId}  (scheduled ${at(a.scheduledAt)})`);
  if (s.nextActionTimes.length) lines.push(`  next (${s.timezone}): ${s.nextActionTimes.slice(0, 3).map(at).join(', ')}`);
  return lines;
}

/** Server errors about schedules, as one line. */
async function scheduleErrors<T>(id: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new Error(`no schedule with id "${id ?? '?'}"`);
    if (err instanceof ScheduleAlreadyRunning) throw new Error(`a schedule with id "${id ?? '?'}" already exists`);
    const e = err as { code?: number; details?: string };
    if (e?.code === 3 && e.details) throw new InvalidInputError(`the server refused the schedule: ${e.details}`);
    throw err;
  }
}

export async function scheduleCommand(config: Config, sub: string, args: string[], o: BatchOptionValues, out: Out): Promise<number> {
  // Parse and check first: a bad command line needs no server.
  let run: (s: ScheduleClient) => Promise<void>;
  let id: string | undefined;
  switch (sub) {
    case 'create': {
      id = one(args, 'create <id> WHAT WHEN');
      const job = jobFrom(o);
      const timing = { ...(o.cron ? { cron: o.cron } : {}), ...(o.every ? { every: o.every } : {}), ...(o.offset ? { offset: o.offset } : {}), ...(o.timezone ? { timezone: o.timezone } : {}) };
      if (!o.cron && !o.every) throw new UsageError('schedule create needs --cron "EXPR" or --every DURATION');
      // Named as the user typed them: the SDK's own check speaks of its option names.
      for (const flag of ['every', 'offset', 'catchup-window'] as const) {
        const v = o[flag];
        if (v !== undefined && !isDuration(v)) throw new UsageError(`--${flag} ${DURATION_HINT}, not "${v}"`);
      }
      const policies = { ...(overlap(o.overlap) ? { overlap: overlap(o.overlap) } : {}), ...(o['catchup-window'] ? { catchupWindow: o['catchup-window'] } : {}), pauseOnFailure: Boolean(o['pause-on-failure']), paused: Boolean(o.paused), ...(o.note ? { note: o.note } : {}) };
      const sid = id;
      run = async (s) => {
        await s.create(sid, job, timing, policies);
        for (const line of describeLines(await s.describe(sid))) out(line);
      };
      break;
    }
    case 'list':
      if (args.length) throw new UsageError('expected: npx durable-agents schedule list');
      run = async (s) => {
        const all = await s.list();
        if (!all.length) out('no schedules');
        for (const info of all) out(describeLines(info)[0]!);
      };
      break;
    case 'describe': {
      const sid = (id = one(args, 'describe <id>'));
      run = async (s) => {
        for (const line of describeLines(await s.describe(sid))) out(line);
      };
      break;
    }
    case 'pause':
    case 'unpause': {
      const sid = (id = one(args, `${sub} <id> [--note TEXT]`));
      run = async (s) => {
        await (sub === 'pause' ? s.pause(sid, o.note) : s.unpause(sid, o.note));
        out(`${sub === 'pause' ? 'paused' : 'unpaused'} ${sid}`);
      };
      break;
    }
    case 'trigger': {
      const sid = (id = one(args, 'trigger <id> [--overlap P]'));
      const p = overlap(o.overlap);
      run = async (s) => {
        await s.trigger(sid, p);
        out(`triggered ${sid} (see: npx durable-agents schedule describe ${sid})`);
      };
      break;
    }
    case 'backfill': {
      const sid = (id = one(args, 'backfill <id> --start ISO --end ISO'));
      const start = date('start', o.start);
      const end = date('end', o.end);
      if (start >= end) throw new UsageError('--start must be before --end');
      const p = overlap(o.overlap);
      run = async (s) => {
        await s.backfill(sid, start, end, p);
        out(`backfilling ${sid} from ${start.toISOString()} to ${end.toISOString()}`);
      };
      break;
    }
    case 'delete': {
      const sid = (id = one(args, 'delete <id>'));
      run = async (s) => {
        await s.delete(sid);
        out(`deleted ${sid}`);
      };
      break;
    }
    default:
      throw new UsageError(`unknown schedule command "${sub}" (create, list, describe, pause, unpause, trigger, backfill or delete; see: npx durable-agents schedule --help)`);
  }
  const agent = o.agent;
  return withBatchClient(config, async (agents, batches) => {
    if (sub === 'create' && agent !== undefined) await checkAgent(agents, agent, false);
    await scheduleErrors(id, () => run(new ScheduleClient(agents.client, agents.taskQueue, batches)));
    return 0;
  });
}
