/**
 * The hash chain, as plain functions. A row's hash is the sha256 of canonical JSON over
 * every column (tenant, seq, time, kind, run, principal, key, detail, digest) and the
 * previous row's hash. So:
 *
 * - an UPDATE of any column makes that row's contents disagree with its hash, and
 *   rewriting the hash too makes the next row's `prev_hash` disagree;
 * - a DELETE leaves a gap in the tenant's seq numbers;
 * - an insertion or a reordering changes a row's seq, which its hash covers.
 *
 * What a chain alone cannot show is rows cut off its end, or a chain recomputed from the
 * first changed row on by someone who can write the table: `verify` prints each tenant's
 * head (seq and hash), and a head recorded elsewhere (a ticket, the archive) pins it.
 *
 * Pruning replaces the oldest rows by an anchor whose `prev_hash` is the hash of the last
 * pruned row: the next row chains to it, and the anchor's own hash covers its count.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../shared/canonical-json';
import type { AuditRow } from './types';

/** What the first row of a tenant's chain links to. */
export const GENESIS_HASH = '0'.repeat(64);

/** Version of the hashed layout, part of every hash: a new layout never verifies as the old. */
const LAYOUT = 1;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The digest a row keeps of a decision's data: sha256 over its canonical JSON. */
export function digestOf(data: unknown): string {
  return sha256Hex(canonicalJson(data));
}

/** The hash of a row: every column but the hash itself. */
export function hashRow(row: Omit<AuditRow, 'rowHash'>): string {
  return sha256Hex(
    canonicalJson({
      v: LAYOUT,
      tenant: row.tenantId,
      seq: row.seq,
      at: row.at,
      kind: row.kind,
      workflowId: row.workflowId,
      runId: row.runId,
      principal: row.principal,
      key: row.key,
      detail: row.detail,
      digest: row.dataDigest,
      prev: row.prevHash,
    }),
  );
}

/** The hash the row after `row` must quote: an anchor passes on the hash of the last row it replaced. */
export function linkOf(row: Pick<AuditRow, 'kind' | 'prevHash' | 'rowHash'>): string {
  return row.kind === 'anchor' ? row.prevHash : row.rowHash;
}

/** Where a tenant's chain breaks first: the row at which the break shows, and what is wrong. */
export interface ChainBreak {
  tenantId: string;
  seq: number;
  problem: string;
}

/** A tenant's chain as verified: its rows, where it starts, and its head. */
export interface ChainSummary {
  tenantId: string;
  rows: number;
  /** Rows pruned before the anchor the chain starts from (0 without one). */
  pruned: number;
  head: { seq: number; hash: string };
}

/**
 * Verifies one tenant's rows, fed in seq order. `push` returns the first break (and every
 * later call the same one); `finish` the summary when nothing broke.
 */
export class ChainVerifier {
  private last?: AuditRow;
  private rows = 0;
  private pruned = 0;
  private broken?: ChainBreak;

  constructor(readonly tenantId: string) {}

  push(row: AuditRow): ChainBreak | undefined {
    if (this.broken) return this.broken;
    const problem = this.check(row);
    if (problem) return (this.broken = { tenantId: this.tenantId, seq: row.seq, problem });
    if (row.kind === 'anchor') this.pruned = Number(row.detail.pruned ?? 0);
    this.last = row;
    this.rows++;
    return undefined;
  }

  finish(): ChainBreak | ChainSummary {
    if (this.broken) return this.broken;
    const last = this.last;
    return { tenantId: this.tenantId, rows: this.rows, pruned: this.pruned, head: last ? { seq: last.seq, hash: linkOf(last) } : { seq: 0, hash: GENESIS_HASH } };
  }

  private check(row: AuditRow): string | undefined {
    const prev = this.last;
    if (row.kind === 'anchor' && prev) return `an anchor (pruned rows) after row ${prev.seq}: anchors only start a chain`;
    if (!prev && row.kind !== 'anchor' && row.seq !== 1) {
      return row.seq > 1 ? `rows 1 to ${row.seq - 1} are missing (deleted without an anchor)` : `seq ${row.seq} is not a row number`;
    }
    if (prev && row.seq !== prev.seq + 1) {
      return row.seq > prev.seq + 1
        ? `row ${prev.seq + 1}${row.seq > prev.seq + 2 ? ` to ${row.seq - 1}` : ''} missing: this row follows row ${prev.seq} (deleted?)`
        : `out of order after row ${prev.seq}`;
    }
    if (hashRow(row) !== row.rowHash) return 'its contents do not match its hash (changed after it was written)';
    const expected = prev ? linkOf(prev) : GENESIS_HASH;
    // An anchor's prev_hash is the hash of the last pruned row, which only the archive can show.
    if (row.kind !== 'anchor' && row.prevHash !== expected) {
      return prev ? `its prev_hash is not the hash of row ${prev.seq} (row ${prev.seq} was changed, or rows were inserted or reordered)` : 'its prev_hash is not the start of a chain';
    }
    return undefined;
  }
}
