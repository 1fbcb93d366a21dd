/**
 * The audit trail in Postgres (`audit_log`, migrations/006_audit.sql): append, read back,
 * verify. Appends for one tenant are serialised by a transaction-scoped advisory lock, so
 * concurrent writers — workers, attempts, the CLI — never fork the chain or leave a gap;
 * a decision already recorded (same key) is skipped, so a retried activity writes nothing
 * new. The workers' role may INSERT and SELECT here, nothing else.
 */
import type pg from 'pg';
import { inTransaction } from '../infra/transaction';
import { ChainVerifier, digestOf, GENESIS_HASH, hashRow, linkOf, type ChainBreak, type ChainSummary } from './chain';
import type { AuditEntry, AuditFact, AuditKind, AuditRow } from './types';

/** Advisory lock class of a tenant's chain (its second key is hashtext(tenant)); audit_prune takes it too. */
export const AUDIT_LOCK_CLASS = 7_233_003;

const COLUMNS = 'tenant_id, seq, created_at, kind, workflow_id, run_id, principal, entry_key, detail, data_digest, prev_hash, row_hash';

interface DbRow {
  tenant_id: string;
  seq: string;
  created_at: Date;
  kind: AuditKind;
  workflow_id: string | null;
  run_id: string | null;
  principal: string;
  entry_key: string;
  detail: Record<string, AuditFact>;
  data_digest: string;
  prev_hash: string;
  row_hash: string;
}

function fromDb(r: DbRow): AuditRow {
  return {
    tenantId: r.tenant_id,
    seq: Number(r.seq),
    at: r.created_at.toISOString(),
    kind: r.kind,
    workflowId: r.workflow_id,
    runId: r.run_id,
    principal: r.principal,
    key: r.entry_key,
    detail: r.detail,
    dataDigest: r.data_digest,
    prevHash: r.prev_hash,
    rowHash: r.row_hash,
  };
}

/**
 * Records decisions, in the order given, at the end of their tenants' chains; returns the
 * rows written. An entry whose key the tenant's chain already holds is skipped, so calling
 * this again with the same entries writes nothing. This is the one way rows get written:
 * the policies' activities, the workflows' `recordAudit` and the keys and roles code call it.
 */
export async function appendAudit(pool: pg.Pool, entries: AuditEntry | AuditEntry[]): Promise<number> {
  const list = Array.isArray(entries) ? entries : [entries];
  let written = 0;
  for (const tenantId of [...new Set(list.map((e) => e.tenantId))]) {
    written += await appendForTenant(pool, tenantId, list.filter((e) => e.tenantId === tenantId));
  }
  return written;
}

async function appendForTenant(pool: pg.Pool, tenantId: string, entries: AuditEntry[]): Promise<number> {
  return inTransaction(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [AUDIT_LOCK_CLASS, tenantId]);
    const keys = entries.map((e) => e.key);
    const seen = new Set((await tx.query<{ entry_key: string }>('SELECT entry_key FROM audit_log WHERE tenant_id = $1 AND entry_key = ANY($2)', [tenantId, keys])).rows.map((r) => r.entry_key));
    const fresh = entries.filter((e, i) => !seen.has(e.key) && keys.indexOf(e.key) === i);
    if (!fresh.length) return 0;
    // Read after the lock: the statement's snapshot sees every append committed before it.
    const { rows } = await tx.query<{ now: Date; seq: string | null; kind: AuditKind | null; prev_hash: string | null; row_hash: string | null }>(
      `SELECT date_trunc('milliseconds', clock_timestamp()) AS now, h.seq, h.kind, h.prev_hash, h.row_hash
       FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT seq, kind, prev_hash, row_hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1) h ON true`,
      [tenantId],
    );
    const head = rows[0]!;
    let seq = head.seq === null ? 0 : Number(head.seq);
    let link = head.seq === null ? GENESIS_HASH : linkOf({ kind: head.kind!, prevHash: head.prev_hash!, rowHash: head.row_hash! });
    const at = head.now.toISOString();
    for (const e of fresh) {
      const row: Omit<AuditRow, 'rowHash'> = {
        tenantId,
        seq: ++seq,
        at,
        kind: e.kind,
        workflowId: e.workflowId ?? null,
        runId: e.runId ?? null,
        principal: e.principal,
        key: e.key,
        detail: e.detail,
        dataDigest: digestOf(e.data),
        prevHash: link,
      };
      link = hashRow(row);
      await tx.query(
        `INSERT INTO audit_log (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT DO NOTHING`,
        [tenantId, row.seq, at, row.kind, row.workflowId, row.runId, row.principal, row.key, JSON.stringify(row.detail), row.dataDigest, row.prevHash, link],
      );
    }
    return fresh.length;
  });
}

/** What to read: one tenant or all, rows written since a time. */
export interface AuditFilter {
  tenantId?: string;
  since?: Date;
}

/** Rows in (tenant, seq) order, a page at a time, so a long trail never sits in memory. */
export async function* auditRows(pool: pg.Pool, filter: AuditFilter = {}, pageSize = 1000): AsyncGenerator<AuditRow> {
  let after: [string, number] | undefined;
  for (;;) {
    const params: unknown[] = [];
    const where: string[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (filter.tenantId !== undefined) where.push(`tenant_id = ${p(filter.tenantId)}`);
    if (filter.since) where.push(`created_at >= ${p(filter.since)}`);
    if (after) where.push(`(tenant_id, seq) > (${p(after[0])}, ${p(after[1])})`);
    const sql = `SELECT ${COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY tenant_id, seq LIMIT ${p(pageSize)}`;
    const { rows } = await pool.query<DbRow>(sql, params);
    for (const r of rows) yield fromDb(r);
    if (rows.length < pageSize) return;
    const last = rows[rows.length - 1]!;
    after = [last.tenant_id, Number(last.seq)];
  }
}

/** Every tenant's chain checked: a summary per intact chain, the first break of each broken one. */
export interface AuditVerification {
  intact: ChainSummary[];
  broken: ChainBreak[];
}

export async function verifyAudit(pool: pg.Pool, tenantId?: string): Promise<AuditVerification> {
  const result: AuditVerification = { intact: [], broken: [] };
  let verifier: ChainVerifier | undefined;
  const close = () => {
    if (!verifier) return;
    const end = verifier.finish();
    if ('problem' in end) result.broken.push(end);
    else result.intact.push(end);
  };
  for await (const row of auditRows(pool, tenantId === undefined ? {} : { tenantId })) {
    if (verifier?.tenantId !== row.tenantId) {
      close();
      verifier = new ChainVerifier(row.tenantId);
    }
    verifier.push(row);
  }
  close();
  return result;
}
