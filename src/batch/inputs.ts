/**
 * Reading batch inputs: JSONL lines and read-only queries, in chunks, so a 10,000-item
 * source never sits in memory (or in workflow history) at once. No Temporal imports: the
 * client, the activities and tests all use these.
 */
import fs from 'node:fs';
import readline from 'node:readline';
import type pg from 'pg';
import type { BatchInputItem } from '../shared/batch-types';

/** Bad batch input (a malformed line, a failing query): the user's to fix, never retried. */
export class BatchInputError extends Error {
  override readonly name = 'BatchInputError';
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
 * Runs `sql` through a cursor in a READ ONLY transaction on `client` and yields its rows
 * as items. A cursor only accepts SELECT/VALUES and the transaction refuses writes, so a
 * batch query cannot change data whatever it says.
 */
export async function* readQuery(client: pg.PoolClient, sql: string, chunk = 1000, timeoutMs = 300_000): AsyncGenerator<BatchInputItem[]> {
  const text = sql.trim().replace(/;\s*$/, '');
  if (!text) throw new BatchInputError('the batch query is empty');
  await client.query('BEGIN READ ONLY');
  try {
    await client.query(`SET LOCAL statement_timeout = ${Math.floor(timeoutMs)}`);
    await asInputError(client.query(`DECLARE batch_source NO SCROLL CURSOR FOR ${text}`));
    let row = 0;
    for (;;) {
      const res = await asInputError(client.query<Record<string, unknown>>(`FETCH ${chunk} FROM batch_source`));
      if (!res.rows.length) break;
      const column = res.fields.some((f) => f.name === 'input') ? 'input' : res.fields[0]?.name;
      yield res.rows.map((r) => rowItem(r, column, ++row));
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

function rowItem(r: Record<string, unknown>, column: string | undefined, row: number): BatchInputItem {
  const v = column === undefined ? undefined : r[column];
  if (v === null || v === undefined) throw new BatchInputError(`row ${row}: the query returned no input (NULL or no column)`);
  const input = typeof v === 'string' ? v : JSON.stringify(v);
  const key = r.key;
  return checkItem({ input, ...(key !== undefined && key !== null && column !== 'key' ? { key: String(key) } : {}) }, `row ${row}`);
}

/**
 * Postgres errors in the user's SQL (syntax, unknown table or column, permission, data,
 * a write in a read-only transaction) become {@link BatchInputError}; connection trouble
 * stays as it is, so it is retried.
 */
async function asInputError<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^(42|22|0A|25|21|23|2B|3F|57014)/.test(code)) {
      throw new BatchInputError(`the batch query failed: ${(err as Error).message}`);
    }
    throw err;
  }
}
