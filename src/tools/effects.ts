/**
 * Exactly-once tool effects. The effect's SQL and its row in `tool_effects` commit in one
 * transaction: a retry, or a new worker resuming after a crash, finds the row and gets
 * the stored result back. A crash mid-effect rolls both back, so the retry starts clean.
 */
import type pg from 'pg';

export interface EffectMeta {
  key: string;
  tool: string;
  kind: 'execute' | 'compensate';
  tenantId: string;
  workflowId: string;
  args: unknown;
}

export async function runOnce<T>(db: pg.Pool, meta: EffectMeta, effect: (tx: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    // A concurrent duplicate blocks here until the first commits, then inserts nothing.
    const inserted = await client.query(
      `INSERT INTO tool_effects (idempotency_key, tool, kind, tenant_id, workflow_id, args)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (idempotency_key) DO NOTHING`,
      [meta.key, meta.tool, meta.kind, meta.tenantId, meta.workflowId, JSON.stringify(meta.args ?? null)],
    );
    if (inserted.rowCount === 0) {
      await client.query('ROLLBACK');
      const prior = await db.query<{ result: T }>('SELECT result FROM tool_effects WHERE idempotency_key = $1', [meta.key]);
      return prior.rows[0]!.result;
    }
    const result = await effect(client);
    await client.query('UPDATE tool_effects SET result = $2 WHERE idempotency_key = $1', [meta.key, JSON.stringify(result ?? null)]);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
