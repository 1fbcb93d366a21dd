/**
 * Preloaded (node -r, after register-ts.js) into a worker process by tests that need a
 * shutdown step to fail: FAIL_SHUTDOWN=pool makes closing a Postgres pool fail;
 * FAIL_SHUTDOWN=worker makes the worker's run reject once it has drained.
 */
import { Worker } from '@temporalio/worker';
import pg from 'pg';

const how = process.env.FAIL_SHUTDOWN;
if (how === 'pool') {
  pg.Pool.prototype.end = async function end(): Promise<void> {
    throw new Error('injected: closing the pool failed');
  } as typeof pg.Pool.prototype.end;
}
if (how === 'worker') {
  const run = Worker.prototype.run;
  Worker.prototype.run = async function failingRun(this: Worker): Promise<void> {
    await run.call(this);
    throw new Error('injected: the worker failed while draining');
  };
}
