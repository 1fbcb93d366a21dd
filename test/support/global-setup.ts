/**
 * Starts what every test file shares: a real Temporal dev server, a real Postgres
 * (DATABASE_URL or an embedded one) with migrations applied, and the workflow bundle.
 * Postgres has the same roles as on a real deployment: migrations run as the tables'
 * owner (TEST_ADMIN_DATABASE_URL, also for tests that create tables or tamper with rows),
 * workers and the CLI log in as the workers' role (TEST_DATABASE_URL), batch queries as
 * the reader role (TEST_BATCH_QUERY_DATABASE_URL). Test files read them from the environment.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createLogger } from '../../src/infra/logger';
import { migrate } from '../../src/infra/migrations';
import { BATCH_READER_ROLE, ensureBatchReaderRole, ensureWorkerRole, freePort, startEmbeddedPostgres, WORKER_ROLE, type EmbeddedPostgresHandle } from '../../src/infra/postgres';
import { loadConfig } from '../../src/infra/config';
import { startDevServer } from '../../src/infra/temporal-dev';
import { formatKeyring, generateKeyring } from '../../src/encryption/keyring';
import { writeWorkflowBundle } from '../../src/workers/bundle';

export default async function globalSetup(): Promise<void> {
  const log = createLogger({ component: 'test-setup' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-agents-test-'));
  // Embedded Postgres runs as its own system user when we are root: it must reach the dir.
  fs.chmodSync(dir, 0o755);
  const [server, database] = await Promise.all([
    startDevServer({ dbFilename: null, cli: loadConfig(), log }),
    (async (): Promise<EmbeddedPostgresHandle> => {
      const url = process.env.DATABASE_URL;
      if (!url) return startEmbeddedPostgres({ dir: path.join(dir, 'pg'), port: await freePort(), persistent: false, log });
      // An external server: DATABASE_URL is its owner; the workers' role (and, without
      // BATCH_QUERY_DATABASE_URL, the reader role) are created on it (this needs CREATEROLE).
      const as = (role: string) => {
        const u = new URL(url);
        u.username = role;
        u.password = role;
        return u.toString();
      };
      const admin = new pg.Pool({ connectionString: url, max: 1 });
      try {
        await ensureWorkerRole(admin);
        if (!process.env.BATCH_QUERY_DATABASE_URL) await ensureBatchReaderRole(admin);
      } finally {
        await admin.end();
      }
      return { url: as(WORKER_ROLE), adminUrl: url, batchQueryUrl: process.env.BATCH_QUERY_DATABASE_URL ?? as(BATCH_READER_ROLE), stop: async () => undefined };
    })(),
  ]);
  const pool = new pg.Pool({ connectionString: database.adminUrl });
  await migrate(pool, log);
  await pool.end();
  const bundle = await writeWorkflowBundle(path.join(dir, 'workflow-bundle.js'), path.resolve(__dirname, '../../src/workflows/index.ts'));

  // One keyring for the whole run: test files, the workers they start and the CLI processes they spawn.
  process.env.DURABLE_AGENTS_ENCRYPTION_KEYS ??= formatKeyring(generateKeyring('test'));
  process.env.TEST_TEMPORAL_ADDRESS = server.address;
  process.env.TEST_DATABASE_URL = database.url;
  process.env.TEST_ADMIN_DATABASE_URL = database.adminUrl;
  process.env.TEST_BATCH_QUERY_DATABASE_URL = database.batchQueryUrl;
  process.env.TEST_WORKFLOW_BUNDLE = bundle;
  process.env.TEST_TMP_DIR = dir;
  (globalThis as Record<string, unknown>).__durableAgentsTest = { server, database, dir };
}
