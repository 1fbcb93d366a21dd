/**
 * Step timings read from workflow history: the server stamps every event, so the time
 * between one `callModel` being scheduled and the next is one whole agent step as the
 * engine ran it (model activity, workflow task, tool local activity, next schedule),
 * free of client-side polling delays.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
type HistoryEvent = NonNullable<History['events']>[number];

/** Event time in ms with the sub-millisecond part the server recorded. */
function eventMs(e: HistoryEvent): number {
  const t = e.eventTime;
  if (!t) throw new Error(`history event ${String(e.eventId)} has no time`);
  return Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6;
}

/**
 * Every event of a workflow, following continue-as-new, so a run that rolled over
 * mid-benchmark still yields all its steps (the roll-over cost included).
 */
async function chainEvents(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let runId: string | undefined;
  // Bounded: a bench run never continues as new more than a few times.
  for (let hop = 0; hop < 20; hop++) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const got = history.events ?? [];
    events.push(...got);
    const last = got[got.length - 1];
    const next = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    if (!next) return events;
    runId = next;
  }
  throw new Error(`workflow ${workflowId} continued as new more than 20 times`);
}

/** Times (ms) at which each `callModel` was scheduled, in order. */
export async function modelScheduleTimes(client: Client, workflowId: string): Promise<number[]> {
  const events = await chainEvents(client, workflowId);
  return events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'callModel')
    .map(eventMs);
}

/** Durations between consecutive entries: n schedule times give n-1 whole steps. */
export function intervals(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - times[i]!);
}
