/**
 * Reading batch inputs: JSONL lines and inline lists, in chunks, so a 10,000-item source
 * never sits in memory (or in workflow history) at once, and the check of a batch's
 * source. No Temporal imports: the client, the activities and tests all use these.
 * Queries are read by the worker (query.ts).
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { z } from 'zod';
import type { BatchInputItem, BatchSource } from '../shared/batch-types';
import { DurableAgentsError } from '../shared/errors';
import { FailureType } from '../shared/failures';

/** Bad batch input (a malformed line, a failing query): the user's to fix, never retried. */
export class BatchInputError extends DurableAgentsError {
  constructor(message: string) {
    super(message, { type: FailureType.InvalidBatchInput, fault: 'user', retryable: false });
  }
}

/** Longest item accepted; an agent's input is a task, not a document dump. */
export const MAX_ITEM_CHARS = 100_000;

/** Checks one item; `where` names it in the error ("line 7", "row 3", "item 2"). */
export function checkItem(item: BatchInputItem, where: string): BatchInputItem {
  if (!item.input.trim()) throw new BatchInputError(`${where}: input is empty`);
  if (item.input.length > MAX_ITEM_CHARS) throw new BatchInputError(`${where}: input is longer than ${MAX_ITEM_CHARS} characters`);
  return item.key === undefined ? { input: item.input } : { input: item.input, key: item.key };
}

/** One JSONL line: a JSON string, or an object with a string `input` and an optional `key`/`id`. Blank lines give undefined. */
export function parseJsonlLine(line: string, lineNo: number): BatchInputItem | undefined {
  if (!line.trim()) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new BatchInputError(`line ${lineNo}: not valid JSON`);
  }
  if (typeof value === 'string') return checkItem({ input: value }, `line ${lineNo}`);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if (typeof o.input !== 'string') throw new BatchInputError(`line ${lineNo}: expected a JSON string or an object with a string "input"`);
    const key = o.key ?? o.id;
    return checkItem({ input: o.input, ...(key !== undefined && key !== null ? { key: String(key) } : {}) }, `line ${lineNo}`);
  }
  throw new BatchInputError(`line ${lineNo}: expected a JSON string or an object with a string "input"`);
}

/** Streams a JSONL file in chunks of `chunk` items. */
export async function* readJsonlFile(file: string, chunk = 500): AsyncGenerator<BatchInputItem[]> {
  let stream: fs.ReadStream;
  try {
    await fs.promises.access(file, fs.constants.R_OK);
    stream = fs.createReadStream(file, { encoding: 'utf8' });
  } catch (err) {
    throw new BatchInputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const lines = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let buf: BatchInputItem[] = [];
  let lineNo = 0;
  try {
    for await (const line of lines) {
      const item = parseJsonlLine(line, ++lineNo);
      if (!item) continue;
      buf.push(item);
      if (buf.length >= chunk) {
        yield buf;
        buf = [];
      }
    }
  } finally {
    lines.close();
    stream.destroy();
  }
  if (buf.length) yield buf;
}

/** Wraps an in-memory list as chunks, checking every item. */
export async function* chunksOf(items: readonly (string | BatchInputItem)[], chunk = 500): AsyncGenerator<BatchInputItem[]> {
  for (let i = 0; i < items.length; i += chunk) {
    yield items.slice(i, i + chunk).map((it, j) => checkItem(typeof it === 'string' ? { input: it } : it, `item ${i + j + 1}`));
  }
}

/**
 * A batch's source as the worker accepts it: items a client stored, or a query. Anything
 * else — a file path for the worker to open, say — is refused: a batch's spec is written by
 * whoever can start workflows, and the worker reads no file a client names.
 */
const BatchSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('stored'), setId: z.string().min(1).max(400), consume: z.boolean().optional() }),
  z.strictObject({ kind: z.literal('query'), sql: z.string().min(1).max(MAX_ITEM_CHARS) }),
]);

/** Checks a batch's source; throws {@link BatchInputError} naming what is wrong. */
export function parseBatchSource(source: unknown): BatchSource {
  const parsed = BatchSourceSchema.safeParse(source);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `source.${issue.path.join('.')}` : 'source';
  throw new BatchInputError(`invalid batch source: ${where}: ${issue?.message ?? 'not a source'} (a source is {kind: "stored", setId} or {kind: "query", sql})`);
}
