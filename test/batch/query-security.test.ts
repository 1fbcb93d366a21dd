/**
 * Batch queries against a real Postgres: one statement over the extended protocol, in a
 * read-only transaction, under a login role without superuser that sees only the tables
 * granted to it. Every attack below is refused with an InvalidBatchInput failure and
 * leaves the database as it was; a query on a granted table still works.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import pg from 'pg';
import { createBatchActivities } from '../../src/activities/batch';
import { BatchQueryReader, BATCH_READER_ROLE } from '../../src/batch/query';
import { loadConfig } from '../../src/infra/config';
import type { BatchInputItem, BatchSpec } from '../../src/shared/batch-types';
import { testEnv } from '../support/harness';

const run = randomUUID().slice(0, 8);
const tenant = `qsec-${run}`;
const table = `qsec_fixture_${run}`;
let pool: pg.Pool;
let reader: BatchQueryReader;

function readerUrl(): string {
  const url = process.env.TEST_BATCH_QUERY_DATABASE_URL;
  if (!url) throw new Error('TEST_BATCH_QUERY_DATABASE_URL is not set: run through jest (global-setup.ts)');
  return url;
}

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: testEnv().adminDatabaseUrl, max: 4 });
  reader = new BatchQueryReader(readerUrl());
  await pool.query(`CREATE TABLE ${table} (body text NOT NULL, ticket text NOT NULL)`);
  await pool.query(`INSERT INTO ${table} VALUES ('granted one', 'T-1'), ('granted two', 'T-2')`);
  await pool.query(`GRANT SELECT ON ${table} TO ${BATCH_READER_ROLE}`);
  await pool.query(`INSERT INTO budget_counters (tenant_id, kind, subject, period, spent_usd) VALUES ($1, 'tenant', $1, 'day:2025-01-01', 5)`, [tenant]);
});
afterAll(async () => {
  await pool?.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
  await pool?.query('DELETE FROM budget_counters WHERE tenant_id = $1', [tenant]).catch(() => undefined);
  await reader?.close();
  await pool?.end();
});

function spec(sql: string): BatchSpec {
  return { target: { kind: 'agent', agent: 'batcher' }, source: { kind: 'query', sql }, tenantId: tenant };
}

/** Stages a query batch through the worker's activity, as `batchRun` does. */
function stage(sql: string, batchQueries: BatchQueryReader | null = reader) {
  const batchId = `batch-${tenant}-${randomUUID()}`;
  const activities = createBatchActivities({ db: pool, ...(batchQueries ? { batchQueries } : {}) });
  return { batchId, staged: activities.stageBatch({ batchId, spec: spec(sql) }) };
}

async function refused(sql: string, message: RegExp, batchQueries: BatchQueryReader | null = reader): Promise<void> {
  const { batchId, staged } = stage(sql, batchQueries);
  const err = await staged.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  expect((err as ApplicationFailure).type).toBe('InvalidBatchInput');
  expect((err as ApplicationFailure).nonRetryable).toBe(true);
  expect((err as Error).message).toMatch(message);
  const { rows } = await pool.query('SELECT 1 FROM batches WHERE batch_id = $1', [batchId]);
  expect(rows).toHaveLength(0);
}

async function spent(): Promise<number> {
  const { rows } = await pool.query<{ spent_usd: string }>('SELECT spent_usd FROM budget_counters WHERE tenant_id = $1', [tenant]);
  return Number(rows[0]?.spent_usd);
}

async function items(chunks: AsyncIterable<BatchInputItem[]>): Promise<BatchInputItem[]> {
  const out: BatchInputItem[] = [];
  for await (const c of chunks) out.push(...c);
  return out;
}

test('several statements in one query are refused, and the ledger is untouched', async () => {
  const attack = [
    "SELECT 'x' AS input",
    'COMMIT',
    `UPDATE budget_counters SET spent_usd = 0 WHERE tenant_id = '${tenant}'`,
    'BEGIN READ ONLY',
    "DECLARE batch_source NO SCROLL CURSOR FOR SELECT 'x' AS input",
  ].join('; ');
  await refused(attack, /the batch query failed: .*(multiple commands|syntax)/);
  expect(await spent()).toBe(5);
});

test('COPY … TO PROGRAM runs nothing, alone or after another statement', async () => {
  const marker = path.join(os.tmpdir(), `qsec-${run}-copy`);
  await refused(`COPY (SELECT 1) TO PROGRAM 'id > ${marker}'`, /the batch query failed/);
  await refused(`SELECT 'x' AS input; COMMIT; COPY (SELECT 1) TO PROGRAM 'id > ${marker}'; BEGIN READ ONLY; DECLARE batch_source NO SCROLL CURSOR FOR SELECT 'x' AS input`, /the batch query failed/);
  expect(fs.existsSync(marker)).toBe(false);
});

test('server files, the service tables, writes and role changes are refused', async () => {
  await refused("SELECT pg_read_file('PG_VERSION') AS input", /the batch query failed: permission denied for function pg_read_file/);
  await refused('SELECT * FROM budget_counters', /the batch query failed: permission denied for table budget_counters/);
  await refused('SELECT input FROM batch_inputs', /permission denied for table batch_inputs/);
  await refused('SELECT args::text AS input FROM tool_effects', /permission denied for table tool_effects/);
  await refused('SELECT name AS input FROM schema_migrations', /permission denied for table schema_migrations/);
  // The example tables are not readable either unless an operator grants them.
  await refused('SELECT item AS input FROM orders', /permission denied for table orders/);
  await refused(`WITH gone AS (DELETE FROM budget_counters WHERE tenant_id = '${tenant}' RETURNING tenant_id) SELECT tenant_id AS input FROM gone`, /the batch query failed/);
  await refused(`WITH gone AS (DELETE FROM ${table} RETURNING body) SELECT body AS input FROM gone`, /the batch query failed/);
  await refused("SELECT set_config('role', 'durable_agents', false) AS input", /the batch query failed: permission denied to set role/);
  await refused("SELECT set_config('session_authorization', 'durable_agents', false) AS input", /the batch query failed: permission denied/);
  expect(await spent()).toBe(5);
  expect((await pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(2);
});

test('a query on a table granted to the reader works', async () => {
  const { batchId, staged } = stage(`SELECT body AS input, ticket AS key FROM ${table} ORDER BY ticket`);
  await expect(staged).resolves.toEqual({ total: 2 });
  const { rows } = await pool.query('SELECT idx, input, key FROM batch_items WHERE batch_id = $1 ORDER BY idx', [batchId]);
  expect(rows).toEqual([
    { idx: 0, input: 'granted one', key: 'T-1' },
    { idx: 1, input: 'granted two', key: 'T-2' },
  ]);
  await pool.query('DELETE FROM batches WHERE batch_id = $1', [batchId]);
});

test('a query running past the time limit is cancelled, even one that turns its statement timeout off', async () => {
  const quick = new BatchQueryReader(readerUrl(), { timeoutMs: 1000, chunk: 1 });
  try {
    let t = Date.now();
    await expect(items(quick.read('SELECT pg_sleep(30)::text AS input'))).rejects.toThrow(/the batch query ran longer than 1 s/);
    expect(Date.now() - t).toBeLessThan(10_000);
    // The first row switches the timeout off for the statements that fetch the next rows.
    t = Date.now();
    const evasive = "SELECT set_config('statement_timeout', '0', false) || g AS input, CASE WHEN g > 1 THEN pg_sleep(30) END FROM generate_series(1, 3) g";
    await expect(items(quick.read(evasive))).rejects.toThrow(/the batch query ran longer than 1 s/);
    expect(Date.now() - t).toBeLessThan(10_000);
    // Nothing is left running under the reader's role.
    for (let i = 0; i < 50; i++) {
      const { rows } = await pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1 AND state = 'active' AND query LIKE '%pg_sleep%'", [BATCH_READER_ROLE]);
      if (rows[0].n === 0) break;
      await new Promise((r) => setTimeout(r, 100));
      if (i === 49) throw new Error('a cancelled batch query is still running');
    }
  } finally {
    await quick.close();
  }
}, 30_000);

test('a reader that logs in as a superuser or the service role is refused, naming the variable', async () => {
  for (const [url, why] of [
    [testEnv().adminDatabaseUrl, /BATCH_QUERY_DATABASE_URL .*superuser/],
    [testEnv().databaseUrl, /BATCH_QUERY_DATABASE_URL logs in as role "durable_agents_worker", which has privileges on the service's tables/],
  ] as const) {
    const wrong = new BatchQueryReader(url);
    try {
      await refused("SELECT 'x' AS input", why, wrong);
    } finally {
      await wrong.close();
    }
  }
});

test('without a batch-query database, query batches are refused naming BATCH_QUERY_DATABASE_URL', async () => {
  await refused("SELECT 'x' AS input", /^batch queries are refused: BATCH_QUERY_DATABASE_URL is not set/, null);
});

test('BATCH_QUERY_DATABASE_URL is validated with the rest of the configuration', () => {
  expect(() => loadConfig({ BATCH_QUERY_DATABASE_URL: 'not a url' })).toThrow(/BATCH_QUERY_DATABASE_URL/);
  expect(loadConfig({ BATCH_QUERY_DATABASE_URL: 'postgres://r:p@db:5432/app' }).BATCH_QUERY_DATABASE_URL).toBe('postgres://r:p@db:5432/app');
});
