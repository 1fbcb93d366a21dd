/**
 * Postgres dies in the middle of many runs (an immediate shutdown: connections cut, no
 * checkpoint) and comes back after OUTAGE_SECONDS. Runs wait it out on durable timers
 * and finish: every run completes, every booking happens exactly once, and the budget
 * ledger charges exactly what the provider answered — answers that arrived while the
 * ledger was down are charged afterwards — with no hold left behind. A lost connection
 * never takes the worker down: an unhandled pg 'error' event fails this suite, as it
 * would end a worker process.
 *
 * The worker runs in this process against a Postgres of its own (the shared one stays up
 * for the other suites); the model is a priced OpenAI model behind the real `openai` SDK.
 *
 *   OUTAGE_SECONDS=60 npx jest test/guarantees/postgres-outage.test.ts   # the full minute, 20 runs
 *
 * Default: a 15 s outage and 10 runs (OUTAGE_RUNS sets the number of runs).
 */
import { randomUUID } from 'node:crypto';
import type { CallModelResult } from '../../src/activities/model';
import { AgentClient } from '../../src/client/agent-client';
import type { AgentRunResult } from '../../src/shared/run-types';
import { FailureType } from '../../src/shared/failures';
import { steadyAgent, STEADY_AGENT } from '../fixtures/guarantee-agents';
import { startCrashablePostgres, type CrashablePostgres } from '../support/crashable-postgres';
import { startHarness, type Harness } from '../support/harness';
import { activityResults, historyOf, type HistoryEvent } from '../support/history';
import { auditLedger, effectCounts, expectedEffects, sameUsd } from '../support/ledger-audit';
import { startOpenAIPlanServer, type OpenAIPlanServer } from '../support/openai-plan-server';

const OUTAGE_SECONDS = Number(process.env.OUTAGE_SECONDS ?? 15);
const RUNS = Number(process.env.OUTAGE_RUNS ?? (OUTAGE_SECONDS >= 60 ? 20 : 10));
const STEPS = 3;

let db: CrashablePostgres;
let llm: OpenAIPlanServer;
let h: Harness;
beforeAll(async () => {
  [db, llm] = await Promise.all([startCrashablePostgres(), startOpenAIPlanServer()]);
  h = await startHarness({ agents: [steadyAgent], openai: { apiKey: 'test-key', baseURL: llm.baseURL }, databaseUrl: db.url, sdkLogLevel: 'ERROR' });
}, 60_000);
afterAll(async () => {
  await h?.shutdown();
  await llm?.close();
  await db?.stop();
});

const between = (lo: number, hi: number): number => lo + Math.floor(Math.random() * (hi - lo + 1));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Activity failures in a history, as `<activity type>: <failure type>` (the innermost failure's message when it has no type). */
function failuresOf(events: HistoryEvent[]): string[] {
  const types = new Map<string, string>();
  const out: string[] = [];
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes) types.set(String(e.eventId), e.activityTaskScheduledEventAttributes.activityType!.name!);
    const failed = e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (!failed?.failure) continue;
    let cause = failed.failure;
    while (cause.cause) cause = cause.cause;
    out.push(`${types.get(String(failed.scheduledEventId)) ?? '?'}: ${failed.failure.applicationFailureInfo?.type || cause.applicationFailureInfo?.type || cause.message || 'unknown'}`);
  }
  return out;
}

test(
  `Postgres stopped abruptly for ${OUTAGE_SECONDS} s under ${RUNS} runs: every run completes, every effect once, ledger = provider, no hold left`,
  async () => {
    const client = new AgentClient(h.temporal, h.taskQueue);
    const tenantId = `outage-${randomUUID().slice(0, 8)}`;
    const tasks = new Set<string>();
    const ids: string[] = [];
    const results: Array<Promise<AgentRunResult>> = [];
    const startRun = async (i: number): Promise<void> => {
      const task = `Book ${STEPS} slots (outage run ${i}, ${randomUUID()})`;
      tasks.add(task);
      // Slow answers and slow bookings, so model calls and effect transactions are in flight when Postgres goes.
      llm.plan(task, { steps: STEPS, latencyMs: () => between(200, 1_500), slowTool: { step: between(0, STEPS - 1), ms: between(300, 1_500) } });
      const { id } = await client.start(STEADY_AGENT, task, { tenantId });
      ids.push(id);
      const result = client.result(id);
      result.catch(() => undefined); // awaited below; a failure is reported there
      results.push(result);
    };
    // A quarter of the runs start while Postgres is down: their first model call cannot even reserve.
    const late = Math.ceil(RUNS / 4);
    for (let i = 0; i < RUNS - late; i++) await startRun(i);

    // Postgres goes once a few answers are out.
    for (let waited = 0; llm.delivered.filter((d) => tasks.has(d.task)).length < RUNS - late; waited += 50) {
      if (waited > 60_000) throw new Error('runs did not get going');
      await sleep(50);
    }
    const answeredBefore = llm.delivered.filter((d) => tasks.has(d.task)).length;
    const crashedAt = Date.now();
    await db.crash();
    await sleep(Math.min(2_000, (OUTAGE_SECONDS * 1_000) / 4));
    for (let i = RUNS - late; i < RUNS; i++) await startRun(i);
    await sleep(Math.max(0, crashedAt + OUTAGE_SECONDS * 1_000 - Date.now()));
    const answeredDuring = llm.delivered.filter((d) => tasks.has(d.task)).length - answeredBefore;
    await db.restart();
    const restartedAt = Date.now();

    const finished: AgentRunResult[] = await Promise.all(results);
    const doneAt = Date.now();
    expect(finished.map((r) => r.status)).toEqual(ids.map(() => 'completed'));

    // Every booking exactly once, none undone.
    const effects = await effectCounts(h.pool, ids);
    expect(effects).toEqual(Object.fromEntries(ids.map((id) => [id, expectedEffects(STEPS)])));

    // The ledger charged exactly what the provider answered, and holds nothing.
    const ledger = await auditLedger(h.pool, tenantId);
    const billedUsd = llm.billedUsd(tasks);
    const answers = llm.delivered.filter((d) => tasks.has(d.task)).length;
    const abandoned = llm.abandoned.filter((d) => tasks.has(d.task)).length;

    // How the runs rode it out, from their histories.
    const histories = await Promise.all(ids.map((id) => historyOf(h.temporal, id)));
    const failures = histories.flatMap(failuresOf);
    const byType = failures.reduce<Record<string, number>>((m, t) => ({ ...m, [t]: (m[t] ?? 0) + 1 }), {});
    const pendingCharges = histories.flatMap((ev) => activityResults<CallModelResult>(ev, 'callModel')).filter((r) => r.pendingCharge).length;
    console.log(
      [
        `Postgres outage of ${OUTAGE_SECONDS} s (immediate shutdown) under ${RUNS} runs of ${STEPS + 1} model calls and ${STEPS} bookings, ${late} of them started during the outage:`,
        `  runs completed: ${finished.filter((r) => r.status === 'completed').length}/${RUNS}; last one ${((doneAt - restartedAt) / 1000).toFixed(1)} s after Postgres was back (${((doneAt - crashedAt) / 1000).toFixed(1)} s after it went)`,
        `  provider: ${answers} answers (${answeredBefore} before the outage, ${answeredDuring} during it), ${abandoned} requests abandoned, billed $${billedUsd.toFixed(6)}`,
        `  ledger: ${ledger.committedCalls} calls committed, $${ledger.committedUsd.toFixed(6)}; tenant counters spent $${ledger.counterSpentUsd.toFixed(6)}, reserved $${ledger.counterReservedUsd.toFixed(6)}; holds left ${ledger.holdsLeft.length}; reservations ${JSON.stringify(ledger.byStatus)}`,
        `  answers charged by the workflow after the outage (pendingCharge): ${pendingCharges}; activity failures: ${JSON.stringify(byType)}`,
      ].join('\n'),
    );

    expect(ledger.holdsLeft).toEqual([]);
    expect(sameUsd(ledger.counterReservedUsd, 0)).toBe(true);
    expect(sameUsd(ledger.counterSpentUsd, ledger.committedUsd)).toBe(true);
    expect(ledger.committedCalls).toBe(answers);
    expect(sameUsd(ledger.committedUsd, billedUsd)).toBe(true);
    // Only outages failed activities: nothing was misread as a bug of a tool or the model.
    expect(Object.keys(byType).filter((t) => !t.endsWith(`: ${FailureType.InfrastructureUnavailable}`))).toEqual([]);
  },
  OUTAGE_SECONDS * 1_000 + 240_000,
);
