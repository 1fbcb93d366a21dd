/**
 * The Postgres `BatchInputStore`: input sets in `batch_inputs`, where a batch's staging
 * activity reads them. The CLI and a worker's process use it; an SDK user who starts
 * batches from inline items or files passes one to `BatchClient`.
 */
import type pg from 'pg';
import type { Config } from '../infra/config';
import { createPool, embeddedDatabaseUrl } from '../infra/postgres';
import type { BatchInputItem, BatchInputStore } from '../shared/batch-types';
import { batchExists, deleteInputSet, storeInputSet } from './store';

export class PostgresInputStore implements BatchInputStore {
  private opened: pg.Pool | undefined;

  /**
   * `pool`: a pool the caller owns (never closed here), or a function that opens one on
   * first use (closed by {@link close}), so commands that store nothing never connect.
   */
  constructor(private readonly pool: pg.Pool | (() => pg.Pool)) {}

  /** A store on DATABASE_URL, else the embedded Postgres of `durable-agents dev`, opened on first use. */
  static fromConfig(config: Pick<Config, 'DATABASE_URL' | 'EMBEDDED_POSTGRES_PORT'>): PostgresInputStore {
    return new PostgresInputStore(() => createPool({ connectionString: config.DATABASE_URL ?? embeddedDatabaseUrl(config.EMBEDDED_POSTGRES_PORT), max: 2 }));
  }

  private db(): pg.Pool {
    if (typeof this.pool !== 'function') return this.pool;
    return (this.opened ??= this.pool());
  }

  store(setId: string, chunks: AsyncIterable<BatchInputItem[]>): Promise<number> {
    return storeInputSet(this.db(), setId, chunks);
  }

  batchExists(batchId: string): Promise<boolean> {
    return batchExists(this.db(), batchId);
  }

  remove(setId: string): Promise<number> {
    return deleteInputSet(this.db(), setId);
  }

  async close(): Promise<void> {
    const opened = this.opened;
    this.opened = undefined;
    await opened?.end();
  }
}
