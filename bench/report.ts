/**
 * Turns section results into the printed table and bench/results/latest.json. Sections
 * add rows; the file layout stays one object with the headline figures at the top.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/infra/paths';
import { round } from './stats';

/** One printed line: what, the figure(s), and the target it is held against. */
export interface Row {
  section: string;
  metric: string;
  p50?: number;
  p99?: number;
  value?: number;
  unit: string;
  target?: string;
}

export function printTable(title: string, rows: readonly Row[]): void {
  const cells = rows.map((r) => [
    r.section,
    r.metric,
    r.p50 === undefined ? '' : round(r.p50).toFixed(2),
    r.p99 === undefined ? '' : round(r.p99).toFixed(2),
    r.value === undefined ? '' : round(r.value).toFixed(2),
    r.unit,
    r.target ?? '',
  ]);
  const header = ['section', 'metric', 'p50', 'p99', 'value', 'unit', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((v, i) => (i >= 2 && i <= 4 ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ');
  process.stdout.write(`\n${title}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const c of cells) process.stdout.write(`${line(c)}\n`);
}

export function machine(): { cpus: number; cpu_model: string; node: string; platform: string; total_mem_gb: number; loadavg_1_5_15: number[] } {
  const cpus = os.cpus();
  return {
    // Other work on the machine moves every figure; the load at the end says how much there was.
    loadavg_1_5_15: os.loadavg().map((l) => round(l)),
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    total_mem_gb: round(os.totalmem() / 2 ** 30, 1),
  };
}

/**
 * Rounds every number in a JSON-able value, so the file is readable and diffs stay small:
 * three decimals, or three significant digits below 0.1 so microsecond figures keep theirs.
 */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Math.abs(value) < 0.1 && value !== 0 ? Number(value.toPrecision(3)) : round(value, 3);
  if (Array.isArray(value)) return value.map(rounded);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  return value;
}

export function writeResults(results: Record<string, unknown>, file = path.join(PROJECT_ROOT, 'bench', 'results', 'latest.json')): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(rounded(results), null, 2)}\n`);
  return file;
}
