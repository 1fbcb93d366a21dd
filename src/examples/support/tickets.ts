/**
 * Example support tickets on the embedded Postgres, for the README's query batches and
 * schedules (`--query "SELECT body AS input, ticket_id AS key FROM tickets WHERE status =
 * 'open'"`). Not a migration: the service's own tables are exactly what batch queries must
 * never read (batch/query.ts), while this table is the kind an operator grants them.
 */
import type pg from 'pg';
import { BATCH_READER_ROLE } from '../../infra/postgres';

const TICKETS: Array<[string, string, string, string]> = [
  ['T-1001', 'acme', 'My coffee grinder from order ORD-1002 arrived broken, please refund it.', 'open'],
  ['T-1002', 'acme', 'How long does shipping take?', 'open'],
  ['T-1003', 'acme', 'Can I pay with cryptocurrency?', 'open'],
  ['T-1004', 'acme', 'Thanks, the refund arrived.', 'closed'],
];

export async function seedExampleTickets(pool: pg.Pool): Promise<void> {
  await pool.query(`CREATE TABLE IF NOT EXISTS tickets (
    ticket_id text PRIMARY KEY,
    tenant_id text NOT NULL,
    body      text NOT NULL,
    status    text NOT NULL CHECK (status IN ('open', 'closed'))
  )`);
  for (const t of TICKETS) await pool.query('INSERT INTO tickets (ticket_id, tenant_id, body, status) VALUES ($1, $2, $3, $4) ON CONFLICT (ticket_id) DO NOTHING', t);
  await pool.query(`GRANT SELECT ON tickets TO ${BATCH_READER_ROLE}`);
}
