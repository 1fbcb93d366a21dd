/**
 * Finds a Temporal CLI binary (server + Web UI in one) without Docker, in this order:
 * TEMPORAL_CLI_PATH → `temporal` on PATH → a cached build → `go install` into the cache →
 * the download that @temporalio/testing performs itself (machines with internet).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { EphemeralServerExecutable } from '@temporalio/testing';
import type { Config } from './config';
import type { Logger } from './logger';

/** Newest CLI tag whose go.mod has no `replace` directive, so `go install` works. */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

/** Where the CLI finds or builds the Temporal binary: TEMPORAL_CLI_PATH and the build cache. */
export type TemporalCliSettings = Pick<Config, 'TEMPORAL_CLI_PATH' | 'DURABLE_AGENTS_CACHE_DIR'>;

export function cachedCliPath(cacheDir: string): string {
  return path.join(cacheDir, 'bin', 'temporal');
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

function goInstall(gobin: string, log: Logger): Promise<boolean> {
  const go = onPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) return Promise.resolve(false);
  fs.mkdirSync(gobin, { recursive: true });
  log.warn(`building the Temporal CLI with go (${TEMPORAL_CLI_MODULE}); this takes a few minutes, once`);
  return new Promise((resolve) => {
    const child = spawn(go, ['install', TEMPORAL_CLI_MODULE], {
      env: { ...process.env, GOBIN: gobin, CGO_ENABLED: process.env.CGO_ENABLED ?? '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** Resolves the executable for `TestWorkflowEnvironment.createLocal`, building it if needed. */
export async function resolveTemporalCli(log: Logger, settings: TemporalCliSettings): Promise<EphemeralServerExecutable> {
  const explicit = settings.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return { type: 'existing-path', path: explicit };
  }
  const found = onPath('temporal');
  if (found) return { type: 'existing-path', path: found };
  const cached = cachedCliPath(settings.DURABLE_AGENTS_CACHE_DIR);
  if (isExecutable(cached)) return { type: 'existing-path', path: cached };
  if (await goInstall(path.dirname(cached), log)) {
    if (isExecutable(cached)) return { type: 'existing-path', path: cached };
  }
  log.warn('no Temporal CLI found and go could not build one; falling back to the SDK download');
  return { type: 'cached-download', downloadDir: path.join(settings.DURABLE_AGENTS_CACHE_DIR, 'download') };
}
