/** Postgres trouble a CLI command meets, as one line the user can act on. */
import { UnreachableError } from '../client/connect';
import type { Config } from '../infra/config';

/**
 * The error to show for `err`: unreachable or refused logins name where Postgres was
 * looked for; a missing table (`what`, e.g. "the batch tables") says migrations have not
 * run. Anything else is returned as it is.
 */
export function postgresError(config: Pick<Config, 'DATABASE_URL' | 'EMBEDDED_POSTGRES_PORT'>, err: unknown, what: string): unknown {
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === '28P01' || code === '3D000') {
    const where = config.DATABASE_URL ? 'DATABASE_URL' : `the embedded Postgres on port ${config.EMBEDDED_POSTGRES_PORT}`;
    return new UnreachableError(`cannot reach Postgres (${where}: ${(err as Error).message.split('\n')[0]}); start it with "npx durable-agents dev" or set DATABASE_URL`);
  }
  if (code === '42P01') return new UnreachableError(`${what} are missing (${(err as Error).message}); start a worker once so migrations apply`);
  return err;
}
