/**
 * A batch's sources: JSONL files are read by the client, never by the worker. The SDK has
 * no worker-side option (by type and at run time), and the worker's staging refuses a
 * spec that names a file, whoever wrote it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import pg from 'pg';
import { createBatchActivities } from '../../src/activities/batch';
import { BatchInputError, parseBatchSource } from '../../src/batch/inputs';
import { parseBatchInputs, type BatchInputs } from '../../src/client/batch-client';
import { InvalidInputError } from '../../src/client/ids';
import type { BatchSpec } from '../../src/shared/batch-types';
import { testEnv } from '../support/harness';

let pool: pg.Pool;
beforeAll(() => {
  pool = new pg.Pool({ connectionString: testEnv().databaseUrl, max: 2 });
});
afterAll(() => pool.end());

test('the SDK has no worker-read JSONL option, by type or at run time', () => {
  // @ts-expect-error readBy is not an option: files are read by the client.
  const worker: BatchInputs = { jsonl: 'items.jsonl', readBy: 'worker' };
  expect(() => parseBatchInputs(worker)).toThrow(InvalidInputError);
  expect(() => parseBatchInputs(worker)).toThrow(/exactly one of \{ items \}, \{ jsonl \} or \{ query \} \(given: jsonl, readBy\)/);
  expect(() => parseBatchInputs({ jsonl: 'a.jsonl', query: 'SELECT 1' })).toThrow(/given: jsonl, query/);
  expect(() => parseBatchInputs({ query: '  ' })).toThrow('the batch query is empty');
  expect(() => parseBatchInputs({ jsonl: '' })).toThrow('the JSONL path is empty');
  expect(parseBatchInputs({ jsonl: 'items.jsonl' })).toEqual({ jsonl: 'items.jsonl' });
  expect(parseBatchInputs({ items: ['a', { input: 'b', key: 'k' }] })).toEqual({ items: ['a', { input: 'b', key: 'k' }] });
});

test('a source naming a file is refused by its check', () => {
  expect(() => parseBatchSource({ kind: 'jsonl', path: '/etc/passwd' })).toThrow(BatchInputError);
  expect(() => parseBatchSource({ kind: 'jsonl', path: '/etc/passwd' })).toThrow(/invalid batch source: source\.kind/);
  expect(() => parseBatchSource({ kind: 'stored', setId: 's', path: '/etc/passwd' })).toThrow(/invalid batch source/);
  expect(parseBatchSource({ kind: 'stored', setId: 's', consume: true })).toEqual({ kind: 'stored', setId: 's', consume: true });
  expect(parseBatchSource({ kind: 'query', sql: 'SELECT 1' })).toEqual({ kind: 'query', sql: 'SELECT 1' });
});

test("the worker's staging never opens a file a batch spec names", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-sources-'));
  const file = path.join(dir, 'secret.jsonl');
  fs.writeFileSync(file, '"a line the worker must not read"\n');
  const batchId = `batch-default-${randomUUID()}`;
  // As a client with access to the namespace could start it, bypassing the SDK.
  const spec = { target: { kind: 'agent', agent: 'batcher' }, source: { kind: 'jsonl', path: file }, tenantId: 'default' } as unknown as BatchSpec;
  const err = await createBatchActivities({ db: pool })
    .stageBatch({ batchId, spec })
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).type).toBe('InvalidBatchInput');
  expect((err as Error).message).toMatch(/invalid batch source/);
  const { rows } = await pool.query('SELECT 1 FROM batch_items WHERE batch_id = $1', [batchId]);
  expect(rows).toHaveLength(0);
  fs.rmSync(dir, { recursive: true, force: true });
});
