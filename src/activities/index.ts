/**
 * Activities are built once per worker from their dependencies; workflows proxy the
 * type of this factory's result.
 */
import type { KeyObject } from 'node:crypto';
import type pg from 'pg';
import type { AgentRegistry } from '../agents/registry';
import type { AuditRetention } from '../audit/retention';
import type { BatchQueryReader } from '../batch/query';
import type { Logger } from '../infra/logger';
import type { ModelProviders } from '../models/registry';
import type { Policies } from '../policies';
import { createAgentActivities } from './agent';
import { createAuditActivities } from './audit';
import { createBatchActivities } from './batch';
import { createDecisionActivities } from './decisions';
import { createFlowActivities } from './flows';
import { createHousekeepingActivities } from './housekeeping';
import { createModelActivities } from './model';
import { createToolActivities } from './tools';

export interface ActivityDeps {
  db: pg.Pool;
  providers: ModelProviders;
  agents: AgentRegistry;
  log: Logger;
  policies: Policies;
  /** Reads batch queries under their restricted role; without it, query batches are refused. */
  batchQueries?: BatchQueryReader;
  /** How long audit rows stay in Postgres before housekeeping archives and prunes them; absent: kept for good. */
  auditRetention?: AuditRetention;
  /** The public keys decision tokens must be signed with (this worker's namespace); without them every decision is refused. */
  decisionKeys?: readonly KeyObject[];
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createAgentActivities(deps),
    ...createModelActivities(deps),
    ...createToolActivities(deps),
    ...createBatchActivities(deps),
    ...createFlowActivities(deps),
    ...createHousekeepingActivities(deps),
    ...createAuditActivities(deps),
    ...createDecisionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
