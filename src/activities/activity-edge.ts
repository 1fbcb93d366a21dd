/**
 * What every activity with effects or slow waits does at its edge. It heartbeats, so with
 * a heartbeat timeout of seconds the server notices a dead worker that quickly and starts
 * the next attempt elsewhere, instead of waiting out the start-to-close timeout. And an
 * infrastructure error ends it as `InfrastructureUnavailable`, which the workflow waits out.
 */
import { Context } from '@temporalio/activity';
import { asOutage } from '../infra/outage';

/** Heartbeats every `everyMs` while `work` runs (a no-op in a local activity, which cannot heartbeat). */
export async function atActivityEdge<T>(work: () => Promise<T>, everyMs = 2_000): Promise<T> {
  const ctx = Context.current();
  // No heartbeat at the start: most calls end well inside the first interval, and the
  // timeout counts from the start anyway; a heartbeat there would be one more RPC per call.
  const timer = ctx.info.isLocal ? undefined : setInterval(() => ctx.heartbeat(), everyMs);
  timer?.unref();
  try {
    return await work();
  } catch (err) {
    throw asOutage(err);
  } finally {
    clearInterval(timer);
  }
}
