/**
 * Retention: a tenant's rows older than the configured days are written to a JSONL file
 * and then pruned, leaving an anchor row that the rest of the chain verifies from. Run by
 * housekeeping. The rows are verified before they are archived, so pruning never hides a
 * broken chain; and they are deleted by `audit_prune`, a function the table's owner
 * wrote, which checks the archived rows are the ones it deletes (the workers' role has no
 * DELETE of its own).
 */
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { ChainVerifier, hashRow } from './chain';
import { auditRows } from './log';
import type { AuditRow } from './types';

export interface AuditRetention {
  /** Rows older than this many days are archived and pruned. */
  keepDays: number;
  /** Where the JSONL archives go: one directory per tenant. */
  archiveDir: string;
}

/** What one pass did; `refused` names tenants whose chains are broken (nothing of theirs is pruned). */
export interface AuditPruneResult {
  archived: number;
  pruned: number;
  files: string[];
  refused: Array<{ tenantId: string; seq: number; problem: string }>;
}

/**
 * Archives and prunes the rows older than `keepDays` of every tenant (or of `tenantId`).
 * A repeat after a failure redoes the same files.
 */
export async function archiveAndPrune(pool: pg.Pool, retention: AuditRetention, opts: { now?: Date; tenantId?: string } = {}): Promise<AuditPruneResult> {
  const cutoff = new Date((opts.now ?? new Date()).getTime() - retention.keepDays * 86_400_000);
  const result: AuditPruneResult = { archived: 0, pruned: 0, files: [], refused: [] };
  const { rows } = await pool.query<{ tenant_id: string; through: string }>(
    `SELECT tenant_id, max(seq) AS through FROM audit_log WHERE created_at < $1 AND kind <> 'anchor' ${opts.tenantId !== undefined ? 'AND tenant_id = $2' : ''}
     GROUP BY tenant_id ORDER BY tenant_id`,
    opts.tenantId !== undefined ? [cutoff, opts.tenantId] : [cutoff],
  );
  for (const { tenant_id: tenantId, through } of rows) {
    const done = await pruneTenant(pool, tenantId, Number(through), retention.archiveDir, opts.now ?? new Date());
    if ('problem' in done) result.refused.push(done);
    else {
      result.archived += done.archived;
      result.pruned += done.pruned;
      result.files.push(done.file);
    }
  }
  return result;
}

async function pruneTenant(pool: pg.Pool, tenantId: string, through: number, dir: string, now: Date) {
  const kept: AuditRow[] = [];
  const verifier = new ChainVerifier(tenantId);
  for await (const row of auditRows(pool, { tenantId })) {
    if (row.seq > through) break;
    const broken = verifier.push(row);
    if (broken) return broken;
    kept.push(row);
  }
  const last = kept[kept.length - 1];
  if (!last || last.kind === 'anchor') return { archived: 0, pruned: 0, file: '' };
  const previous = kept[0]?.kind === 'anchor' ? Number(kept[0].detail.pruned ?? 0) : 0;
  const count = kept.filter((r) => r.kind !== 'anchor').length;
  const file = writeArchive(dir, tenantId, kept);
  const anchor: Omit<AuditRow, 'rowHash'> = {
    tenantId,
    seq: through,
    at: now.toISOString(),
    kind: 'anchor',
    workflowId: null,
    runId: null,
    principal: 'system:retention',
    key: `anchor:${through}`,
    detail: { pruned: previous + count, archive: path.basename(file) },
    dataDigest: '',
    prevHash: last.rowHash,
  };
  const { rows } = await pool.query<{ deleted: string }>('SELECT audit_prune($1, $2, $3, $4, $5, $6, $7, $8) AS deleted', [
    tenantId,
    through,
    last.rowHash,
    count,
    anchor.at,
    anchor.key,
    JSON.stringify(anchor.detail),
    hashRow(anchor),
  ]);
  return { archived: kept.length, pruned: Number(rows[0]!.deleted), file };
}

/** The rows (the previous anchor first, when there is one) as JSONL, written whole or not at all. */
function writeArchive(dir: string, tenantId: string, rows: AuditRow[]): string {
  const tenantDir = path.join(dir, encodeURIComponent(tenantId));
  fs.mkdirSync(tenantDir, { recursive: true });
  const file = path.join(tenantDir, `audit-${rows[0]!.seq}-${rows[rows.length - 1]!.seq}.jsonl`);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return file;
}
