/**
 * `list`, `flow list` and `batch list`: runs under column headers, most recent first, and when
 * more match than the limit, a line with the command that shows more. The options are
 * checked before anything connects; this module loads nothing.
 */
import type { RunSummary } from '../client/agent-client';
import type { BatchRunSummary } from '../client/batch-client';
import type { FlowRunSummary } from '../client/flow-client';
import type { WorkflowSummary } from '../client/visibility';
import type { BatchStatus } from '../shared/batch-types';
import type { FlowStatus } from '../shared/flow-types';
import type { RunStatus } from '../shared/run-types';
import { UsageError } from './errors';
import { positiveInt } from './options';

const DEFAULT_LIMIT = 20;

/** What one listing shows and accepts. */
export interface Listing<T extends WorkflowSummary, S extends string = string> {
  /** `runs`, `flows`, `batches`. */
  noun: string;
  /** The command as typed, e.g. `list` or `flow list`, for the line that shows more. */
  command: string;
  /** The column after the id: its header and value (the agent, the flow). */
  column: [header: string, value: (item: T) => string | undefined];
  /** The values `--status` takes. */
  statuses: readonly S[];
}

/** Every member of a union of strings, once: the record type makes the compiler check that none is missing. */
function all<K extends string>(members: Record<K, true>): K[] {
  return Object.keys(members) as K[];
}

export const RUN_LISTING: Listing<RunSummary, RunStatus> = {
  noun: 'runs',
  command: 'list',
  column: ['AGENT', (r) => r.agent],
  statuses: all<RunStatus>({ running: true, waiting_approval: true, waiting_budget: true, compensating: true, completed: true, max_steps: true, budget_exceeded: true, failed: true, cancelled: true }),
};

export const FLOW_LISTING: Listing<FlowRunSummary, FlowStatus> = {
  noun: 'flows',
  command: 'flow list',
  column: ['FLOW', (r) => r.flow],
  statuses: all<FlowStatus>({ running: true, waiting: true, completed: true, budget_exceeded: true, failed: true, cancelled: true }),
};

export const BATCH_LISTING: Listing<BatchRunSummary, BatchStatus> = {
  noun: 'batches',
  command: 'batch list',
  column: ['AGENT', (r) => r.agent],
  statuses: all<BatchStatus>({ staging: true, running: true, draining: true, finishing: true, completed: true, cancelled: true, failed: true }),
};

/** A listing's options as given (`--name value`); `status` and `limit` are checked, the rest are filters. */
export type ListingOptions = Record<string, string | undefined>;

/** The checked options: the status, how many to show, and all of them to repeat in the line that shows more. */
export interface ListingQuery<S extends string = string> {
  status?: S;
  limit: number;
  given: ListingOptions;
}

export function checkListing<T extends WorkflowSummary, S extends string>(listing: Listing<T, S>, given: ListingOptions): ListingQuery<S> {
  const status = given.status;
  if (status !== undefined && !listing.statuses.includes(status as S)) throw new UsageError(`unknown status "${status}" (one of: ${listing.statuses.join(', ')})`);
  return { ...(status !== undefined ? { status: status as S } : {}), limit: positiveInt('limit', given.limit) ?? DEFAULT_LIMIT, given };
}

/** Rows as columns padded to their widest cell (the last column is not padded). */
export function table(rows: string[][]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0))) ?? [];
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}

/** The lines of a listing; `found` was fetched with one more than the limit, which says more exist. */
export function listingLines<T extends WorkflowSummary>(listing: Listing<T>, found: T[], query: ListingQuery): string[] {
  if (!found.length) return [`no ${listing.noun} found`];
  const [header, value] = listing.column;
  const rows = found.slice(0, query.limit).map((r) => [
    r.id,
    value(r) ?? '-',
    r.tenantId ?? '-',
    r.status ?? '-',
    r.workflowStatus,
    r.startTime.toISOString().replace(/\.\d+Z$/, 'Z'),
    r.costUsd !== undefined ? `$${r.costUsd.toFixed(6)}` : '-',
  ]);
  const lines = table([['ID', header, 'TENANT', 'STATUS', 'EXECUTION', 'STARTED', 'COST'], ...rows]);
  if (found.length > query.limit) {
    const options = Object.entries(query.given)
      .filter(([name, v]) => v !== undefined && name !== 'limit')
      .map(([name, v]) => ` --${name} ${/^[\w.:/-]+$/.test(v!) ? v : JSON.stringify(v)}`);
    lines.push(`more ${listing.noun} than these ${query.limit}: npx durable-agents ${listing.command}${options.join('')} --limit ${query.limit * 5}`);
  }
  return lines;
}
