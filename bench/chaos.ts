/**
 * `npm run build && node dist/bench/chaos.js`: the outage promises at scale. Worker
 * processes (as production runs them: dist/src/workers/main.js) serve runs of a priced
 * agent while a chaos loop SIGKILLs them at random and Postgres goes down once, abruptly
 * (`pg_ctl stop -m immediate`), for a minute. Then it checks what the guarantees suite
 * checks, for every run: completed, each booking exactly once, the ledger equal to what
 * the provider answered, no hold left. Prints the figures and writes
 * bench/results/chaos.json; exits 1 when a promise was broken or a worker died on its own.
 *
 * Settings (environment): CHAOS_RUNS (30), CHAOS_WORKERS (2), CHAOS_OUTAGE_SECONDS (60),
 * CHAOS_OUTAGE_AT_SECONDS (40), CHAOS_KILL_EVERY_SECONDS (6-15, a random pause between
 * kills), CHAOS_SEED (20261202).
 *
 * A worker that dies on its own (not killed here) is reported, with the end of its log,
 * and started again, as a supervisor would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { AgentClient } from '../src/client/agent-client';
import { createLogger } from '../src/infra/logger';
import { PROJECT_ROOT } from '../src/infra/paths';
import { loadConfig } from '../src/infra/config';
import { startDevServer } from '../src/infra/temporal-dev';
import type { AgentRunResult } from '../src/shared/run-types';
import { dataConverter } from '../src/encryption/data-converter';
import { formatKeyring, generateKeyring } from '../src/encryption/keyring';
import { STEADY_AGENT } from '../test/fixtures/guarantee-agents';
import { startCrashablePostgres } from '../test/support/crashable-postgres';
import { auditLedger, effectCounts, expectedEffects, sameUsd } from '../test/support/ledger-audit';
import { startOpenAIPlanServer } from '../test/support/openai-plan-server';
import { machine, writeResults } from './report';
import { median } from './stats';

const env = (name: string, def: number): number => (process.env[name] ? Number(process.env[name]) : def);
const RUNS = env('CHAOS_RUNS', 30);
const WORKERS = env('CHAOS_WORKERS', 2);
const OUTAGE_S = env('CHAOS_OUTAGE_SECONDS', 60);
const OUTAGE_AT_S = env('CHAOS_OUTAGE_AT_SECONDS', 40);
const [KILL_MIN_S, KILL_MAX_S] = (process.env.CHAOS_KILL_EVERY_SECONDS ?? '6-15').split('-').map(Number) as [number, number];
const SEED = env('CHAOS_SEED', 20261202);
const STEPS = 5;
const TASK_QUEUE = 'chaos';
/** TIMEOUT_TYPE_HEARTBEAT in Temporal's API. */
const HEARTBEAT_TIMEOUT = 4;

/** mulberry32: the chaos is random, but the same seed gives the same schedule. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(SEED);
const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const stamp = (): string => `${((Date.now() - t0) / 1000).toFixed(1).padStart(6)} s`;
const say = (line: string): void => void process.stdout.write(`${stamp()}  ${line}\n`);

interface WorkerProc {
  child: ChildProcess;
  pid: number;
  log: string;
  killedByUs: boolean;
}

/** A process's end: killed here, or died on its own. */
interface Death {
  pid: number;
  at: number;
  cause: 'sigkill' | 'died';
  detail?: string;
}

async function main(): Promise<number> {
  const log = createLogger({ component: 'chaos' }, 'error');
  const mainJs = path.join(PROJECT_ROOT, 'dist/src/workers/main.js');
  const agentsJs = path.join(PROJECT_ROOT, 'dist/test/fixtures/guarantee-agents.js');
  for (const f of [mainJs, agentsJs, path.join(PROJECT_ROOT, 'dist/workflow-bundle.js')]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(PROJECT_ROOT, f)} is missing: run npm run build first`);
  }
  say(`starting: Temporal dev server, a Postgres of its own, the model server; ${WORKERS} worker processes; ${RUNS} runs (seed ${SEED})`);
  const [server, db, llm] = await Promise.all([startDevServer({ dbFilename: null, cli: loadConfig(), log }), startCrashablePostgres(), startOpenAIPlanServer()]);
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on('error', () => undefined);
  const connection = await Connection.connect({ address: server.address });
  // The worker processes get the same keys through the environment.
  const keyring = generateKeyring('chaos');
  const client = new AgentClient(new Client({ connection, dataConverter: dataConverter('default', keyring) }), TASK_QUEUE);

  const workers = new Set<WorkerProc>();
  const deaths: Death[] = [];
  let stopping = false;
  let postgresUp = true;
  let cleaning: Promise<void> | undefined;
  // Ctrl+C: Postgres runs detached (pg_ctl), so it is stopped here, with the rest.
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

  const startWorker = async (): Promise<WorkerProc> => {
    for (let tries = 1; ; tries++) {
      const child = spawn(process.execPath, [mainJs], {
        cwd: PROJECT_ROOT,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: server.address,
          DATABASE_URL: db.url,
          TASK_QUEUE,
          AGENTS_MODULE: agentsJs,
          OPENAI_API_KEY: 'chaos-key',
          OPENAI_BASE_URL: llm.baseURL,
          HOUSEKEEPING_EVERY: 'off',
          DURABLE_AGENTS_ENCRYPTION_KEYS: formatKeyring(keyring),
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const w: WorkerProc = { child, pid: child.pid!, log: '', killedByUs: false };
      child.stderr!.on('data', (d: Buffer) => (w.log = (w.log + d.toString()).slice(-20_000)));
      const started = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 60_000);
        child.stderr!.on('data', () => w.log.includes('"worker started"') && (clearTimeout(timer), resolve(true)));
        child.once('exit', () => (clearTimeout(timer), resolve(false)));
      });
      if (started) {
        workers.add(w);
        child.once('exit', (code, signal) => {
          workers.delete(w);
          if (w.killedByUs || stopping) return;
          const lines = w.log.trim().split('\n');
          const tail = [...lines.filter((l) => /^\w*Error\b|Unhandled|uncaught/i.test(l.trim())).slice(0, 2), ...lines.slice(-1)].join(' | ').slice(0, 600);
          deaths.push({ pid: w.pid, at: Date.now(), cause: 'died', detail: `exit ${code ?? signal}: ${tail}` });
          say(`worker ${w.pid} DIED on its own (exit ${code ?? signal}); starting another`);
          void startWorker().then((next) => say(`worker ${next.pid} started`), () => undefined);
        });
        return w;
      }
      child.kill('SIGKILL');
      // A worker cannot start while Postgres is down (it migrates first): a supervisor tries again.
      if (tries === 1 || tries % 10 === 0) say(`a worker could not start${postgresUp ? '' : ' (Postgres is down)'}; trying again`);
      await sleep(2_000);
      if (stopping) throw new Error('stopping');
    }
  };

  try {
    await Promise.all(Array.from({ length: WORKERS }, () => startWorker()));
    say(`workers up: ${[...workers].map((w) => w.pid).join(', ')}`);

    // Runs start over the first minute, so some are in flight at every kill and at the outage.
    const tenantId = `chaos-${SEED}-${Date.now().toString(36)}`;
    const tasks = new Set<string>();
    const ids: string[] = [];
    const results: Array<Promise<AgentRunResult | Error>> = [];
    const starting = (async () => {
      for (let i = 0; i < RUNS; i++) {
        const task = `Book ${STEPS} slots (chaos run ${i}, seed ${SEED}, ${t0})`;
        tasks.add(task);
        llm.plan(task, { steps: STEPS, latencyMs: () => between(300, 4_000), slowTool: { step: between(0, STEPS - 1), ms: between(500, 5_000) } });
        const { id } = await client.start(STEADY_AGENT, task, { tenantId, id: `chaos-${i}-${Date.now().toString(36)}` });
        ids.push(id);
        results.push(client.result(id).catch((err: Error) => err));
        await sleep(between(0, Math.floor(120_000 / RUNS)));
      }
    })();

    // Random SIGKILLs until every run has ended; a replacement starts at once.
    let done = false;
    void (async () => {
      while (!done) {
        await sleep(between(KILL_MIN_S * 1000, KILL_MAX_S * 1000));
        const live = [...workers];
        if (done || live.length === 0) continue;
        const victim = live[between(0, live.length - 1)]!;
        victim.killedByUs = true;
        victim.child.kill('SIGKILL');
        deaths.push({ pid: victim.pid, at: Date.now(), cause: 'sigkill' });
        say(`SIGKILL worker ${victim.pid}${postgresUp ? '' : ' (Postgres is down)'}`);
        void startWorker().then((w) => say(`worker ${w.pid} started`), () => undefined);
      }
    })();

    // One abrupt Postgres outage.
    const outage = { from: 0, to: 0 };
    const outageDone = (async () => {
      await sleep(OUTAGE_AT_S * 1000);
      await db.crash();
      postgresUp = false;
      outage.from = Date.now();
      say(`Postgres stopped (immediate) for ${OUTAGE_S} s`);
      await sleep(OUTAGE_S * 1000);
      await db.restart();
      postgresUp = true;
      outage.to = Date.now();
      say('Postgres is back');
    })();

    await starting;
    await outageDone;
    const settled = await Promise.race([Promise.all(results), sleep(15 * 60_000).then(() => undefined)]);
    done = true;
    const endedAt = Date.now();
    if (!settled) say('some runs had not ended 15 minutes after the outage');
    const finished = settled ?? [];
    say('every run ended; checking');

    // Runs and effects.
    const completed = finished.filter((r): r is AgentRunResult => !(r instanceof Error) && r.status === 'completed').length;
    const failedRuns = ids.filter((_, i) => !(finished[i] && !(finished[i] instanceof Error) && (finished[i] as AgentRunResult).status === 'completed'));
    const effects = await effectCounts(pool, ids);
    const want = JSON.stringify(expectedEffects(STEPS));
    const wrongEffects = Object.entries(effects).filter(([, e]) => JSON.stringify(e) !== want);

    // The ledger against the provider's bill.
    const ledger = await auditLedger(pool, tenantId);
    const billed = llm.billedUsd(tasks);
    const answers = llm.delivered.filter((d) => tasks.has(d.task));
    // An answer delivered to a process that died before it committed the charge is not charged (README: what is guaranteed).
    // Such an answer was asked for again: the ledger may lack at most those.
    const askedAgain = answers.filter((d) => answers.some((l) => l.task === d.task && l.step === d.step && l.repeat > d.repeat));
    const answeredTwice = askedAgain.length;
    const askedAgainUsd = askedAgain.reduce((sum, d) => sum + d.usd, 0);

    // Resume delays: an attempt that started after its previous one missed its heartbeats,
    // measured from the death before it. Deaths while Postgres was down are counted apart:
    // no worker can start then (it migrates first), so those runs wait for Postgres.
    const resumes = { kill: [] as number[], outage: [] as number[] };
    const sorted = [...deaths].sort((a, b) => a.at - b.at);
    // A wait that overlaps the outage is the outage's, whatever started it.
    const inOutage = (from: number, to: number): boolean => outage.from > 0 && from <= outage.to && to >= outage.from - 1_000;
    for (const id of ids) {
      const h = await client.client.workflow.getHandle(id).fetchHistory();
      const types = new Map<string, string>();
      for (const e of h.events ?? []) {
        if (e.activityTaskScheduledEventAttributes) types.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType!.name!);
        const s = e.activityTaskStartedEventAttributes;
        if (!s || (s.attempt ?? 1) < 2 || s.lastFailure?.timeoutFailureInfo?.timeoutType !== HEARTBEAT_TIMEOUT) continue;
        const at = Number(e.eventTime!.seconds) * 1000 + Math.floor((e.eventTime!.nanos ?? 0) / 1e6);
        // The attempt before died at least a heartbeat timeout earlier: the death it lost is the last one before that.
        const hb = types.get(String(s.scheduledEventId)) === 'callModel' ? 10_000 : 15_000;
        const death = sorted.filter((d) => d.at <= at - hb + 1_000).pop();
        if (death) (inOutage(death.at, at) || death.cause === 'died' ? resumes.outage : resumes.kill).push(at - death.at);
      }
    }
    // Model calls asked again after the worker waiting for them died: from the moment its connection dropped.
    const reasked = { kill: [] as number[], outage: [] as number[] };
    for (const a of llm.abandoned.filter((x) => tasks.has(x.task))) {
      const next = [...llm.delivered, ...llm.abandoned].filter((r) => r.task === a.task && r.step === a.step && r.at > a.abandonedAt).sort((x, y) => x.at - y.at)[0];
      if (next) (inOutage(a.abandonedAt, next.at) ? reasked.outage : reasked.kill).push(next.at - a.abandonedAt);
    }
    const figure = (xs: number[]): string => (xs.length ? `${(median(xs) / 1000).toFixed(1)} s / ${(Math.max(...xs) / 1000).toFixed(1)} s (${xs.length} attempts)` : 'none interrupted');

    const ledgerRight = ledger.committedUsd <= billed + 1e-9 && ledger.committedUsd >= billed - askedAgainUsd - 1e-9;
    const promisesHeld =
      completed === RUNS && wrongEffects.length === 0 && ledger.holdsLeft.length === 0 && sameUsd(ledger.counterReservedUsd, 0) && sameUsd(ledger.counterSpentUsd, ledger.committedUsd) && ledgerRight;
    const diedOnTheirOwn = deaths.filter((d) => d.cause === 'died').length;
    const lines = [
      ['runs completed / failed', `${completed} / ${RUNS - completed}${failedRuns.length ? ` (${failedRuns.slice(0, 5).join(', ')}${failedRuns.length > 5 ? ', …' : ''})` : ''}`],
      ['effects not exactly once', `${wrongEffects.length} runs${wrongEffects.length ? `: ${JSON.stringify(wrongEffects.slice(0, 3))}` : ''}`],
      ['worker SIGKILLs / deaths on their own', `${deaths.filter((d) => d.cause === 'sigkill').length} / ${deaths.filter((d) => d.cause === 'died').length}`],
      ['resume after a SIGKILL, median / max', figure(resumes.kill)],
      ['resume after a death in the outage, median / max', figure(resumes.outage)],
      ['model call asked again after a SIGKILL, median / max', figure(reasked.kill).replace('attempts', 'calls')],
      ['Postgres outage', `${((outage.to - outage.from) / 1000).toFixed(1)} s; last run ended ${((endedAt - outage.to) / 1000).toFixed(1)} s after it`],
      ['provider answers / billed', `${answers.length} / $${billed.toFixed(6)} (${answeredTwice} asked again after a lost answer; ${llm.abandoned.filter((d) => tasks.has(d.task)).length} requests abandoned by killed workers)`],
      ['ledger committed / counters spent', `${ledger.committedCalls} calls, $${ledger.committedUsd.toFixed(6)} / $${ledger.counterSpentUsd.toFixed(6)}`],
      ['provider billed − ledger', `$${Math.abs(billed - ledger.committedUsd) < 5e-7 ? '0.000000' : (billed - ledger.committedUsd).toFixed(6)} (answers that reached a worker killed before its commit)`],
      ['holds left / counters reserved', `${ledger.holdsLeft.length} / $${ledger.counterReservedUsd.toFixed(6)}`],
      ['reservations by status', JSON.stringify(ledger.byStatus)],
    ];
    const width = Math.max(...lines.map(([k]) => k!.length));
    process.stdout.write(`\nchaos: ${RUNS} runs, ${WORKERS} workers, seed ${SEED}\n${lines.map(([k, v]) => `  ${k!.padEnd(width)}  ${v}`).join('\n')}\n`);
    for (const d of deaths.filter((x) => x.cause === 'died').slice(0, 3)) process.stdout.write(`  worker ${d.pid} died: ${d.detail}\n`);
    finished.forEach((r, i) => {
      if (r instanceof Error || r.status !== 'completed') process.stdout.write(`  run ${ids[i]} ${r instanceof Error ? `failed: ${causes(r)}` : `ended ${r.status}`}\n`);
    });
    process.stdout.write(`\n${promisesHeld ? 'every promise held' : 'A PROMISE WAS BROKEN (see above)'}\n`);
    if (diedOnTheirOwn) process.stdout.write(`${diedOnTheirOwn} worker process(es) died on their own: a defect even though the runs recovered\n`);
    const file = writeResults(
      {
        machine: machine(),
        settings: { runs: RUNS, workers: WORKERS, outage_s: OUTAGE_S, outage_at_s: OUTAGE_AT_S, kill_every_s: [KILL_MIN_S, KILL_MAX_S], seed: SEED, steps: STEPS },
        runs: { completed, failed: RUNS - completed },
        effects_not_exactly_once: wrongEffects.length,
        workers: { sigkills: deaths.filter((d) => d.cause === 'sigkill').length, died: deaths.filter((d) => d.cause === 'died').map((d) => d.detail) },
        model_reasked_after_kill_ms: { n: reasked.kill.length, median: reasked.kill.length ? median(reasked.kill) : null, max: reasked.kill.length ? Math.max(...reasked.kill) : null },
        resume_ms: Object.fromEntries(Object.entries(resumes).map(([k, xs]) => [k, { n: xs.length, median: xs.length ? median(xs) : null, max: xs.length ? Math.max(...xs) : null }])),
        outage_ms: outage.to - outage.from,
        provider: { answers: answers.length, billed_usd: billed, asked_again: answeredTwice },
        ledger: { committed_calls: ledger.committedCalls, committed_usd: ledger.committedUsd, counters_spent_usd: ledger.counterSpentUsd, counters_reserved_usd: ledger.counterReservedUsd, holds_left: ledger.holdsLeft.length, by_status: ledger.byStatus },
        promises_held: promisesHeld,
      },
      path.join(PROJECT_ROOT, 'bench', 'results', 'chaos.json'),
    );
    process.stdout.write(`results: ${path.relative(PROJECT_ROOT, file)}\n`);
    return promisesHeld && diedOnTheirOwn === 0 ? 0 : 1;
  } finally {
    await cleanup();
  }

  /** Stops everything this script started; a second call waits for the first. */
  function cleanup(): Promise<void> {
    return (cleaning ??= (async () => {
      stopping = true;
      await Promise.all([...workers].map((w) => new Promise<void>((resolve) => (w.child.exitCode !== null ? resolve() : (w.child.once('exit', () => resolve()), w.child.kill('SIGTERM'))))));
      await pool.end().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await llm.close().catch(() => undefined);
      await db.stop().catch(() => undefined);
      await server.shutdown().catch(() => undefined);
    })());
  }
}

/** An error and its causes, innermost last. */
function causes(err: Error): string {
  const out: string[] = [];
  for (let e: unknown = err; e instanceof Error && out.length < 6; e = e.cause) out.push(e.message);
  return out.join(' ← ');
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`chaos: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
