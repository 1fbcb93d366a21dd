/**
 * The outage classifier: what counts as "Postgres or the network is down" (waited out by
 * the workflow) and what does not (a bug, retried as such or failing the run).
 */
import vm from 'node:vm';
import { ApplicationFailure } from '@temporalio/common';
import pg from 'pg';
import { toApplicationFailure } from '../../src/activities/failures';
import { asOutage, isInfrastructureError } from '../../src/infra/outage';
import { freePort } from '../../src/infra/postgres';
import { FailureType } from '../../src/shared/failures';

test('a refused connection is an outage, even when the error comes from another realm (Node core seen from jest)', async () => {
  const port = await freePort(); // nobody listens there
  const pool = new pg.Pool({ connectionString: `postgres://u:p@127.0.0.1:${port}/db` });
  const err = await pool.query('SELECT 1').then(
    () => undefined,
    (e: unknown) => e,
  );
  await pool.end();
  expect((err as { code?: string }).code).toBe('ECONNREFUSED');
  expect(isInfrastructureError(err)).toBe(true);
  const failure = toApplicationFailure(asOutage(err));
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect((failure as ApplicationFailure).type).toBe(FailureType.InfrastructureUnavailable);

  const foreign: unknown = vm.runInNewContext("Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' })");
  expect(foreign instanceof Error).toBe(false);
  expect(isInfrastructureError(foreign)).toBe(true);
});

test('connection loss by message or SQLSTATE, directly or as a cause; statement errors are not outages', () => {
  expect(isInfrastructureError(new Error('Connection terminated unexpectedly'))).toBe(true);
  expect(isInfrastructureError(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
  expect(isInfrastructureError(Object.assign(new Error('the database system is starting up'), { code: '57P03' }))).toBe(true);
  expect(isInfrastructureError(new Error('wrapped', { cause: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) }))).toBe(true);
  expect(isInfrastructureError(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBe(false);
  expect(isInfrastructureError(new Error('the payment network is down'))).toBe(false);
  expect(isInfrastructureError('ECONNREFUSED')).toBe(false);
  expect(isInfrastructureError(ApplicationFailure.create({ type: 'ToolFailed', message: 'Connection terminated' }))).toBe(false);
});
