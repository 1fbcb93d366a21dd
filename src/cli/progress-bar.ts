/**
 * Following a batch in a terminal: a progress bar redrawn in place (`\r`) on a TTY, one
 * line per change otherwise (logs, CI), and the summary at the end.
 */
import type { BatchProgress, BatchSummary } from '../shared/batch-types';
import type { BatchClient } from '../client/batch-client';
import type { Out } from './commands';

/** Where the bar is drawn. */
export interface Term {
  isTTY: boolean;
  write(text: string): void;
}

export function stdoutTerm(): Term {
  return { isTTY: Boolean(process.stdout.isTTY), write: (t) => process.stdout.write(t) };
}

function seconds(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** One line: bar, counts, cost, rate and ETA. `now` is the local clock in ms. */
export function progressLine(p: BatchProgress, now: number, width = 24): string {
  if (p.total === undefined) return `${p.batchId}  staging inputs…`;
  const done = p.succeeded + p.failed + p.cancelled;
  const frac = p.total ? done / p.total : 1;
  const filled = Math.round(frac * width);
  const bar = `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
  const elapsed = now - Date.parse(p.startedAt);
  const rate = elapsed > 0 ? (done / elapsed) * 1000 : 0;
  const eta = rate > 0 && done < p.total ? `  ETA ${seconds(((p.total - done) / rate) * 1000)}` : '';
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  return `${bar} ${String(done).padStart(String(p.total).length)}/${p.total} ${pct}  ✓ ${p.succeeded}  ✗ ${p.failed}${p.cancelled ? `  ⊘ ${p.cancelled}` : ''}  ▶ ${p.inFlight}  $${p.costUsd.toFixed(6)}  ${rate.toFixed(1)} items/s${eta}  [${p.status}]`;
}

/** The summary as lines for people. */
export function summaryLines(s: BatchSummary): string[] {
  const rate = s.durationMs > 0 ? ` (${((s.total - s.pending) / (s.durationMs / 1000)).toFixed(1)} items/s)` : '';
  const lines = [
    `${s.status === 'completed' ? '✓' : '⊘'} batch ${s.batchId} ${s.status}: ${s.total} item${s.total === 1 ? '' : 's'} — ${s.succeeded} succeeded, ${s.failed} failed${s.cancelled ? `, ${s.cancelled} cancelled` : ''}${s.pending ? `, ${s.pending} not started` : ''}`,
    `  cost $${s.costUsd.toFixed(6)}   ${seconds(s.durationMs)}${rate}${s.runs ? `   continued as new ${s.runs}×` : ''}`,
  ];
  if (s.failures.length) {
    const more = s.failed > s.failures.length ? ` (first ${s.failures.length} of ${s.failed}; all: SELECT idx, key, error FROM batch_items WHERE batch_id = '${s.batchId}' AND status = 'failed')` : '';
    lines.push(`failures${more}:`);
    for (const f of s.failures) lines.push(`  #${f.idx}${f.key ? ` [${f.key}]` : ''}  ${f.error.split('\n')[0]}`);
  }
  return lines;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Shows progress until the batch closes; returns its summary (or throws its failure). */
export async function followBatch(batches: BatchClient, id: string, term: Term, out: Out, intervalMs = term.isTTY ? 500 : 2000): Promise<BatchSummary> {
  const result = batches.result(id);
  let closed = false;
  const settled = result.then(
    () => (closed = true),
    () => (closed = true),
  );
  let last = '';
  let drawn = false;
  while (!closed) {
    // A query can miss while the batch continues as new; the next poll catches up.
    const p = await batches.progress(id).catch(() => undefined);
    if (p && !closed) {
      const key = `${p.status}/${p.started}/${p.succeeded}/${p.failed}/${p.cancelled}/${p.inFlight}`;
      if (term.isTTY) {
        term.write(`\r${progressLine(p, Date.now())}\x1b[K`);
        drawn = true;
      } else if (key !== last) {
        out(progressLine(p, Date.now()));
      }
      last = key;
    }
    await Promise.race([settled, sleep(intervalMs)]);
  }
  if (drawn) term.write('\r\x1b[K');
  return result;
}
