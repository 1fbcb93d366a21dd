/**
 * One process at a time runs the embedded servers on a data directory. Two Temporal dev
 * servers on one SQLite file, or two Postgres on one data folder, corrupt each other; a
 * second `dev` must instead say who runs there. The lock is a file in the data directory
 * holding the owner's pid and ports; the lock of a process that is gone is taken over.
 * The ports are checked before anything starts, so a taken one is named at once.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';

/** The embedded stack cannot start: the data directory or a port is in use. */
export class InUseError extends DurableAgentsError {
  constructor(message: string) {
    super(message, { type: FailureType.InfrastructureUnavailable, fault: 'system', retryable: false });
  }
}

/** A port the embedded stack listens on, and the variable that sets it. */
export interface NamedPort {
  port: number;
  variable: string;
}

interface LockContent {
  pid: number;
  ports: NamedPort[];
}

export const LOCK_FILE = 'durable-agents.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockContent | undefined {
  try {
    const content = JSON.parse(fs.readFileSync(file, 'utf8')) as LockContent;
    return Number.isInteger(content.pid) ? content : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the data directory's lock for this process; returns its release. Throws
 * {@link InUseError} naming the running process when a live one holds it.
 */
export function lockDataDir(dir: string, ports: NamedPort[]): () => void {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  const mine = JSON.stringify({ pid: process.pid, ports } satisfies LockContent);
  // Two rounds: the first may find a stale lock and remove it.
  for (let round = 0; round < 2; round++) {
    try {
      fs.writeFileSync(file, mine, { flag: 'wx' });
      const release = () => {
        if (readLock(file)?.pid === process.pid) fs.rmSync(file, { force: true });
      };
      // A crash between here and the release leaves the lock behind: the next start takes it over.
      process.once('exit', release);
      return () => {
        process.off('exit', release);
        release();
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = readLock(file);
    if (holder && holder.pid !== process.pid && alive(holder.pid)) {
      const on = holder.ports.map((p) => p.port).join(', ');
      throw new InUseError(`data directory ${dir} is in use by durable-agents (pid ${holder.pid}${on ? `, ports ${on}` : ''}): stop it, or set DURABLE_AGENTS_DATA_DIR to another directory`);
    }
    fs.rmSync(file, { force: true });
  }
  throw new InUseError(`data directory ${dir} is being taken by another process at the same time; try again`);
}

function inUse(port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(true) : reject(err)));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}

/** Throws {@link InUseError} naming the first port something already listens on. */
export async function assertPortsFree(ports: NamedPort[]): Promise<void> {
  for (const { port, variable } of ports) {
    if (await inUse(port)) throw new InUseError(`port ${port} (${variable}) is in use by another process: stop it, or set ${variable} to a free port`);
  }
}
