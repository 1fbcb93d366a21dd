/**
 * Batch tables (migrations/003_batch.sql): client-stored input sets, each batch's snapshot
 * of its items, and their outcomes. Every write is idempotent, because activities retry:
 *
 * - staging inserts the `batches` row and every item in one transaction, and does nothing
 *   when the row already exists;
 * - an outcome is written only while its item is still 'pending'.
 */
import type pg from 'pg';
import { inTransaction } from '../infra/transaction';
import type { BatchInputItem, BatchItem, BatchSpec, BatchSummary, ItemOutcome, ItemStatus } from '../shared/batch-types';
import { BatchInputError } from './inputs';

/** Longest answer preview kept per item. */
const ANSWER_CHARS = 2000;

async function insertItems(client: pg.PoolClient | pg.Pool, table: 'batch_inputs' | 'batch_items', owner: string, from: number, items: BatchInputItem[]): Promise<void> {
  if (!items.length) return;
  const ownerCol = table === 'batch_inputs' ? 'set_id' : 'batch_id';
  await client.query(
    `INSERT INTO ${table} (${ownerCol}, idx, input, key)
     SELECT $1, $4::int + ord::int - 1, input, key FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(input, key, ord)`,
    [owner, items.map((i) => i.input), items.map((i) => i.key ?? null), from],
  );
}

/**
 * Stores a new input set; returns its size. A set already stored under `setId` (another
 * client's batch or schedule, which may be running) is never replaced: the call is refused
 * and the existing rows stay as they are. Two concurrent calls for one id are serialised
 * by the primary key: the second waits, then is refused.
 */
export async function storeInputSet(pool: pg.Pool, setId: string, chunks: AsyncIterable<BatchInputItem[]>): Promise<number> {
  try {
    return await inTransaction(pool, async (c) => {
      const { rows } = await c.query('SELECT 1 FROM batch_inputs WHERE set_id = $1 LIMIT 1', [setId]);
      if (rows.length) throw inputsExist(setId);
      let n = 0;
      for await (const chunk of chunks) {
        await insertItems(c, 'batch_inputs', setId, n, chunk);
        n += chunk.length;
      }
      if (n === 0) throw new BatchInputError('no inputs: the batch has no items');
      return n;
    });
  } catch (err) {
    if ((err as { code?: unknown }).code === '23505') throw inputsExist(setId);
    throw err;
  }
}

function inputsExist(setId: string): BatchInputError {
  return new BatchInputError(`inputs are already stored under "${setId}": choose another id`);
}

/** Whether a batch with this id has taken its snapshot (the `batches` row exists). */
export async function batchExists(pool: pg.Pool, batchId: string): Promise<boolean> {
  return (await pool.query('SELECT 1 FROM batches WHERE batch_id = $1', [batchId])).rowCount !== 0;
}

export async function deleteInputSet(pool: pg.Pool, setId: string): Promise<number> {
  return (await pool.query('DELETE FROM batch_inputs WHERE set_id = $1', [setId])).rowCount ?? 0;
}

/** What staging needs besides the spec: a chunked reader for a query source. */
export type ChunkReader = () => AsyncIterable<BatchInputItem[]>;

/**
 * Takes the batch's snapshot: copies its items into `batch_items` under `batchId` in one
 * transaction with the `batches` row. Calling it again (a retried activity, a resumed
 * batch) returns the existing snapshot's size. `onChunk` lets the caller heartbeat.
 */
export async function stageBatch(pool: pg.Pool, batchId: string, spec: BatchSpec, read: ChunkReader | undefined, onChunk: (n: number) => void = () => undefined): Promise<{ total: number; alreadyStaged: boolean }> {
  return inTransaction(pool, async (c) => {
    // A concurrent twin blocks here until the first commits, then sees its row.
    const claimed = await c.query(
      `INSERT INTO batches (batch_id, tenant_id, target, source_kind, total) VALUES ($1, $2, $3, $4, 0) ON CONFLICT (batch_id) DO NOTHING RETURNING batch_id`,
      [batchId, spec.tenantId, JSON.stringify(spec.target), spec.source.kind],
    );
    if (!claimed.rowCount) {
      const { rows } = await c.query<{ total: number }>('SELECT total FROM batches WHERE batch_id = $1', [batchId]);
      return { total: rows[0]?.total ?? 0, alreadyStaged: true };
    }
    let total: number;
    if (spec.source.kind === 'stored') {
      const copied = await c.query('INSERT INTO batch_items (batch_id, idx, input, key) SELECT $1, idx, input, key FROM batch_inputs WHERE set_id = $2', [batchId, spec.source.setId]);
      total = copied.rowCount ?? 0;
      if (total === 0) throw new BatchInputError(`no stored inputs under "${spec.source.setId}"`);
      if (spec.source.consume) await c.query('DELETE FROM batch_inputs WHERE set_id = $1', [spec.source.setId]);
    } else {
      if (!read) throw new Error('no reader for a query source');
      total = 0;
      for await (const chunk of read()) {
        await insertItems(c, 'batch_items', batchId, total, chunk);
        total += chunk.length;
        onChunk(total);
      }
      if (total === 0) throw new BatchInputError(`the ${spec.source.kind} source has no items`);
    }
    await c.query('UPDATE batches SET total = $2 WHERE batch_id = $1', [batchId, total]);
    return { total, alreadyStaged: false };
  });
}

interface ItemRow {
  idx: number;
  input: string;
  key: string | null;
  status: ItemStatus;
  cost_usd: string;
}

/**
 * Characters of input per page: a page is one history event (a local activity's result),
 * and payloads over ~2 MB fail the workflow task, so long inputs make shorter pages.
 */
export const PAGE_CHAR_BUDGET = 256_000;

/** Items from index `offset` on, at most `limit` of them and (past the first) at most {@link PAGE_CHAR_BUDGET} characters. */
export async function loadPage(pool: pg.Pool, batchId: string, offset: number, limit: number): Promise<BatchItem[]> {
  const { rows } = await pool.query<ItemRow>({
    name: 'batch_load_page',
    text: `SELECT idx, input, key, status, cost_usd FROM (
             SELECT idx, input, key, status, cost_usd, sum(length(input) + coalesce(length(key), 0)) OVER (ORDER BY idx) AS upto
               FROM batch_items WHERE batch_id = $1 AND idx >= $2 ORDER BY idx LIMIT $3) page
            WHERE upto <= $4 OR idx = $2 ORDER BY idx`,
    values: [batchId, offset, limit, PAGE_CHAR_BUDGET],
  });
  return rows.map((r) => ({ idx: r.idx, input: r.input, ...(r.key !== null ? { key: r.key } : {}), status: r.status, costUsd: Number(r.cost_usd) }));
}

/** Records outcomes of items still pending; returns how many rows changed (0 when repeated). */
export async function recordOutcomes(pool: pg.Pool, batchId: string, outcomes: readonly ItemOutcome[]): Promise<number> {
  if (!outcomes.length) return 0;
  const res = await pool.query(
    `UPDATE batch_items b
        SET status = o.status, child_workflow_id = o.child, cost_usd = o.cost, answer = o.answer, error = o.error, finished_at = now()
       FROM unnest($2::int[], $3::text[], $4::text[], $5::numeric[], $6::text[], $7::text[]) AS o(idx, status, child, cost, answer, error)
      WHERE b.batch_id = $1 AND b.idx = o.idx AND b.status = 'pending'`,
    [
      batchId,
      outcomes.map((o) => o.idx),
      outcomes.map((o) => o.status),
      outcomes.map((o) => o.childWorkflowId),
      outcomes.map((o) => o.costUsd),
      outcomes.map((o) => (o.answer === undefined ? null : o.answer.slice(0, ANSWER_CHARS))),
      outcomes.map((o) => o.error ?? null),
    ],
  );
  return res.rowCount ?? 0;
}

/** Counts of a finished batch, read back from its items; the workflow adds its id and run count. */
export type BatchTotals = Omit<BatchSummary, 'batchId' | 'runs' | 'status'> & { status: 'completed' | 'cancelled' | 'failed' };

/** How a batch ends: cancelled when asked, failed when more than `maxFailureRatio` of its items failed. */
export interface FinishOptions {
  cancelled: boolean;
  maxFailureRatio?: number;
  /** Failures listed in the result (the first, by index). */
  failureLimit: number;
}

/** Counts the batch's items and marks it finished (the first call's status and time win). */
export async function finishBatch(pool: pg.Pool, batchId: string, opts: FinishOptions): Promise<BatchTotals> {
  const counts = await pool.query<{ total: number; succeeded: number; failed: number; cancelled: number; pending: number; cost: string | null }>(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE i.status = 'succeeded')::int AS succeeded,
            count(*) FILTER (WHERE i.status = 'failed')::int AS failed,
            count(*) FILTER (WHERE i.status = 'cancelled')::int AS cancelled,
            count(*) FILTER (WHERE i.status = 'pending')::int AS pending,
            sum(i.cost_usd) AS cost FROM batch_items i WHERE i.batch_id = $1`,
    [batchId],
  );
  const failures = await pool.query<{ idx: number; key: string | null; child_workflow_id: string | null; error: string | null }>(
    `SELECT idx, key, child_workflow_id, error FROM batch_items WHERE batch_id = $1 AND status = 'failed' ORDER BY idx LIMIT $2`,
    [batchId, opts.failureLimit],
  );
  const c = counts.rows[0]!;
  const status = opts.cancelled ? 'cancelled' : opts.maxFailureRatio !== undefined && c.total > 0 && c.failed / c.total > opts.maxFailureRatio ? 'failed' : 'completed';
  const marked = await pool.query<{ duration_ms: number }>(
    `UPDATE batches SET status = CASE WHEN finished_at IS NULL THEN $2 ELSE status END, finished_at = coalesce(finished_at, now())
      WHERE batch_id = $1 RETURNING floor(extract(epoch FROM (finished_at - created_at)) * 1000)::int AS duration_ms`,
    [batchId, status],
  );
  return {
    status,
    total: c.total,
    succeeded: c.succeeded,
    failed: c.failed,
    cancelled: c.cancelled,
    pending: c.pending,
    costUsd: Number(c.cost ?? 0),
    durationMs: marked.rows[0]?.duration_ms ?? 0,
    failures: failures.rows.map((f) => ({ idx: f.idx, ...(f.key !== null ? { key: f.key } : {}), ...(f.child_workflow_id ? { childWorkflowId: f.child_workflow_id } : {}), error: f.error ?? 'unknown' })),
  };
}
