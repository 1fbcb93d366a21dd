/**
 * Schedules for batches, flows and housekeeping, on Temporal Schedules: cron or interval
 * timing, overlap policy, catch-up window and pause-on-failure are the server's, so a
 * schedule survives any client or worker going away. Each action starts a workflow whose
 * id is the action's id plus the scheduled time (Temporal appends it), so every batch
 * a schedule starts has its own id and its own children.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleSpec } from '@temporalio/client';
import type { BatchSpec } from '../shared/batch-types';
import { DURATION_HINT, isDuration } from '../shared/duration';
import type { FlowRunInput, FlowSpec } from '../shared/flow-types';
import type { HousekeepingInput } from '../shared/housekeeping-types';
import { BATCH_RUN_WORKFLOW } from '../workflows/batch/definitions';
import { HOUSEKEEPING_WORKFLOW } from '../workflows/housekeeping/definitions';
import { FLOW_RUN_WORKFLOW } from '../workflows/flow/definitions';
import { checkBatchSpec, directSource, type BatchClient, type BatchInputs, type BatchTargetInput, type StartBatchOptions } from './batch-client';
import { assertTenantId, InvalidInputError } from './ids';

/** Overlap policies by their CLI names. */
export const OVERLAP_POLICIES = {
  skip: ScheduleOverlapPolicy.SKIP,
  'buffer-one': ScheduleOverlapPolicy.BUFFER_ONE,
  'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL,
  'cancel-other': ScheduleOverlapPolicy.CANCEL_OTHER,
  'terminate-other': ScheduleOverlapPolicy.TERMINATE_OTHER,
  'allow-all': ScheduleOverlapPolicy.ALLOW_ALL,
} as const;
export type OverlapName = keyof typeof OVERLAP_POLICIES;

/** The id of the housekeeping schedule {@link ScheduleClient.ensureHousekeeping} creates (by default, and a worker on task queue `agents`). */
export const HOUSEKEEPING_SCHEDULE_ID = 'durable-agents-housekeeping';

/**
 * The housekeeping schedule a worker on `taskQueue` makes sure of: one per task queue, since
 * its action runs on that queue (deployments sharing a namespace may have their own databases).
 */
export function housekeepingScheduleId(taskQueue: string): string {
  if (taskQueue === 'agents') return HOUSEKEEPING_SCHEDULE_ID;
  return `${HOUSEKEEPING_SCHEDULE_ID}-${taskQueue.replace(/[^A-Za-z0-9._-]/g, '_')}`.slice(0, 200);
}

/** When a schedule acts: cron expressions and/or an interval (`every: '1h'`, `offset: '15m'`). */
export interface ScheduleTiming {
  cron?: string[];
  every?: string;
  offset?: string;
  /** IANA time zone for cron expressions (default UTC). */
  timezone?: string;
}

/** How a schedule behaves. */
export interface SchedulePolicies {
  /** What to do when an action is due while the previous one still runs (default `skip`). */
  overlap?: OverlapName;
  /** How late a missed action (server down) may still be taken, e.g. `10m` (default 1 minute, the server's). */
  catchupWindow?: string;
  /** Pause the schedule when an action fails (a batch fails only on bad input or `maxFailureRatio`). */
  pauseOnFailure?: boolean;
  /** Create it paused. */
  paused?: boolean;
  note?: string;
}

/** What a schedule runs. */
export type ScheduledJob =
  | { kind: 'batch'; target: BatchTargetInput; inputs: BatchInputs; options?: Omit<StartBatchOptions, 'id'> }
  | { kind: 'flow'; spec: FlowSpec; input: string; tenantId?: string }
  | { kind: 'housekeeping'; options?: HousekeepingInput };

/** A schedule as `list` and `describe` show it. */
export interface ScheduleInfo {
  id: string;
  kind: string;
  /** The timing as it was given, e.g. `every 1h`, `cron 0 3 * * *`. */
  timing: string;
  /** The IANA time zone its cron expressions are read in (`UTC` unless one was given). */
  timezone: string;
  workflowType?: string;
  paused: boolean;
  note?: string;
  overlap?: string;
  catchupWindowMs?: number;
  pauseOnFailure?: boolean;
  actionsTaken?: number;
  recentActions: Array<{ scheduledAt: Date; takenAt: Date; workflowId: string }>;
  nextActionTimes: Date[];
}

const SCHEDULE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export function assertScheduleId(id: string): string {
  if (!SCHEDULE_ID.test(id)) throw new InvalidInputError(`malformed schedule id "${id}": letters, digits and . _ - (e.g. nightly-triage)`);
  return id;
}

function duration(name: string, v: string | undefined): string | undefined {
  if (v !== undefined && !isDuration(v)) throw new InvalidInputError(`${name} ${DURATION_HINT}, not "${v}"`);
  return v;
}

function scheduleSpec(t: ScheduleTiming): { spec: ScheduleSpec; text: string } {
  const cron = (t.cron ?? []).map((c) => c.trim()).filter(Boolean);
  if (!cron.length && !t.every) throw new InvalidInputError('a schedule needs --cron "EXPR" or --every DURATION');
  const every = duration('every', t.every);
  const offset = duration('offset', t.offset);
  const spec: ScheduleSpec = {
    ...(cron.length ? { cronExpressions: cron } : {}),
    ...(every ? { intervals: [{ every, ...(offset ? { offset } : {}) }] } : {}),
    ...(t.timezone ? { timezone: t.timezone } : {}),
  };
  const text = [...cron.map((c) => `cron ${c}`), ...(every ? [`every ${every}${offset ? ` offset ${offset}` : ''}`] : [])].join(', ');
  return { spec, text };
}

/** The input set a batch schedule stores its inline items under. */
export function scheduleInputSet(id: string): string {
  return `schedule-${id}`;
}

export class ScheduleClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string,
    /** Stores inline batch inputs; needed only for batch schedules with items or files. */
    private readonly batches?: BatchClient,
  ) {}

  /** Creates a schedule; its id must be new. */
  async create(id: string, job: ScheduledJob, timing: ScheduleTiming, policies: SchedulePolicies = {}): Promise<void> {
    assertScheduleId(id);
    const { spec, text } = scheduleSpec(timing);
    const overlap = policies.overlap ?? 'skip';
    if (!(overlap in OVERLAP_POLICIES)) throw new InvalidInputError(`unknown overlap policy "${overlap}" (one of: ${Object.keys(OVERLAP_POLICIES).join(', ')})`);
    const catchupWindow = duration('catchup window', policies.catchupWindow);
    // Before storing inputs: they would replace those of the schedule already under this id.
    if (await this.exists(id)) throw new InvalidInputError(`a schedule with id "${id}" already exists`);
    const action = await this.action(id, job);
    try {
      await this.client.schedule.create({
        scheduleId: id,
        spec,
        action: { type: 'startWorkflow', taskQueue: this.taskQueue, ...action.start },
        policies: { overlap: OVERLAP_POLICIES[overlap], ...(catchupWindow ? { catchupWindow } : {}), pauseOnFailure: policies.pauseOnFailure ?? false },
        state: { paused: policies.paused ?? false, ...(policies.note ? { note: policies.note } : {}) },
        memo: { kind: job.kind, timing: text, ...(action.setId ? { setId: action.setId } : {}) },
      });
    } catch (err) {
      // The stored inputs belong to the schedule; without it they must go (unless it already existed).
      if (action.setId && this.batches?.inputs && !(err instanceof ScheduleAlreadyRunning)) await this.batches.inputs.remove(action.setId).catch(() => undefined);
      // The SDK checks cron strings itself and throws TypeError ("CronString does not have 5-7 fields").
      if (err instanceof TypeError) throw new InvalidInputError(`invalid schedule: ${err.message}`);
      throw err;
    }
  }

  private async action(id: string, job: ScheduledJob): Promise<{ start: { workflowType: string; workflowId: string; args: unknown[] }; setId?: string }> {
    switch (job.kind) {
      case 'batch': {
        const tenantId = assertTenantId(job.options?.tenantId ?? 'default');
        const target = checkBatchSpec(job.target, job.options ?? {});
        // Inline items are stored once, read by every action, and deleted with the schedule.
        const source = directSource(job.inputs) ?? (await this.requireBatches().prepareSource(job.inputs, scheduleInputSet(id), false));
        const o = job.options ?? {};
        const bspec: BatchSpec = {
          target,
          source,
          tenantId,
          concurrency: o.concurrency,
          pageSize: o.pageSize,
          continueAsNewEvery: o.continueAsNewEvery,
          maxFailureRatio: o.maxFailureRatio,
        };
        return { start: { workflowType: BATCH_RUN_WORKFLOW, workflowId: `batch-${tenantId}-${id}`, args: [{ spec: bspec }] }, ...(source.kind === 'stored' ? { setId: source.setId } : {}) };
      }
      case 'flow': {
        const tenantId = assertTenantId(job.tenantId ?? 'default');
        if (!job.input.trim()) throw new InvalidInputError('flow input is empty');
        const args: FlowRunInput = { spec: job.spec, input: job.input, tenantId, metadata: { schedule: id } };
        return { start: { workflowType: FLOW_RUN_WORKFLOW, workflowId: `flow-${tenantId}-${id}`, args: [args] } };
      }
      case 'housekeeping':
        return { start: { workflowType: HOUSEKEEPING_WORKFLOW, workflowId: `housekeeping-${id}`, args: [job.options ?? {}] } };
    }
  }

  private requireBatches(): BatchClient {
    if (!this.batches) throw new InvalidInputError('a schedule with inline items or a client-side file needs a batch client with an input store');
    return this.batches;
  }

  async exists(id: string): Promise<boolean> {
    try {
      await this.client.schedule.getHandle(id).describe();
      return true;
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return false;
      throw err;
    }
  }

  /**
   * Creates the housekeeping schedule unless it exists; returns whether it created it. An
   * existing one is left as it is (change it with the schedule commands). Safe to call from
   * several workers starting at once: one creates it, the others find it.
   */
  async ensureHousekeeping(timing: ScheduleTiming = { every: '1h' }, options: HousekeepingInput = {}, id: string = HOUSEKEEPING_SCHEDULE_ID): Promise<boolean> {
    if (await this.exists(id)) return false;
    try {
      await this.create(id, { kind: 'housekeeping', options }, timing, { overlap: 'skip', note: 'prunes expired cache rows, releases stale budget holds, deletes settled ledger reservations' });
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning || (await this.exists(id))) return false;
      throw err;
    }
    return true;
  }

  async list(): Promise<ScheduleInfo[]> {
    const out: ScheduleInfo[] = [];
    for await (const s of this.client.schedule.list()) {
      const memo = (s.memo ?? {}) as { kind?: string; timing?: string };
      out.push({
        id: s.scheduleId,
        kind: memo.kind ?? '-',
        timing: memo.timing ?? '-',
        timezone: s.spec?.timezone || 'UTC',
        ...(s.action?.workflowType ? { workflowType: s.action.workflowType } : {}),
        paused: s.state.paused,
        ...(s.state.note ? { note: s.state.note } : {}),
        recentActions: s.info.recentActions.map(recent),
        nextActionTimes: s.info.nextActionTimes,
      });
    }
    return out;
  }

  async describe(id: string): Promise<ScheduleInfo> {
    const d: ScheduleDescription = await this.client.schedule.getHandle(assertScheduleId(id)).describe();
    const memo = (d.memo ?? {}) as { kind?: string; timing?: string };
    return {
      id: d.scheduleId,
      kind: memo.kind ?? '-',
      timing: memo.timing ?? '-',
      timezone: d.spec.timezone || 'UTC',
      workflowType: d.action.workflowType,
      paused: d.state.paused,
      ...(d.state.note ? { note: d.state.note } : {}),
      overlap: d.policies.overlap,
      catchupWindowMs: d.policies.catchupWindow,
      pauseOnFailure: d.policies.pauseOnFailure,
      actionsTaken: d.info.numActionsTaken,
      recentActions: d.info.recentActions.map(recent),
      nextActionTimes: d.info.nextActionTimes,
    };
  }

  pause(id: string, note?: string): Promise<void> {
    return this.client.schedule.getHandle(assertScheduleId(id)).pause(note ?? 'paused from durable-agents');
  }

  unpause(id: string, note?: string): Promise<void> {
    return this.client.schedule.getHandle(assertScheduleId(id)).unpause(note ?? 'unpaused from durable-agents');
  }

  /** Takes an action now (even while paused), with this overlap policy (default: the schedule's). */
  trigger(id: string, overlap?: OverlapName): Promise<void> {
    return this.client.schedule.getHandle(assertScheduleId(id)).trigger(overlap ? OVERLAP_POLICIES[overlap] : undefined);
  }

  /** Takes the actions the schedule would have taken between `start` and `end`. */
  backfill(id: string, start: Date, end: Date, overlap: OverlapName = 'allow-all'): Promise<void> {
    if (!(start.getTime() < end.getTime())) throw new InvalidInputError('backfill needs --start before --end');
    return this.client.schedule.getHandle(assertScheduleId(id)).backfill({ start, end, overlap: OVERLAP_POLICIES[overlap] });
  }

  /** Deletes the schedule (running actions go on) and its stored inputs. */
  async delete(id: string): Promise<void> {
    const handle = this.client.schedule.getHandle(assertScheduleId(id));
    const memo = ((await handle.describe()).memo ?? {}) as { setId?: string };
    await handle.delete();
    if (memo.setId && this.batches?.inputs) await this.batches.inputs.remove(memo.setId);
  }
}

function recent(a: { scheduledAt: Date; takenAt: Date; action: { workflow: { workflowId: string } } }) {
  return { scheduledAt: a.scheduledAt, takenAt: a.takenAt, workflowId: a.action.workflow.workflowId };
}

