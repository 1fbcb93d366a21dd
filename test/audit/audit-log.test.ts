/**
 * The audit trail in a real Postgres: appends are idempotent and chained; `verify` finds a
 * superuser's UPDATE, DELETE, reordering and insertion, naming the row; the workers' role
 * cannot rewrite rows; concurrent writers never fork a chain; pruning leaves an anchor the
 * chain still verifies from, and the archives and the table together verify as one chain.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { ChainVerifier, hashRow } from '../../src/audit/chain';
import { appendAudit, auditRows, verifyAudit } from '../../src/audit/log';
import { archiveAndPrune } from '../../src/audit/retention';
import type { AuditEntry, AuditRow } from '../../src/audit/types';
import { auditRewriteRisk } from '../../src/infra/db-roles';
import { testEnv } from '../support/harness';
import { params, timeoutFor } from '../guarantees/property';

const run = randomUUID().slice(0, 8);
let worker: pg.Pool;
let admin: pg.Pool;
beforeAll(() => {
  worker = new pg.Pool({ connectionString: testEnv().databaseUrl, max: 12 });
  admin = new pg.Pool({ connectionString: testEnv().adminDatabaseUrl, max: 2 });
});
afterAll(async () => {
  await worker?.end();
  await admin?.end();
});

const entry = (tenantId: string, i: number, extra: Partial<AuditEntry> = {}): AuditEntry => ({
  tenantId,
  kind: 'approval',
  key: `wf-${i}/run/1#0:approval`,
  principal: `approver-${i}`,
  workflowId: `wf-${i}`,
  runId: 'run',
  detail: { tool: 'pay', callId: `call_${i}`, decision: 'approved' },
  data: { tool: 'pay', callId: `call_${i}`, argsHash: `h${i}`, by: `approver-${i}` },
  ...extra,
});

/** A fresh tenant with rows 1..n. */
async function chain(name: string, n = 5): Promise<string> {
  const tenant = `${name}-${run}`;
  for (let i = 1; i <= n; i++) await appendAudit(worker, entry(tenant, i));
  return tenant;
}

async function verdict(tenant: string) {
  const v = await verifyAudit(worker, tenant);
  return v.broken[0] ?? { intact: v.intact[0]?.rows };
}

test('appends chain rows 1, 2, 3 …; a repeated key writes nothing; an intact chain verifies', async () => {
  const tenant = await chain('append', 3);
  expect(await appendAudit(worker, [entry(tenant, 2), entry(tenant, 3)])).toBe(0);
  expect(await appendAudit(worker, [entry(tenant, 4), entry(tenant, 4)])).toBe(1);
  const rows = [];
  for await (const r of auditRows(worker, { tenantId: tenant })) rows.push(r);
  expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
  expect(rows[1]!.prevHash).toBe(rows[0]!.rowHash);
  // The digest, never the data: the arguments' hash and the approver are not stored in clear beyond the principal.
  expect(JSON.stringify(rows)).not.toContain('h2');
  expect(await verdict(tenant)).toEqual({ intact: 4 });
});

test('a key or role change is recorded through appendAudit like any decision', async () => {
  const tenant = `keys-${run}`;
  const change: AuditEntry = { tenantId: tenant, kind: 'access_change', key: 'key:k_123:create', principal: 'admin-1', detail: { action: 'key_created', keyId: 'k_123', role: 'approver' }, data: { keyId: 'k_123', role: 'approver', by: 'admin-1' } };
  expect(await appendAudit(worker, change)).toBe(1);
  expect(await appendAudit(worker, change)).toBe(0);
  const { rows } = await worker.query('SELECT kind, principal, detail FROM audit_log WHERE tenant_id = $1', [tenant]);
  expect(rows).toEqual([{ kind: 'access_change', principal: 'admin-1', detail: { action: 'key_created', keyId: 'k_123', role: 'approver' } }]);
  expect(await verdict(tenant)).toEqual({ intact: 1 });
});

describe('verify names the row after tampering by a superuser', () => {
  test('an UPDATE of a column', async () => {
    const tenant = await chain('upd');
    await admin.query("UPDATE audit_log SET principal = 'mallory' WHERE tenant_id = $1 AND seq = 3", [tenant]);
    expect(await verdict(tenant)).toEqual({ tenantId: tenant, seq: 3, problem: 'its contents do not match its hash (changed after it was written)' });
  });

  test('an UPDATE that recomputes the row hash too', async () => {
    const tenant = await chain('rehash');
    const rows: AuditRow[] = [];
    for await (const r of auditRows(admin, { tenantId: tenant })) rows.push(r);
    const forged = { ...rows[2]!, detail: { ...rows[2]!.detail, decision: 'rejected' } };
    await admin.query('UPDATE audit_log SET detail = $3, row_hash = $4 WHERE tenant_id = $1 AND seq = $2', [tenant, 3, JSON.stringify(forged.detail), hashRow(forged)]);
    expect(await verdict(tenant)).toMatchObject({ seq: 4, problem: expect.stringContaining('prev_hash is not the hash of row 3') });
  });

  test('a DELETE', async () => {
    const tenant = await chain('del');
    await admin.query('DELETE FROM audit_log WHERE tenant_id = $1 AND seq = 3', [tenant]);
    expect(await verdict(tenant)).toMatchObject({ seq: 4, problem: 'row 3 missing: this row follows row 2 (deleted?)' });
  });

  test('a DELETE of the first rows', async () => {
    const tenant = await chain('delhead');
    await admin.query('DELETE FROM audit_log WHERE tenant_id = $1 AND seq <= 2', [tenant]);
    expect(await verdict(tenant)).toMatchObject({ seq: 3, problem: 'rows 1 to 2 are missing (deleted without an anchor)' });
  });

  test('a reordering (two rows swap their seq)', async () => {
    const tenant = await chain('swap');
    await admin.query('UPDATE audit_log SET seq = 1000 WHERE tenant_id = $1 AND seq = 3', [tenant]);
    await admin.query('UPDATE audit_log SET seq = 3 WHERE tenant_id = $1 AND seq = 4', [tenant]);
    await admin.query('UPDATE audit_log SET seq = 4 WHERE tenant_id = $1 AND seq = 1000', [tenant]);
    expect(await verdict(tenant)).toMatchObject({ seq: 3, problem: 'its contents do not match its hash (changed after it was written)' });
  });

  test('an insertion in the middle, chained to the row before it', async () => {
    const tenant = await chain('ins');
    const rows: AuditRow[] = [];
    for await (const r of auditRows(admin, { tenantId: tenant })) rows.push(r);
    for (const seq of [5, 4, 3]) await admin.query('UPDATE audit_log SET seq = seq + 1 WHERE tenant_id = $1 AND seq = $2', [tenant, seq]);
    const forged: Omit<AuditRow, 'rowHash'> = { ...rows[2]!, seq: 3, key: 'forged', principal: 'mallory', prevHash: rows[1]!.rowHash };
    await admin.query(
      `INSERT INTO audit_log (tenant_id, seq, created_at, kind, workflow_id, run_id, principal, entry_key, detail, data_digest, prev_hash, row_hash)
       VALUES ($1, 3, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [tenant, forged.at, forged.kind, forged.workflowId, forged.runId, forged.principal, forged.key, JSON.stringify(forged.detail), forged.dataDigest, forged.prevHash, hashRow(forged)],
    );
    expect(await verdict(tenant)).toMatchObject({ seq: 4, problem: 'its contents do not match its hash (changed after it was written)' });
  });

  test('the CLI-facing verify reports only the broken tenant as broken', async () => {
    const good = await chain('good', 2);
    const bad = await chain('bad', 2);
    await admin.query("UPDATE audit_log SET kind = 'rejection' WHERE tenant_id = $1 AND seq = 1", [bad]);
    expect((await verifyAudit(worker, good)).broken).toEqual([]);
    expect((await verifyAudit(worker, bad)).broken).toEqual([{ tenantId: bad, seq: 1, problem: expect.any(String) }]);
  });
});

describe("the workers' role", () => {
  test('cannot UPDATE, DELETE or TRUNCATE audit rows, nor change who may', async () => {
    const tenant = await chain('perm', 2);
    const refused = (sql: string, params: unknown[] = []) => expect(worker.query(sql, params)).rejects.toMatchObject({ code: '42501' });
    await refused("UPDATE audit_log SET principal = 'mallory' WHERE tenant_id = $1", [tenant]);
    await refused('DELETE FROM audit_log WHERE tenant_id = $1', [tenant]);
    await refused('TRUNCATE audit_log');
    await refused("UPDATE audit_settings SET min_prune_age = interval '0'");
    await refused('ALTER TABLE audit_log DISABLE TRIGGER ALL');
    // A role without the grant option grants nothing (Postgres only warns): still refused after.
    await worker.query('GRANT UPDATE, DELETE ON audit_log TO durable_agents_worker');
    await refused("UPDATE audit_log SET principal = 'mallory' WHERE tenant_id = $1", [tenant]);
    await expect(worker.query('DELETE FROM audit_log WHERE tenant_id = $1', [tenant])).rejects.toThrow('permission denied for table audit_log');
    expect(await verdict(tenant)).toEqual({ intact: 2 });
  });

  test('is no superuser and owns nothing: nothing to warn about; the superuser is flagged', async () => {
    expect(await auditRewriteRisk(worker)).toBeUndefined();
    expect(await auditRewriteRisk(admin)).toMatch(/is a superuser/);
  });

  test('may prune only through audit_prune, and only rows older than the owner’s floor', async () => {
    const tenant = await chain('floor', 2);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-floor-'));
    const res = await archiveAndPrune(worker, { keepDays: 0, archiveDir: dir }, { tenantId: tenant, now: new Date(Date.now() + 60_000) }).catch((e: Error) => e);
    expect(String(res)).toMatch(/younger than the minimum age 1 day/);
    expect(await verdict(tenant)).toEqual({ intact: 2 });
  });
});

test(
  'concurrent writers for one tenant never fork the chain or leave a gap, and each decision lands once',
  async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 8 }), async (writers) => {
        const tenant = `race-${run}-${round++}`;
        // Writers share some decision keys (a retried activity on another worker): each key must land once.
        await Promise.all(writers.map((keys) => appendAudit(worker, keys.map((k) => entry(tenant, k)))));
        const rows: AuditRow[] = [];
        for await (const r of auditRows(worker, { tenantId: tenant })) rows.push(r);
        const distinct = new Set(writers.flat());
        expect(rows.map((r) => r.seq)).toEqual([...Array(distinct.size).keys()].map((i) => i + 1));
        expect(new Set(rows.map((r) => r.key)).size).toBe(distinct.size);
        expect(await verdict(tenant)).toEqual({ intact: distinct.size });
      }),
      params(15),
    );
  },
  timeoutFor(15, 2_000),
);

describe('retention', () => {
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-archive-'));
    await admin.query("UPDATE audit_settings SET min_prune_age = interval '0'");
  });
  afterAll(async () => {
    await admin.query("UPDATE audit_settings SET min_prune_age = interval '1 day'");
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const prune = (tenantId: string) => archiveAndPrune(worker, { keepDays: 0, archiveDir: dir }, { tenantId, now: new Date(Date.now() + 60_000) });
  const archived = (file: string): AuditRow[] => fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditRow);

  test('archives and prunes, leaving an anchor the chain verifies from; again later; archives and table verify as one chain', async () => {
    const tenant = await chain('prune', 4);
    const first = await prune(tenant);
    expect(first).toMatchObject({ archived: 4, pruned: 4, refused: [] });
    expect(await verdict(tenant)).toEqual({ intact: 1 });
    const { rows: anchor } = await worker.query('SELECT seq, kind, detail FROM audit_log WHERE tenant_id = $1', [tenant]);
    expect(anchor).toEqual([{ seq: '4', kind: 'anchor', detail: { pruned: 4, archive: 'audit-1-4.jsonl' } }]);

    for (let i = 5; i <= 7; i++) await appendAudit(worker, entry(tenant, i));
    expect(await verdict(tenant)).toEqual({ intact: 4 });
    const v = await verifyAudit(worker, tenant);
    expect(v.intact[0]).toMatchObject({ pruned: 4, head: { seq: 7 } });

    expect(await prune(tenant)).toMatchObject({ archived: 4, pruned: 3 });
    expect(await prune(tenant)).toMatchObject({ archived: 0, pruned: 0 });
    for (let i = 8; i <= 9; i++) await appendAudit(worker, entry(tenant, i));
    const { rows: left } = await worker.query('SELECT seq, kind, detail FROM audit_log WHERE tenant_id = $1 ORDER BY seq', [tenant]);
    expect(left.map((r) => [r.seq, r.kind])).toEqual([['7', 'anchor'], ['8', 'approval'], ['9', 'approval']]);
    expect(left[0].detail).toEqual({ pruned: 7, archive: 'audit-4-7.jsonl' });
    expect(await verdict(tenant)).toEqual({ intact: 3 });

    // The first archive, the second (whose first line is the first anchor) and the table: rows 1..9 in one chain.
    const tenantDir = path.join(dir, encodeURIComponent(tenant));
    const whole = [...archived(path.join(tenantDir, 'audit-1-4.jsonl')), ...archived(path.join(tenantDir, 'audit-4-7.jsonl')).slice(1)];
    for await (const r of auditRows(worker, { tenantId: tenant })) if (r.kind !== 'anchor') whole.push(r);
    const verifier = new ChainVerifier(tenant);
    for (const r of whole) expect(verifier.push(r)).toBeUndefined();
    expect(whole.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('an UPDATE of the anchor is found; a broken chain is not pruned', async () => {
    const tenant = await chain('anchor', 3);
    await prune(tenant);
    await appendAudit(worker, entry(tenant, 4));
    await admin.query("UPDATE audit_log SET detail = jsonb_set(detail, '{pruned}', '1') WHERE tenant_id = $1 AND kind = 'anchor'", [tenant]);
    expect(await verdict(tenant)).toMatchObject({ seq: 3, problem: 'its contents do not match its hash (changed after it was written)' });

    const broken = await chain('noprune', 3);
    await admin.query("UPDATE audit_log SET principal = 'mallory' WHERE tenant_id = $1 AND seq = 2", [broken]);
    expect(await prune(broken)).toMatchObject({ pruned: 0, refused: [{ tenantId: broken, seq: 2 }] });
    const { rows } = await worker.query('SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1', [broken]);
    expect(rows[0].n).toBe(3);
  });
});
