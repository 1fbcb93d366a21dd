/**
 * What every activity does at its edge: the project's typed errors become the failures
 * workflows see ({@link toApplicationFailure}). An activity with effects or slow waits
 * also heartbeats, so with a heartbeat timeout of seconds the server notices a dead
 * worker that quickly and starts the next attempt elsewhere, instead of waiting out the
 * start-to-close timeout; and an infrastructure error ends it as
 * `InfrastructureUnavailable`, which the workflow waits out.
 */
import { Context } from '@temporalio/activity';
import { asOutage } from '../infra/outage';
import { toApplicationFailure } from './failures';

/** Runs `work`, rethrowing its errors as the failures a workflow sees. */
export async function atActivityBoundary<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw toApplicationFailure(err);
  }
}

/** As {@link atActivityBoundary}, heartbeating every `everyMs` (a no-op in a local activity, which cannot heartbeat) and naming outages. */
export async function atActivityEdge<T>(work: () => Promise<T>, everyMs = 2_000): Promise<T> {
  const ctx = Context.current();
  // No heartbeat at the start: most calls end well inside the first interval, and the
  // timeout counts from the start anyway; a heartbeat there would be one more RPC per call.
  const timer = ctx.info.isLocal ? undefined : setInterval(() => ctx.heartbeat(), everyMs);
  timer?.unref();
  try {
    return await work();
  } catch (err) {
    throw toApplicationFailure(asOutage(err));
  } finally {
    clearInterval(timer);
  }
}
