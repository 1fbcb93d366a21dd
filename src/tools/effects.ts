/**
 * Exactly-once tool effects. The effect's SQL and its row in `tool_effects` commit in one
 * transaction: a retry, or a new worker resuming after a crash, finds the row and gets
 * the stored result back. A crash mid-effect rolls both back, so the retry starts clean.
 */
import type pg from 'pg';
import { asOutage } from '../infra/outage';
import { inTransaction } from '../infra/transaction';

export interface EffectMeta {
  key: string;
  tool: string;
  kind: 'execute' | 'compensate';
  tenantId: string;
  workflowId: string;
  args: unknown;
}

/**
 * Runs `effect` once per key. When Postgres is unreachable (before, during or at the
 * commit) it fails with `InfrastructureUnavailable`, which the workflow waits out and
 * retries with the same key: a commit that did land is then found, one that did not
 * starts clean.
 */
export async function runOnce<T>(db: pg.Pool, meta: EffectMeta, effect: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  try {
    return await runOnceIn(db, meta, effect);
  } catch (err) {
    throw asOutage(err);
  }
}

/** The recorded result of an executed effect, or undefined when none was recorded under `key`. */
export async function readEffect(db: pg.Pool, key: string): Promise<{ result: unknown } | undefined> {
  const { rows } = await db.query<{ result: unknown }>(`SELECT result FROM tool_effects WHERE idempotency_key = $1 AND kind = 'execute'`, [key]);
  return rows[0];
}

async function runOnceIn<T>(db: pg.Pool, meta: EffectMeta, effect: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const done = await inTransaction(db, async (tx) => {
    // A concurrent duplicate blocks here until the first commits, then inserts nothing.
    const inserted = await tx.query(
      `INSERT INTO tool_effects (idempotency_key, tool, kind, tenant_id, workflow_id, args)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING`,
      [meta.key, meta.tool, meta.kind, meta.tenantId, meta.workflowId, JSON.stringify(meta.args ?? null)],
    );
    if (inserted.rowCount === 0) return undefined; // done before: nothing changed here
    const result = await effect(tx);
    await tx.query('UPDATE tool_effects SET result = $2 WHERE idempotency_key = $1', [meta.key, JSON.stringify(result ?? null)]);
    return { result };
  });
  if (done) return done.result;
  const prior = await db.query<{ result: T }>('SELECT result FROM tool_effects WHERE idempotency_key = $1', [meta.key]);
  return prior.rows[0]!.result;
}
