/**
 * Batch mode: reads JSONL texts, runs the pipeline on each and writes one JSONL verdict
 * per line, so a CLI can vet a corpus or a log offline. A bad line gets an error line and
 * the run goes on; one malformed record must not hide the verdicts on the rest.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import type { GuardrailConfig } from './config';
import { runGuardrails } from './pipeline';
import type { GuardContext } from './types';
import { formatIssues } from '../../shared/issues';

const LineSchema = z.object({
  id: z.union([z.string(), z.number()]),
  text: z.string(),
  direction: z.enum(['input', 'output', 'tool_result']).default('input'),
});

/** What {@link guardJsonl} processed. */
export interface GuardJsonlCounts {
  /** Non-blank lines read. */
  lines: number;
  allowed: number;
  redacted: number;
  blocked: number;
  /** Lines that could not be checked (bad JSON or wrong shape). */
  errors: number;
}

/**
 * Checks every `{"id","text","direction"}` line of `input` and writes one
 * `{"id","action","findings","redacted"}` line per record to `output` (or
 * `{"id":null,"line":N,"error"}` for a bad one). Resolves with the counts once `input` ends.
 */
export async function guardJsonl(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  config: GuardrailConfig,
  ctx: Omit<GuardContext, 'direction'> = {},
): Promise<GuardJsonlCounts> {
  const counts: GuardJsonlCounts = { lines: 0, allowed: 0, redacted: 0, blocked: 0, errors: 0 };
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const raw of rl) {
    lineNo++;
    if (raw.trim() === '') continue;
    counts.lines++;
    const record = parseLine(raw);
    let out: unknown;
    if ('error' in record) {
      counts.errors++;
      out = { id: null, line: lineNo, error: record.error };
    } else {
      const run = runGuardrails(record.direction, record.text, config, ctx);
      counts[run.action === 'allow' ? 'allowed' : run.action === 'redact' ? 'redacted' : 'blocked']++;
      out = { id: record.id, action: run.action, findings: run.findings, redacted: run.redacted };
    }
    if (!output.write(JSON.stringify(out) + '\n')) await once(output, 'drain');
  }
  return counts;
}

function parseLine(raw: string): z.output<typeof LineSchema> | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    return { error: `invalid JSON: ${(e as Error).message}` };
  }
  const parsed = LineSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  return { error: formatIssues(parsed.error.issues) };
}
