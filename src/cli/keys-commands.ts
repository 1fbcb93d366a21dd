/**
 * `durable-agents keys create | list | revoke`: API keys of principals, straight in the
 * service's Postgres (DATABASE_URL, else the embedded one `dev` runs). Whoever can reach
 * that database administers keys; everyone else authenticates with one.
 */
import { UnreachableError } from '../client/connect';
import type { Config } from '../infra/config';
import { createLogger } from '../infra/logger';
import { migrate } from '../infra/migrations';
import { createPool, embeddedDatabaseUrl } from '../infra/postgres';
import { ROLES, type Role } from '../shared/principal';
import { PrincipalStore, type ApiKeyRecord } from '../trust/principal-store';
import type { Out } from './commands';
import { UsageError } from './errors';
import { table } from './listing';
import type { KeysOptionValues } from './options';

const CREATE = 'keys create --name N --tenant T --role R [--role R…] [--service]';

/** Where the keys are, for errors: the URL's host and the variable it came from. */
function database(config: Config): { url: string; where: string } {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, where: `Postgres at ${new URL(config.DATABASE_URL).host} (DATABASE_URL)` };
  return { url: embeddedDatabaseUrl(config.EMBEDDED_POSTGRES_PORT), where: `the embedded Postgres on port ${config.EMBEDDED_POSTGRES_PORT} (EMBEDDED_POSTGRES_PORT)` };
}

async function withStore(config: Config, fn: (store: PrincipalStore) => Promise<number>): Promise<number> {
  const { url, where } = database(config);
  const pool = createPool({ connectionString: url, max: 2, connectionTimeoutMillis: 3000 });
  try {
    try {
      // The table exists wherever the service ran; a database it never ran on gets it now.
      await migrate(pool, createLogger({ component: 'keys' }, 'error'));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ECONNREFUSED' || /timeout|connect/i.test((err as Error).message)) {
        throw new UnreachableError(`cannot reach ${where}: ${code === 'ECONNREFUSED' ? 'connection refused' : (err as Error).message}${config.DATABASE_URL ? '' : '; start it with "npx durable-agents dev"'}`, err);
      }
      throw err;
    }
    return await fn(new PrincipalStore(pool));
  } finally {
    await pool.end();
  }
}

const describe = (r: ApiKeyRecord) => `${r.principal.name} (${r.principal.kind}, tenant ${r.principal.tenant}, roles ${r.principal.roles.join(', ')})`;

export async function keysCommand(config: Config, sub: string, args: string[], o: KeysOptionValues, out: Out): Promise<number> {
  switch (sub) {
    case 'create': {
      if (args.length || o.name === undefined || o.tenant === undefined || !o.role?.length) throw new UsageError(`expected: npx durable-agents ${CREATE}`);
      const unknown = o.role.find((r) => !(ROLES as readonly string[]).includes(r));
      if (unknown !== undefined) throw new UsageError(`unknown role "${unknown}" (one of: ${ROLES.join(', ')})`);
      const input = { name: o.name, tenant: o.tenant, roles: o.role as Role[], kind: o.service ? ('service' as const) : ('person' as const) };
      return withStore(config, async (store) => {
        const { record, key } = await store.create(input);
        out(`created API key ${record.keyId} for ${describe(record)}`);
        out(`key (shown once, keep it secret): ${key}`);
        out(`use it: export DURABLE_AGENTS_API_KEY=${key}`);
        return 0;
      });
    }
    case 'list': {
      if (args.length) throw new UsageError('expected: npx durable-agents keys list');
      return withStore(config, async (store) => {
        const keys = await store.list();
        if (!keys.length) {
          out(`no API keys (make one: npx durable-agents ${CREATE})`);
          return 0;
        }
        const at = (d?: Date) => (d ? d.toISOString().replace(/\.\d+Z$/, 'Z') : '-');
        const rows = keys.map((k) => [k.keyId, k.principal.name, k.principal.kind, k.principal.tenant, k.principal.roles.join(','), at(k.createdAt), at(k.revokedAt)]);
        table([['ID', 'NAME', 'KIND', 'TENANT', 'ROLES', 'CREATED', 'REVOKED'], ...rows]).forEach(out);
        return 0;
      });
    }
    case 'revoke': {
      if (args.length !== 1) throw new UsageError('expected: npx durable-agents keys revoke <id>');
      return withStore(config, async (store) => {
        const r = await store.revoke(args[0]!);
        out(`revoked API key ${r.keyId} of ${describe(r)} at ${r.revokedAt!.toISOString()}; it authenticates no more`);
        return 0;
      });
    }
    default:
      throw new UsageError('expected: npx durable-agents keys create|list|revoke … (see: npx durable-agents keys --help)');
  }
}
