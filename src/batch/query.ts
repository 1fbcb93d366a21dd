/**
 * Batch queries: a person's SELECT, read in chunks by the worker. The text is the user's,
 * so what it may do is bounded by the mechanism, not by inspecting it:
 *
 * - it runs on its own pool, logged in as a restricted role (BATCH_QUERY_DATABASE_URL, or
 *   `durable_agents_batch_reader` on the embedded Postgres): no superuser, no membership
 *   of the server-file roles, no privilege on the service's own tables — checked on the
 *   connection before every query, so a misconfigured URL is refused, never used;
 * - it is one statement, `DECLARE … CURSOR FOR <text>`, sent with the extended protocol,
 *   which refuses several statements in one message, and a cursor accepts only a
 *   SELECT/VALUES without data-modifying WITH clauses;
 * - it runs in a READ ONLY transaction with a statement timeout, and a deadline kept by
 *   this process (the user's SQL can change its own session's timeout) cancels it.
 *
 * The role, not `SET ROLE`, is the boundary: a superuser session could switch back.
 */
import pg from 'pg';
import { readMigrations } from '../infra/migrations';
import { createPool } from '../infra/postgres';
import type { BatchInputItem } from '../shared/batch-types';
import { BatchInputError, checkItem } from './inputs';

/** The login role the embedded Postgres creates for batch queries. */
export { BATCH_READER_ROLE } from '../infra/postgres';

/** Why a worker without a batch-query database refuses query batches. */
export const NO_BATCH_QUERY_DATABASE =
  'batch queries are refused: BATCH_QUERY_DATABASE_URL is not set (DATABASE_URL is, and its role is never used for them); ' +
  'set it to a login role without superuser that may read only the tables batches query';

/** Default limit on the time a batch query may run, summed over its fetches. */
export const BATCH_QUERY_TIMEOUT_MS = 300_000;

/** Roles whose members read or write server files, or read every table. */
const POWERFUL_ROLES = ['pg_read_server_files', 'pg_write_server_files', 'pg_execute_server_program', 'pg_read_all_data', 'pg_write_all_data'];

/** Grace after a cancel request before the connection is dropped instead. */
const CANCEL_GRACE_MS = 5000;

/** The tables the migrations create (the service's own), plus the migrations' own table. */
export function serviceTables(): string[] {
  const names = new Set(['schema_migrations']);
  for (const m of readMigrations()) {
    for (const match of m.sql.matchAll(/\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?("?[A-Za-z_][\w.]*"?)/gi)) names.add(match[1]!.replace(/"/g, ''));
  }
  return [...names].sort();
}

export interface BatchQueryReaderOptions {
  /** Time the query may run, summed over its fetches (default 5 minutes). */
  timeoutMs?: number;
  /** Rows per fetch (default 500). */
  chunk?: number;
  /** Connections at once (default 4). */
  maxConnections?: number;
}

/** Reads batch queries under the restricted role of `url`; one per worker. */
export class BatchQueryReader {
  private readonly pool: pg.Pool;
  private readonly timeoutMs: number;
  private readonly chunk: number;
  private tables: string[] | undefined;

  constructor(
    private readonly url: string,
    opts: BatchQueryReaderOptions = {},
  ) {
    this.timeoutMs = Math.max(1, Math.floor(opts.timeoutMs ?? BATCH_QUERY_TIMEOUT_MS));
    this.chunk = Math.max(1, Math.floor(opts.chunk ?? 500));
    // A connection losing its server must not crash the worker; the next read reconnects.
    this.pool = createPool({ connectionString: url, max: opts.maxConnections ?? 4, application_name: 'durable-agents batch query' });
  }

  /** Runs `sql` and yields its rows as items: column `input` (else the first) is the item, `key` labels it. */
  async *read(sql: string): AsyncGenerator<BatchInputItem[]> {
    const text = sql.trim().replace(/;\s*$/, '');
    if (!text) throw new BatchInputError('the batch query is empty');
    const client = await this.pool.connect().catch((err: unknown) => {
      // Wrong credentials or database: the operator's to fix, and retrying cannot help.
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && /^(28|3D)/.test(code)) throw new BatchInputError(`batch queries are refused: BATCH_QUERY_DATABASE_URL cannot log in (${(err as Error).message})`);
      throw err;
    });
    // The user's SQL may have changed session settings: the connection is never reused.
    let broken: Error | boolean = true;
    try {
      await this.checkRole(client);
      const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      let left = this.timeoutMs;
      const timed = async <T>(p: Promise<T>): Promise<T> => {
        const started = Date.now();
        try {
          return await this.withDeadline(client, pid, p, left);
        } finally {
          left -= Date.now() - started;
        }
      };
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${this.timeoutMs}`);
      await timed(client.query(extended(`DECLARE batch_source NO SCROLL CURSOR FOR ${text}`)));
      let row = 0;
      for (;;) {
        if (left <= 0) throw this.timeoutError();
        const res = await timed(client.query<Record<string, unknown>>(extended(`FETCH ${this.chunk} FROM batch_source`)));
        if (!res.rows.length) break;
        const column = res.fields.some((f) => f.name === 'input') ? 'input' : res.fields[0]?.name;
        yield res.rows.map((r) => rowItem(r, column, ++row));
      }
      await client.query('COMMIT');
    } catch (err) {
      broken = err instanceof Error ? err : true;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private timeoutError(): BatchInputError {
    return new BatchInputError(`the batch query ran longer than ${Math.round(this.timeoutMs / 1000)} s`);
  }

  /**
   * Refuses a connection whose role could do more than read what it was granted: a
   * superuser (or a member of one), a member of the server-file roles, or a role with a
   * privilege on the service's own tables (which includes the service's own role).
   */
  private async checkRole(client: pg.PoolClient): Promise<void> {
    this.tables ??= serviceTables();
    const { rows } = await client.query<{ role: string; superuser: boolean; powers: string[]; tables: string[] }>(
      `SELECT current_user::text AS role,
              EXISTS (SELECT 1 FROM pg_roles r WHERE (r.rolsuper OR r.rolbypassrls) AND pg_has_role(current_user, r.oid, 'MEMBER')) AS superuser,
              ARRAY(SELECT r.rolname::text FROM pg_roles r WHERE r.rolname = ANY($1::text[]) AND pg_has_role(current_user, r.oid, 'MEMBER')) AS powers,
              ARRAY(SELECT t FROM unnest($2::text[]) AS t WHERE to_regclass(t) IS NOT NULL
                      AND (has_table_privilege(t, 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER')
                           OR has_any_column_privilege(t, 'SELECT,INSERT,UPDATE,REFERENCES'))) AS tables`,
      [POWERFUL_ROLES, this.tables],
    );
    const r = rows[0]!;
    const why = r.superuser
      ? 'is a superuser (or may become one, or bypasses row security)'
      : r.powers.length
        ? `is a member of ${r.powers.join(', ')}`
        : r.tables.length
          ? `has privileges on the service's tables (${r.tables.slice(0, 5).join(', ')}${r.tables.length > 5 ? ', …' : ''})`
          : undefined;
    if (why) {
      throw new BatchInputError(
        `batch queries are refused: BATCH_QUERY_DATABASE_URL logs in as role "${r.role}", which ${why}; use a login role without superuser that may read only the tables batches query`,
      );
    }
  }

  /**
   * Waits for the user's statement `p` at most `ms`; past that, cancels it from a
   * connection of its own, and drops the connection if the cancel does not land. Errors
   * in the statement become {@link BatchInputError}s.
   */
  private async withDeadline<T>(client: pg.PoolClient, pid: number, p: Promise<T>, ms: number): Promise<T> {
    p.catch(() => undefined);
    let fired = false;
    let timer: NodeJS.Timeout | undefined;
    let grace: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        fired = true;
        void this.cancel(pid);
        grace = setTimeout(() => reject(this.timeoutError()), CANCEL_GRACE_MS);
      }, Math.max(0, ms));
    });
    expired.catch(() => undefined);
    try {
      return await Promise.race([p, expired]);
    } catch (err) {
      if (fired) {
        // The statement may still run if the cancel did not land: the connection goes.
        (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
        throw this.timeoutError();
      }
      // The server's own statement timeout, when the user's SQL left it on.
      if ((err as { code?: unknown }).code === '57014') throw this.timeoutError();
      throw asInputError(err);
    } finally {
      clearTimeout(timer);
      clearTimeout(grace);
    }
  }

  /** `pg_cancel_backend` from a short-lived connection of the same role (a role may cancel its own statements). */
  private async cancel(pid: number): Promise<void> {
    const c = new pg.Client({ connectionString: this.url });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.query('SELECT pg_cancel_backend($1)', [pid]);
    } catch {
      // The deadline's fallback drops the connection.
    } finally {
      await c.end().catch(() => undefined);
    }
  }
}

/** A query sent with the extended protocol (Parse/Bind/Execute): one statement, never a script. */
function extended(text: string): pg.QueryConfig {
  const config: pg.QueryConfig & { queryMode: 'extended' } = { text, queryMode: 'extended' };
  return config;
}

function rowItem(r: Record<string, unknown>, column: string | undefined, row: number): BatchInputItem {
  const v = column === undefined ? undefined : r[column];
  if (v === null || v === undefined) throw new BatchInputError(`row ${row}: the query returned no input (NULL or no column)`);
  const input = typeof v === 'string' ? v : JSON.stringify(v);
  const key = r.key;
  return checkItem({ input, ...(key !== undefined && key !== null && column !== 'key' ? { key: String(key) } : {}) }, `row ${row}`);
}

/**
 * Postgres errors in the user's SQL (syntax, unknown table or column, permission, data,
 * a write in a read-only transaction) become {@link BatchInputError}; connection trouble
 * stays as it is, so it is retried.
 */
function asInputError(err: unknown): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^(42|22|0A|0L|0P|25|21|23|2B|2F|38|39|3F|54)/.test(code)) {
    return new BatchInputError(`the batch query failed: ${(err as Error).message}`);
  }
  return err;
}
