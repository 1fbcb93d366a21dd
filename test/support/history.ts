/** Reading a run's history as a person would in the Web UI (through the codec server). */
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { EncryptionCodec } from '../../src/encryption/encryption-codec';
import { testKeyring } from './data-converter';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** The run's history with every payload opened, as the Web UI shows it with the codec server. */
export async function historyOf(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const h = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = h.events ?? [];
  await openPayloads(events, new EncryptionCodec(testKeyring(), client.options.namespace));
  return events;
}

const isPayload = (v: unknown): v is Payload => typeof v === 'object' && v !== null && 'metadata' in v && 'data' in v;

/** Replaces, in place, every payload anywhere in `node` by its decoded form. */
async function openPayloads(node: unknown, codec: EncryptionCodec): Promise<void> {
  if (typeof node !== 'object' || node === null || ArrayBuffer.isView(node)) return;
  const holder = node as Record<string, unknown>;
  for (const key of Object.keys(holder)) {
    const v = holder[key];
    if (isPayload(v)) holder[key] = (await codec.decode([v]))[0];
    else await openPayloads(v, codec);
  }
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
