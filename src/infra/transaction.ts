/**
 * Transactions on Postgres, one way everywhere: BEGIN, the work, COMMIT; ROLLBACK on any
 * error. A connection that cannot even roll back (its server went away) is discarded when
 * it goes back to the pool, so the next caller never gets a dead one.
 */
import type pg from 'pg';

/** Connections whose ROLLBACK failed: released with an error, so the pool closes them. */
const broken = new WeakSet<pg.ClientBase>();

/** Runs `fn` in a transaction on `client` (a connection the caller holds, e.g. with a session lock). */
export async function transactionOn<C extends pg.ClientBase, T>(client: C, fn: (client: C) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => broken.add(client));
    throw err;
  }
}

/** Runs `fn` in a transaction on a pooled connection. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    return await transactionOn(client, fn);
  } finally {
    client.release(broken.has(client) ? new Error('connection unusable after a failed rollback') : undefined);
  }
}
