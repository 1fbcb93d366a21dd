/** Reading a run's history as a person would in the Web UI. */
import { defaultPayloadConverter } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export async function historyOf(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const h = await client.workflow.getHandle(workflowId).fetchHistory();
  return h.events ?? [];
}

/** Scheduled activities with their Web UI summaries, in order. */
export function activitySummaries(events: HistoryEvent[]): Array<{ type: string; summary: string | undefined }> {
  return events
    .filter((e) => e.activityTaskScheduledEventAttributes)
    .map((e) => ({
      type: e.activityTaskScheduledEventAttributes!.activityType!.name!,
      summary: e.userMetadata?.summary ? (defaultPayloadConverter.fromPayload(e.userMetadata.summary) as string) : undefined,
    }));
}

export function eventTime(e: HistoryEvent): number {
  const t = e.eventTime!;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}
