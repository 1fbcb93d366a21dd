/**
 * `durable-agents keys`, the built CLI in a process of its own against the test Postgres:
 * create shows the key once and it authenticates; list shows principals, never secrets;
 * revoke ends it; bad input is one clear line with exit code 2.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type pg from 'pg';
import { createPool } from '../../src/infra/postgres';
import { createAuthenticator } from '../../src/trust/authenticate';
import { PrincipalStore } from '../../src/trust/principal-store';
import { testEnv } from '../support/harness';

const CLI = path.resolve(__dirname, '../../dist/src/cli/cli.js');
let pool: pg.Pool;

beforeAll(() => {
  pool = createPool({ connectionString: testEnv().databaseUrl, max: 2 });
});
afterAll(() => pool?.end());

function keys(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'keys', ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', DATABASE_URL: testEnv().databaseUrl, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('create, list, revoke: the key is shown once, authenticates until revoked, and list never shows it', async () => {
  const created = await keys(['create', '--name', 'Erin Ops', '--tenant', 'acme', '--role', 'operator', '--role', 'approver']);
  expect(created.stderr).toBe('');
  expect(created.code).toBe(0);
  const [, id] = /^created API key ([0-9a-f]{16}) for Erin Ops \(person, tenant acme, roles operator, approver\)$/m.exec(created.stdout)!;
  const key = /^use it: export DURABLE_AGENTS_API_KEY=(da_\S+)$/m.exec(created.stdout)![1]!;
  expect(created.stdout).toContain(`key (shown once, keep it secret): ${key}`);
  const authenticate = createAuthenticator({ store: new PrincipalStore(pool) });
  expect(await authenticate(`Bearer ${key}`)).toEqual({ id: `key:${id}`, name: 'Erin Ops', kind: 'person', tenant: 'acme', roles: ['operator', 'approver'] });

  const service = await keys(['create', '--name', 'billing-bot', '--tenant', '*', '--role', 'viewer', '--service']);
  expect(service.stdout).toMatch(/for billing-bot \(service, tenant \*, roles viewer\)/);

  const listed = await keys(['list']);
  expect(listed.code).toBe(0);
  expect(listed.stdout.split('\n')[0]).toMatch(/^ID +NAME +KIND +TENANT +ROLES +CREATED +REVOKED$/);
  expect(listed.stdout).toMatch(new RegExp(`^${id} +Erin Ops +person +acme +operator,approver +\\d{4}-\\S+Z +-$`, 'm'));
  expect(listed.stdout).not.toContain(key.split('_')[2]!.slice(0, 12));

  const revoked = await keys(['revoke', id!]);
  expect(revoked.code).toBe(0);
  expect(revoked.stdout).toMatch(new RegExp(`^revoked API key ${id} of Erin Ops .* it authenticates no more\\n$`));
  await expect(authenticate(`Bearer ${key}`)).rejects.toThrow(new RegExp(`^API key ${id} was revoked at`));
  expect((await keys(['list'])).stdout).toMatch(new RegExp(`^${id} +Erin Ops .* \\d{4}-\\S+Z +\\d{4}-\\S+Z$`, 'm'));

  // Both changes are in the tenant's audit trail, once each (revoking again adds nothing), by the local operator.
  expect((await keys(['revoke', id!])).code).toBe(0);
  const { rows } = await pool.query("SELECT kind, principal, detail->>'action' AS action, detail->>'roles' AS roles FROM audit_log WHERE tenant_id = 'acme' AND detail->>'keyId' = $1 ORDER BY seq", [id]);
  expect(rows).toEqual([
    { kind: 'access_change', principal: expect.stringMatching(/^local:\S+$/), action: 'key_created', roles: 'operator,approver' },
    { kind: 'access_change', principal: expect.stringMatching(/^local:\S+$/), action: 'key_revoked', roles: 'operator,approver' },
  ]);
  expect(JSON.stringify(rows)).not.toContain('Erin'); // the name is personal data: in the digest only
});

test('bad input: one line naming what is wrong, exit code 2, nothing created', async () => {
  const before = (await pool.query('SELECT count(*)::int AS n FROM api_keys')).rows[0].n as number;
  const cases: Array<[string[], RegExp]> = [
    [['create', '--name', 'x', '--tenant', 'acme'], /^durable-agents: expected: npx durable-agents keys create --name N --tenant T --role R/],
    [['create', '--name', 'x', '--tenant', 'acme', '--role', 'superuser'], /^durable-agents: unknown role "superuser" \(one of: viewer, operator, approver, admin\)$/],
    [['create', '--name', 'x', '--tenant', 'Acme Corp', '--role', 'viewer'], /^durable-agents: --tenant "Acme Corp" is not a tenant id/],
    [['create', '--name', '  ', '--tenant', 'acme', '--role', 'viewer'], /^durable-agents: --name must be 1 to 200 characters$/],
    [['revoke', 'nope'], /^durable-agents: malformed key id "nope"/],
    [['revoke', '0123456789abcdef'], /^durable-agents: no API key with id 0123456789abcdef \(see: npx durable-agents keys list\)$/],
    [['rotate'], /^durable-agents: expected: npx durable-agents keys create\|list\|revoke/],
    [['create', '--bogus'], /^durable-agents: Unknown option '--bogus'.* \(see: npx durable-agents keys --help\)$/],
  ];
  for (const [args, pattern] of cases) {
    const r = await keys(args);
    expect([args, r.code, r.stderr.trimEnd().split('\n')]).toEqual([args, 2, [expect.stringMatching(pattern)]]);
  }
  expect((await pool.query('SELECT count(*)::int AS n FROM api_keys')).rows[0].n).toBe(before);
  const down = await keys(['list'], { DATABASE_URL: 'postgres://x:y@127.0.0.1:1/postgres' });
  expect([down.code, down.stderr]).toEqual([1, 'durable-agents: cannot reach Postgres at 127.0.0.1:1 (DATABASE_URL): connection refused\n']);
  expect((await keys(['--help'])).stdout).toMatch(/^usage: npx durable-agents keys <command>/);
});
