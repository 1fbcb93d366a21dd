/** Reading a run's history as a person would in the Web UI. */
import { defaultPayloadConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export async function historyOf(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const h = await client.workflow.getHandle(workflowId).fetchHistory();
  return h.events ?? [];
}

function summaryOf(e: HistoryEvent): string | undefined {
  return e.userMetadata?.summary ? (defaultPayloadConverter.fromPayload(e.userMetadata.summary) as string) : undefined;
}

/** Scheduled activities with their Web UI summaries, in order. */
export function activitySummaries(events: HistoryEvent[]): Array<{ type: string; summary: string | undefined }> {
  return events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => ({ type: e.activityTaskScheduledEventAttributes!.activityType!.name!, summary: summaryOf(e) }));
}

/** Summaries of started timers (undefined: an unlabelled one), in order. */
export function timerSummaries(events: HistoryEvent[]): Array<string | undefined> {
  return events.filter((e) => e.timerStartedEventAttributes).map(summaryOf);
}

/** Summaries of local activities (their markers), in order. */
export function localActivitySummaries(events: HistoryEvent[]): Array<string | undefined> {
  return events.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity').map(summaryOf);
}

/** What a run's Web UI page shows as its current details: the SDK's built-in metadata query. */
export async function currentDetails(client: Client, workflowId: string): Promise<string> {
  const metadata = await client.workflow.getHandle(workflowId).query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

export function eventTime(e: HistoryEvent): number {
  const t = e.eventTime!;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** Results of completed activities of one type, in order, as the workflow received them. */
export function activityResults<T = unknown>(events: HistoryEvent[], type: string): T[] {
  const scheduled = new Map<string, string>();
  const out: T[] = [];
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes) scheduled.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType!.name!);
    const done = e.activityTaskCompletedEventAttributes;
    if (done && scheduled.get(String(done.scheduledEventId)) === type) out.push(defaultPayloadConverter.fromPayload(done.result!.payloads![0]!) as T);
  }
  return out;
}
