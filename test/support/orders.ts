/**
 * Example orders of a test's own. Refunds add up per order (an order is never refunded
 * above what was paid), so a test that refunds needs an order no other test refunds.
 */
import { randomInt } from 'node:crypto';
import type pg from 'pg';

export interface NewOrder {
  tenantId?: string;
  amountCents?: number;
  /** null: a customer without an e-mail address, whom notify_customer cannot reach. */
  email?: string | null;
  item?: string;
}

export async function newOrder(pool: pg.Pool, { tenantId = 'acme', amountCents = 4500, email = 'lee@example.com', item = 'Coffee grinder' }: NewOrder = {}): Promise<string> {
  const id = `ORD-${randomInt(100_000, 999_999_999)}`;
  await pool.query('INSERT INTO orders (order_id, tenant_id, customer_name, customer_email, item, amount_cents) VALUES ($1, $2, $3, $4, $5, $6)', [id, tenantId, 'Test Customer', email, item, amountCents]);
  return id;
}
