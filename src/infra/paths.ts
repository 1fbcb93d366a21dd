import os from 'node:os';
import path from 'node:path';

/** Project root (holds package.json), whether running from src/ via jest or from dist/. */
export const PROJECT_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');

/** Runtime state of the embedded default: Temporal's SQLite file, Postgres data. */
export function dataDir(): string {
  return process.env.DURABLE_AGENTS_DATA_DIR ?? path.join(PROJECT_ROOT, '.data');
}

/**
 * Build cache that outlives a checkout (the Temporal CLI takes minutes to build), so a
 * fresh clone on the same machine reuses it.
 */
export function cacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return process.env.DURABLE_AGENTS_CACHE_DIR ?? path.join(base, 'durable-agents');
}
