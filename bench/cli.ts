/**
 * The CLI as a person waits for it: start-up of `--help` and of commands that talk to
 * Temporal (a process each, as typed), and reading the agent catalog (a query to the task
 * queue's catalog workflow) in-process. Starts its own `dev` on free ports and a fresh
 * data directory.
 *
 *   npm run build && node dist/bench/cli.js        (CLI_RUNS, default 20; CATALOG_READS, default 100, three series)
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AgentClient } from '../src/client/agent-client';
import { loadConfig } from '../src/infra/config';
import { freePort } from '../src/infra/postgres';
import { quantiles, round } from './stats';

const ROOT = path.resolve(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/src/cli/cli.js');

function timeCommand(args: string[], env: NodeJS.ProcessEnv, runs: number): { p50: number; p99: number } {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8' });
    ms.push(performance.now() - t);
    if (r.status !== 0) throw new Error(`durable-agents ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  }
  const q = quantiles(ms);
  return { p50: round(q.p50, 0), p99: round(q.p99, 0) };
}

async function main(): Promise<void> {
  const runs = Number(process.env.CLI_RUNS ?? 20);
  const reads = Number(process.env.CATALOG_READS ?? 100);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cli-'));
  fs.chmodSync(work, 0o755); // run as root, the embedded Postgres runs as the user postgres
  const env = { ...process.env, DURABLE_AGENTS_DATA_DIR: path.join(work, 'data'), TEMPORAL_PORT: String(await freePort()), TEMPORAL_UI_PORT: String(await freePort()), EMBEDDED_POSTGRES_PORT: String(await freePort()), DURABLE_AGENTS_PORT: String(await freePort()) };
  const dev = spawn(process.execPath, [CLI, 'dev'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  dev.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  try {
    for (let waited = 0; !out.includes('Ready.'); waited += 200) {
      if (waited > 300_000 || dev.exitCode !== null) throw new Error(`dev did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const rows: Record<string, { p50: number; p99: number }> = {
      '--help (process)': timeCommand(['--help'], env, runs),
      'list (process)': timeCommand(['list'], env, runs),
      'agents (process)': timeCommand(['agents'], env, runs),
    };
    const client = await AgentClient.connect(loadConfig(env));
    await client.agentCatalog();
    for (let series = 1; series <= 3; series++) {
      const ms: number[] = [];
      for (let i = 0; i < reads; i++) {
        const t = performance.now();
        await client.agentCatalog();
        ms.push(performance.now() - t);
      }
      const q = quantiles(ms);
      rows[`agentCatalog() series ${series} (in-process)`] = { p50: round(q.p50, 1), p99: round(q.p99, 1) };
    }
    process.stdout.write(`runs per command: ${runs}; catalog reads per series: ${reads}\n`);
    for (const [what, q] of Object.entries(rows)) process.stdout.write(`${what.padEnd(40)} p50 ${String(q.p50).padStart(7)} ms   p99 ${String(q.p99).padStart(7)} ms\n`);
  } finally {
    dev.kill('SIGINT');
    await new Promise((r) => dev.once('exit', r));
  }
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/cli: ${(err as Error).message}\n`);
  process.exit(1);
});
