/** Runs the CLI from source in a process of its own, against the shared test server and Postgres. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { testEnv } from './harness';

const ROOT = path.resolve(__dirname, '../..');

export interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `durable-agents <args>` with a clean environment plus `env` (e.g. TASK_QUEUE). */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', path.join(ROOT, 'test/support/register-ts.js'), path.join(ROOT, 'src/cli/cli.ts'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TEMPORAL_ADDRESS: testEnv().address, DATABASE_URL: testEnv().databaseUrl, DURABLE_AGENTS_ENCRYPTION_KEYS: process.env.DURABLE_AGENTS_ENCRYPTION_KEYS!, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A CLI that hangs must not outlive the test: kill it (the assertion then fails on its output).
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
