/**
 * `durable-agents audit verify | export` as a person runs them, logged in as the workers'
 * role: an intact chain passes (exit 0) and prints its head; a superuser's UPDATE makes it
 * fail (exit 1) naming tenant and row; export writes JSONL; mistakes exit 2 in one line.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { appendAudit } from '../../src/audit/log';
import { runCli } from '../support/cli-process';
import { testEnv } from '../support/harness';

const tenant = `cli-audit-${randomUUID().slice(0, 8)}`;
let worker: pg.Pool;
let admin: pg.Pool;
beforeAll(async () => {
  worker = new pg.Pool({ connectionString: testEnv().databaseUrl, max: 2 });
  admin = new pg.Pool({ connectionString: testEnv().adminDatabaseUrl, max: 1 });
  for (let i = 1; i <= 3; i++) {
    await appendAudit(worker, { tenantId: tenant, kind: 'rejection', key: `k${i}`, principal: 'bob', detail: { tool: 'pay', callId: `call_${i}` }, data: { reason: 'secret reason' } });
  }
});
afterAll(async () => {
  await worker?.end();
  await admin?.end();
});

test('verify passes on an intact chain, export writes JSONL, verify fails naming the row after an UPDATE', async () => {
  const ok = await runCli(['audit', 'verify', '--tenant', tenant]);
  expect(ok).toMatchObject({ code: 0, stderr: '' });
  expect(ok.stdout).toMatch(new RegExp(`^✓ tenant ${tenant}: 3 rows intact; head 3 [0-9a-f]{64}\\n$`));

  const exported = await runCli(['audit', 'export', '--tenant', tenant, '--since', '1d']);
  expect(exported.code).toBe(0);
  const rows = exported.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; kind: string });
  expect(rows.map((r) => [r.seq, r.kind])).toEqual([[1, 'rejection'], [2, 'rejection'], [3, 'rejection']]);
  expect(exported.stdout).not.toContain('secret reason');

  await admin.query("UPDATE audit_log SET principal = 'mallory' WHERE tenant_id = $1 AND seq = 2", [tenant]);
  const broken = await runCli(['audit', 'verify', '--tenant', tenant]);
  expect(broken).toMatchObject({ code: 1, stdout: `✗ tenant ${tenant}: broken at row 2: its contents do not match its hash (changed after it was written)\n` });
});

test('mistakes are one line and exit 2', async () => {
  expect(await runCli(['audit', 'check'])).toMatchObject({ code: 2, stderr: 'durable-agents: expected: npx durable-agents audit verify [--tenant T] | audit export [--tenant T] [--since WHEN]\n' });
  expect(await runCli(['audit', 'export', '--since', 'yesterday'])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^durable-agents: --since must be an ISO date or time .* not "yesterday"\n$/) });
  expect(await runCli(['audit', 'verify', '--since', '1d'])).toMatchObject({ code: 2 });
  expect(await runCli(['audit', 'verify'], { DATABASE_URL: 'postgres://nobody:x@127.0.0.1:1/none' })).toMatchObject({ code: 1, stderr: expect.stringMatching(/^durable-agents: cannot reach Postgres \(DATABASE_URL: /) });
});
