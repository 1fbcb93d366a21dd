/** Input and result of the `housekeeping` workflow; plain JSON shared by workflow, activity and clients. */

/** Options of one housekeeping pass. */
export interface HousekeepingInput {
  /** Settled ledger reservations older than this are deleted (default 7 days). */
  reservationRetentionHours?: number;
  /** Holds still `reserved` after this long belong to attempts that never came back; they are released (default 30: three times callModel's 10-minute start-to-close timeout). */
  staleHoldMinutes?: number;
  /** Cache namespaces to prune (default: every namespace in `response_cache`). */
  cacheNamespaces?: string[];
  /** The cache's row cap per namespace (`l2MaxRows`), enforced while pruning (default: the cache module's, 100,000). */
  cacheMaxRows?: number;
}

/** What one housekeeping pass deleted. */
export interface HousekeepingResult {
  cacheRows: number;
  /** Stale holds released (their budget is free again). */
  released: number;
  /** Settled reservations deleted. */
  reservations: number;
  /** Tables that do not exist in this database (their migration is not applied). */
  skipped: string[];
  /** Audit rows archived and pruned (absent when the worker keeps them for good). */
  audit?: { archived: number; pruned: number; refused: Array<{ tenantId: string; seq: number; problem: string }> };
}
