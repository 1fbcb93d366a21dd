/**
 * Heartbeats for activities that wait on something slow (a model, a long tool). With a
 * heartbeat timeout of seconds, the server notices a dead worker that quickly and starts
 * the next attempt elsewhere, instead of waiting out the start-to-close timeout.
 */
import { Context } from '@temporalio/activity';

/** Heartbeats every `everyMs` until the returned function is called. No-op in a local activity (they cannot heartbeat). */
export function keepAlive(everyMs = 2_000): () => void {
  const ctx = Context.current();
  if (ctx.info.isLocal) return () => undefined;
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
