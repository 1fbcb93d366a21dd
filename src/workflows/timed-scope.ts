/**
 * A cancellation scope's timeout with a summary on its timer, so the Web UI says what the
 * timer is for (the SDK's `CancellationScope({ timeout })` starts an unlabelled one).
 */
import * as wf from '@temporalio/workflow';

/**
 * Runs `fn` in `scope` and cancels the scope when `timeoutMs` passes first (no timeout when
 * 0 or undefined). The commands are the SDK's own for a scope timeout, in the same order —
 * the timer started before `fn`, cancelled when `fn` settles first — so histories recorded
 * with that replay unchanged.
 */
export function runWithTimeout<T>(scope: wf.CancellationScope, timeoutMs: number | undefined, summary: string, fn: () => Promise<T>): Promise<T> {
  if (!timeoutMs) return scope.run(fn);
  return scope.run(async () => {
    // A child of `scope`: cancelling the scope (the flow stopping) cancels the timer too.
    const timer = new wf.CancellationScope();
    void timer.run(() => wf.sleep(timeoutMs, { summary })).then(
      () => scope.cancel(),
      () => undefined, // cancelled: `fn` settled first, or the scope was cancelled from outside
    );
    try {
      return await fn();
    } finally {
      if (!timer.consideredCancelled) timer.cancel();
    }
  });
}
