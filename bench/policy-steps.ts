/**
 * `npm run build && node dist/bench/policy-steps.js`: where the policies' time in one
 * agent step goes. Runs the in-process agent loop (bench/bare-loop.ts, default policies)
 * for 201 steps, twice, timing each policy call it makes (cache key, L2 lookup, budget
 * reserve and commit, response store) and a bare Postgres round trip for scale. Not part
 * of `npm run bench`: it explains one of its figures.
 */
import { performance } from 'node:perf_hooks';
import { bareLoop } from './bare-loop';
import { startBenchEnv } from './env';
import { printTable, type Row } from './report';
import { median } from './stats';

const STEPS = 201;
const ROUNDS = 2;

type Samples = Map<string, number[]>;

/** Replaces `obj[name]` with a version that records its duration (ms) under `label`. */
function timed<T extends object>(samples: Samples, obj: T, name: keyof T & string, label: string): void {
  const original = (obj[name] as (...args: unknown[]) => unknown).bind(obj);
  (obj as Record<string, unknown>)[name] = (...args: unknown[]) => {
    const started = performance.now();
    const record = () => {
      const list = samples.get(label) ?? [];
      list.push(performance.now() - started);
      samples.set(label, list);
    };
    const result = original(...args);
    if (result instanceof Promise) return result.finally(record);
    record();
    return result;
  };
}

async function main(): Promise<void> {
  const env = await startBenchEnv({ store: 'memory' });
  try {
    const samples: Samples = new Map();
    const { budget, responses } = env.deps.policies;
    timed(samples, responses, 'key', 'cache key (whole conversation)');
    timed(samples, responses, 'get', 'cache L2 lookup (miss)');
    timed(samples, budget, 'reserve', 'budget reserve');
    timed(samples, budget, 'commit', 'budget commit');
    timed(samples, responses, 'set', 'cache store (beside the commit)');
    timed(samples, env.activities, 'callModel', 'callModel activity, all of it');
    const rows: Row[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      samples.clear();
      const steps = await bareLoop(env.activities, STEPS);
      for (const [metric, list] of samples) rows.push({ section: `round ${round}`, metric, p50: median(list), unit: 'ms' });
      rows.push({ section: `round ${round}`, metric: 'in-process step, all of it', p50: median(steps), unit: 'ms' });
    }
    const roundTrips: number[] = [];
    for (let i = 0; i < 300; i++) {
      const started = performance.now();
      await env.deps.db.query('SELECT 1');
      roundTrips.push(performance.now() - started);
    }
    rows.push({ section: 'postgres', metric: 'bare round trip (SELECT 1)', p50: median(roundTrips), unit: 'ms' });
    printTable(`durable-agents policy steps (${STEPS}-step in-process loop, default policies; p50 per call)`, rows);
  } finally {
    await env.shutdown();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`policy-steps failed: ${err.stack ?? err.message}\n`);
  process.exitCode = 1;
});
